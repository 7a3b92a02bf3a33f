"""Telling a person about every change to their account, with a way to undo it (docs/adr/0003).

Every change on the account page or through account linking (PIN, password, voice choices, a device linked or
unlinked) queues an `account_changed` message to each channel the person proved, in the change's transaction. It
carries a signed "this wasn't me" link: `secure_account` then unlinks every device, locks voice payments and
removes the password, so whoever made the change loses what it gave them. The owner signs in again with a
one-time code and sets a new PIN. Nothing is stored for the link: it carries the person's id, signed with
SECRET_KEY and stamped with its time; using it twice does the same as once.
"""

from __future__ import annotations

from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

from ...domain.clock import Clock
from ...domain.errors import NotFound
from ...storage import models as m
from ...storage.outbox import enqueue
from ...storage.uow import UnitOfWork
from .brand_name import deployment_brand_name

CHANGES = ("pin", "password", "voice", "device_linked", "device_unlinked")
SECURE_LINK_MAX_AGE_SECONDS = 7 * 24 * 3600
_SALT = "billpay.account-secure.v1"


def issue_secure_token(secret_key: str, customer_id: int, now: datetime) -> str:
    # The issue time is the services' clock, signed with the id (not itsdangerous' own wall-clock stamp).
    return URLSafeSerializer(secret_key, salt=_SALT).dumps({"c": customer_id, "t": int(now.timestamp())})


def secure_token_customer(secret_key: str, token: str, *, now: datetime) -> int:
    """The person of a valid "this wasn't me" token; NotFound when forged, altered or older than a week."""
    try:
        data = URLSafeSerializer(secret_key, salt=_SALT).loads(token)
    except BadSignature:
        raise NotFound("unknown link") from None
    customer = data.get("c") if isinstance(data, dict) else None
    issued = data.get("t") if isinstance(data, dict) else None
    if not isinstance(customer, int) or not isinstance(issued, int):
        raise NotFound("unknown link")
    if not 0 <= now.timestamp() - issued <= SECURE_LINK_MAX_AGE_SECONDS:
        raise NotFound("unknown link")
    return customer


def notify_change(
    uow: UnitOfWork,
    customer: m.Customer,
    change: str,
    now: datetime,
    *,
    base_url: str,
    secret_key: str,
    brand_name: str | None = None,
) -> None:
    """Queue the notice on every proven channel of the person, inside the caller's transaction."""
    if change not in CHANGES:
        raise ValueError(f"unknown account change {change!r}")
    url = f"{base_url}/account/secure/{issue_secure_token(secret_key, customer.id, now)}"
    for channel, address in (("email", customer.email), ("sms", customer.mobile)):
        if address:
            enqueue(
                uow,
                kind="account_changed",
                channel=channel,
                recipient=address,
                locale=customer.locale,
                payload={
                    "change": change,
                    "url": url,
                    "at": now.isoformat(),
                    "brand_name": deployment_brand_name(uow, brand_name),
                },
                now=now,
                customer_id=customer.id,
            )


def secure_account(uow: UnitOfWork, customer_id: int, clock: Clock) -> None:
    """ "This wasn't me": unlink every device, lock voice payments, remove the password."""
    now = clock.now()
    with uow:
        customer = uow.customers.get_for_update(customer_id)
        if customer is None:
            raise NotFound("unknown customer")
        for token in uow.linked_tokens.live_for_customer(customer_id, now):
            if token.family_id is not None:
                uow.linked_tokens.revoke_family(token.family_id, now, customer_id=customer_id)
            else:
                uow.linked_tokens.revoke_one(token.id, customer_id, now)
        customer.voice_pin_locked_at = customer.voice_pin_locked_at or now
        customer.password_hash = None
        uow.commit()
