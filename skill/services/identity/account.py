"""The customer's account page: linked devices (and unlinking them), voice PIN, step-up choices, web password."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...domain.clock import Clock
from ...domain.errors import InvalidInput, NotFound
from ...storage import models as m
from ...storage.uow import UnitOfWork
from .account_security import notify_change
from .passwords import hash_password


@dataclass(frozen=True)
class LinkedDevice:
    """One account link (an Alexa skill, or a token from support), however often its tokens rotated."""

    key: str  # "family:<id>" or "token:<id>": what to send back to unlink it
    label: str
    client_id: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class AccountView:
    customer_id: int
    name: str
    locale: str
    has_voice_pin: bool
    voice_pin_locked: bool
    always_ask_pin: bool
    require_recognized_speaker: bool
    has_password: bool
    devices: tuple[LinkedDevice, ...]


def account_overview(uow: UnitOfWork, customer_id: int, clock: Clock) -> AccountView:
    with uow:
        customer = uow.customers.get(customer_id)
        if customer is None:
            raise NotFound("unknown customer")
        live = uow.linked_tokens.live_for_customer(customer_id, clock.now())
        families = sorted({t.family_id for t in live if t.family_id is not None})
        history = {f: uow.linked_tokens.family(f) for f in families}
        devices = [_device(f, list(history[f])) for f in families]
        devices += [
            LinkedDevice(f"token:{t.id}", t.label, t.client_id, t.created_at, t.last_used_at)
            for t in live
            if t.family_id is None
        ]
        return AccountView(
            customer_id=customer.id,
            name=customer.name,
            locale=customer.locale,
            has_voice_pin=customer.voice_pin_hash is not None,
            voice_pin_locked=customer.voice_pin_locked_at is not None,
            always_ask_pin=customer.always_ask_pin,
            require_recognized_speaker=customer.require_recognized_speaker,
            has_password=customer.password_hash is not None,
            devices=tuple(sorted(devices, key=lambda d: d.created_at)),
        )


def _device(family_id: str, tokens: list[m.LinkedAccountToken]) -> LinkedDevice:
    used = [t.last_used_at for t in tokens if t.last_used_at is not None]
    first = min(tokens, key=lambda t: (t.created_at, t.id))
    return LinkedDevice(
        f"family:{family_id}", first.label, first.client_id, first.created_at, max(used, default=None)
    )


@dataclass(frozen=True)
class Notices:
    """What a change notice needs to build its "this wasn't me" link (services/account_security.py)."""

    base_url: str
    secret_key: str
    brand_name: str | None = None  # BRAND_NAME


def unlink_device(uow: UnitOfWork, customer_id: int, key: str, clock: Clock, notices: Notices) -> bool:
    """Revoke every token of the link; False when nothing of this customer's matched (already unlinked)."""
    kind, _, value = (key or "").partition(":")
    now = clock.now()
    with uow:
        if kind == "family" and value:
            revoked = uow.linked_tokens.revoke_family(value, now, customer_id=customer_id)
        elif kind == "token" and value.isascii() and value.isdigit() and len(value) < 19:
            revoked = uow.linked_tokens.revoke_one(int(value), customer_id, now)
        else:
            return False
        if revoked:
            _notify(uow, customer_id, "device_unlinked", now, notices)
        uow.commit()
        return revoked > 0


def set_voice_preferences(
    uow: UnitOfWork,
    customer_id: int,
    clock: Clock,
    notices: Notices,
    *,
    always_ask_pin: bool,
    require_recognized_speaker: bool,
) -> None:
    """ "Always ask for my PIN" needs a PIN to ask for; a recognized voice does not."""
    with uow:
        customer = uow.customers.get_for_update(customer_id)
        if customer is None:
            raise NotFound("unknown customer")
        if always_ask_pin and customer.voice_pin_hash is None:
            raise InvalidInput("set a voice PIN first", field="always_ask_pin")
        changed = (customer.always_ask_pin, customer.require_recognized_speaker) != (
            always_ask_pin,
            require_recognized_speaker,
        )
        customer.always_ask_pin = always_ask_pin
        customer.require_recognized_speaker = require_recognized_speaker
        if changed:
            _notify(uow, customer_id, "voice", clock.now(), notices)
        uow.commit()


def set_password(
    uow: UnitOfWork, customer_id: int, password: str, confirm: str, clock: Clock, notices: Notices
) -> None:
    if password != confirm:
        raise InvalidInput("the two passwords differ", field="password_confirm")
    hashed = hash_password(password)
    with uow:
        customer = uow.customers.get_for_update(customer_id)
        if customer is None:
            raise NotFound("unknown customer")
        customer.password_hash = hashed
        _notify(uow, customer_id, "password", clock.now(), notices)
        uow.commit()


def record_change(uow: UnitOfWork, customer_id: int, change: str, clock: Clock, notices: Notices) -> None:
    """Tell the person about a change made by another service (the voice PIN, a device linked by OAuth)."""
    with uow:
        _notify(uow, customer_id, change, clock.now(), notices)
        uow.commit()


def _notify(uow: UnitOfWork, customer_id: int, change: str, now: datetime, notices: Notices) -> None:
    customer = uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("unknown customer")
    notify_change(
        uow,
        customer,
        change,
        now,
        base_url=notices.base_url,
        secret_key=notices.secret_key,
        brand_name=notices.brand_name,
    )


def customer_locale(uow: UnitOfWork, customer_id: int) -> str | None:
    with uow:
        customer = uow.customers.get(customer_id)
        return customer.locale if customer is not None else None
