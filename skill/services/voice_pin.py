"""The 4-digit voice PIN: slow-hashed, three wrong tries lock voice payments until reset on the web."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from ..domain.clock import Clock
from ..domain.errors import InvalidInput, NotFound
from ..storage.uow import UnitOfWork

MAX_FAILURES = 3
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${salt.hex()}${digest.hex()}"


def _matches(pin: str, stored: str) -> bool:
    _scheme, n, salt, digest = stored.split("$")
    params = {**_SCRYPT, "n": int(n)}
    candidate = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), **params)
    return hmac.compare_digest(candidate.hex(), digest)


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    locked: bool
    tries_left: int


def set_voice_pin(uow: UnitOfWork, customer_id: int, pin: str, clock: Clock) -> None:
    """Set or reset the PIN; a reset also lifts a lock."""
    if not re.fullmatch(r"\d{4}", pin or ""):
        raise InvalidInput("the voice PIN must be exactly four digits", field="pin")
    with uow:
        customer = uow.customers.get_for_update(customer_id)
        if customer is None:
            raise NotFound("unknown customer")
        customer.voice_pin_hash = hash_pin(pin)
        customer.voice_pin_failures = 0
        customer.voice_pin_locked_at = None
        uow.commit()


def verify_voice_pin(
    uow: UnitOfWork, customer_id: int, pin: str | None, clock: Clock, *, invoice_id: int | None = None
) -> PinCheck:
    """Check a spoken PIN under a row lock so parallel guesses cannot exceed the limit."""
    with uow:
        customer = uow.customers.get_for_update(customer_id)
        if customer is None or customer.voice_pin_hash is None:
            raise NotFound("no voice PIN is set")
        if customer.voice_pin_locked_at is not None:
            return PinCheck(ok=False, locked=True, tries_left=0)
        now = clock.now()
        ok = (
            bool(pin)
            and re.fullmatch(r"\d{4}", pin or "") is not None
            and _matches(pin or "", customer.voice_pin_hash)
        )
        customer.voice_pin_failures = 0 if ok else customer.voice_pin_failures + 1
        locked = customer.voice_pin_failures >= MAX_FAILURES
        if locked:
            customer.voice_pin_locked_at = now
        if invoice_id is not None:
            kind = "pin_verified" if ok else ("pin_locked" if locked else "pin_failed")
            uow.events.record(invoice_id, "message", now, channel="alexa", data={"voice_pin": kind})
        uow.commit()
        return PinCheck(ok=ok, locked=locked, tries_left=max(0, MAX_FAILURES - customer.voice_pin_failures))
