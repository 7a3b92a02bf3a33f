"""Short-lived signed "manage your wallet" links, until account login exists (then a session does the same).

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
