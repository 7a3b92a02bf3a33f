"""Account-linking tokens: issued as random strings, stored only as SHA-256, resolved to a customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ...domain.clock import Clock
from ...domain.errors import NotFound
from ...domain.tokens import hash_token, new_token

if TYPE_CHECKING:  # a voice turn resolves its token through the read model, without the ORM
    from ...storage.read_models.connection import ReadConnections
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
    from ...storage import models as m

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
        if row is None or not _usable(row.kind, row.revoked_at, row.expires_at, now):
            return None
        customer = uow.customers.get(row.customer_id)
        if customer is None:
            return None
        if _stale(row.last_used_at, now):
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


def resolve_access_token_read(db: ReadConnections, token: str | None, clock: Clock) -> LinkedCustomer | None:
    """`resolve_access_token` on the voice read model: one statement, and the use recorded as often as there."""
    from ...storage.read_models import voice

    if not token or len(token) > 512:
        return None
    holder = voice.token_holder(db, hash_token(token))
    now = clock.now()
    if holder is None or not _usable(holder.kind, holder.revoked_at, holder.expires_at, now):
        return None
    if _stale(holder.last_used_at, now):
        voice.touch_token(db, holder.token_id, now, unless_since=now - LAST_USED_RESOLUTION)
    return LinkedCustomer(
        customer_id=holder.customer_id,
        name=holder.name,
        locale=holder.locale,
        email=holder.email,
        mobile=holder.mobile,
        has_voice_pin=holder.has_voice_pin,
        voice_pin_locked=holder.voice_pin_locked,
        always_ask_pin=holder.always_ask_pin,
        require_recognized_speaker=holder.require_recognized_speaker,
    )


def _usable(kind: str, revoked_at: datetime | None, expires_at: datetime, now: datetime) -> bool:
    return kind == "access" and revoked_at is None and expires_at > now


def _stale(last_used_at: datetime | None, now: datetime) -> bool:
    """The account page shows when a token was last used: written at most every few minutes per token."""
    return last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION
