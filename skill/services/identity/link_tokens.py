"""Account-linking tokens: issued as random strings, stored only as SHA-256, resolved to a customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ...domain.clock import Clock
from ...domain.errors import NotFound
from ...domain.tokens import hash_token, new_token
from ...storage import models as m
from ...storage.uow import UnitOfWork

LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class LinkedCustomer:
    customer_id: int
    name: str
    locale: str
    email: str | None
    mobile: str | None
    has_voice_pin: bool
    voice_pin_locked: bool
    always_ask_pin: bool = False  # the account page's "always ask for my PIN"
    require_recognized_speaker: bool = False  # voice payments only when Alexa sends a personId


def issue_token(
    uow: UnitOfWork,
    email: str,
    clock: Clock,
    *,
    ttl: timedelta,
    client_id: str = "billpay-cli",
    label: str = "",
    kind: str = "access",
) -> str:
    """A new access token for a customer (account linking, support and tests). Returns the raw token."""
    token = new_token()
    with uow:
        customer = uow.customers.by_email(email)
        if customer is None:
            raise NotFound("no customer with this email")
        now = clock.now()
        uow.linked_tokens.add(
            m.LinkedAccountToken(
                customer_id=customer.id,
                token_hash=hash_token(token),
                kind=kind,
                client_id=client_id,
                label=label,
                expires_at=now + ttl,
                created_at=now,
            )
        )
        uow.commit()
    return token


def resolve_access_token(uow: UnitOfWork, token: str | None, clock: Clock) -> LinkedCustomer | None:
    """The customer behind a valid, unexpired, unrevoked access token; None otherwise."""
    if not token or len(token) > 512:
        return None
    with uow:
        row = uow.linked_tokens.by_hash(hash_token(token))
        now = clock.now()
        if row is None or row.kind != "access" or row.revoked_at is not None or row.expires_at <= now:
            return None
        customer = uow.customers.get(row.customer_id)
        if customer is None:
            return None
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            row.last_used_at = now  # shown on the account page; written at most every few minutes per token
            uow.commit()
        return LinkedCustomer(
            customer_id=customer.id,
            name=customer.name,
            locale=customer.locale,
            email=customer.email,
            mobile=customer.mobile,
            has_voice_pin=customer.voice_pin_hash is not None,
            voice_pin_locked=customer.voice_pin_locked_at is not None,
            always_ask_pin=customer.always_ask_pin,
            require_recognized_speaker=customer.require_recognized_speaker,
        )
