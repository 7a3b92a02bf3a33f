"""Short-lived signed "manage your wallet" links: they open /wallet without a sign-in, for the wallet only.

Account login exists (web/login_views.py), yet a person who follows a link should not need a password or a code
just to change a card. Like the button on a payment-link page (web/pay.py), the link opens a wallet-only session:
never the account page or account linking. No message carries one yet; the wallet tests open the page with it.

The token carries only the customer id, signed with SECRET_KEY and stamped with its time; nothing is stored,
so there is nothing to hash. It is exchanged once for a session cookie and the page redirects to a clean URL.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

from ...domain.errors import NotFound

WALLET_LINK_MAX_AGE_SECONDS = 30 * 60
_SALT = "billpay.wallet-link.v1"


def issue_wallet_token(secret_key: str, customer_id: int) -> str:
    if not secret_key:
        raise ValueError("SECRET_KEY is needed to sign wallet links")
    return URLSafeTimedSerializer(secret_key, salt=_SALT).dumps({"c": customer_id})


def wallet_link_customer(
    secret_key: str, token: str, *, max_age: int = WALLET_LINK_MAX_AGE_SECONDS, now: float | None = None
) -> int:
    """The customer of a valid, unexpired wallet token; NotFound otherwise (forged, altered or too old)."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
    try:
        if now is None:
            data = serializer.loads(token, max_age=max_age)
        else:
            data, signed_at = serializer.loads(token, return_timestamp=True)
            if now - signed_at.timestamp() > max_age:
                raise NotFound("expired wallet link")
    except BadSignature:
        raise NotFound("unknown wallet link") from None
    customer = data.get("c") if isinstance(data, dict) else None
    if not isinstance(customer, int):
        raise NotFound("unknown wallet link")
    return customer
