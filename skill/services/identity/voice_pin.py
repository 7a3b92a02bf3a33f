"""The 4-digit voice PIN: peppered and slow-hashed; three wrong tries lock voice payments until reset on the web.

A 4-digit PIN has 10,000 values: scrypt alone would fall to a database dump in minutes. So scrypt's input is
HMAC-SHA256(pepper, pin), with the pepper a server-side key that is never stored in the database
(`Settings.voice_pin_pepper`, PIN_PEPPER). Hashes written before the pepper still verify and are re-hashed with
it on the next right PIN.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from ...domain.clock import Clock
from ...domain.errors import InvalidInput, NotFound
from ...storage.uow import UnitOfWork

MAX_FAILURES = 3
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
# Stored as "<scheme>$<n>$<salt hex>$<digest hex>".
PEPPERED = "scrypt-hmac-sha256"  # scrypt(HMAC-SHA256(pepper, pin)): what every PIN is hashed with now
LEGACY = "scrypt"  # scrypt(pin), written before the pepper: verified once more, then re-hashed


def valid_pin(pin: str | None) -> bool:
    """Exactly four ASCII digits: str.isdigit() and regex \\d also take "１２３４", which no voice can say."""
    return pin is not None and len(pin) == 4 and pin.isascii() and pin.isdigit()


def hash_pin(pin: str, pepper: bytes, *, salt: bytes | None = None) -> str:
    salt = secrets.token_bytes(16) if salt is None else salt
    return (
        f"{PEPPERED}${_SCRYPT['n']}${salt.hex()}${_digest(_peppered(pin, pepper), salt, _SCRYPT['n']).hex()}"
    )


def pin_matches(pin: str, stored: str, pepper: bytes) -> bool:
    """False for a wrong PIN, a wrong pepper, or a stored value this module did not write."""
    try:
        scheme, n, salt_hex, digest_hex = stored.split("$")
        salt, rounds = bytes.fromhex(salt_hex), int(n)
    except ValueError:
        return False
    if scheme == PEPPERED:
        secret = _peppered(pin, pepper)
    elif scheme == LEGACY:
        secret = pin.encode()
    else:
        return False
    return hmac.compare_digest(_digest(secret, salt, rounds).hex(), digest_hex)


def needs_rehash(stored: str) -> bool:
    """An unpeppered hash, or one with other scrypt costs than today's."""
    return not stored.startswith(f"{PEPPERED}${_SCRYPT['n']}$")


def _peppered(pin: str, pepper: bytes) -> bytes:
    if len(pepper) < 32:
        raise ValueError("the voice PIN pepper must be at least 32 bytes")
    return hmac.new(pepper, pin.encode(), hashlib.sha256).digest()


def _digest(secret: bytes, salt: bytes, n: int) -> bytes:
    return hashlib.scrypt(secret, salt=salt, **{**_SCRYPT, "n": n})


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    locked: bool
    tries_left: int


def set_voice_pin(uow: UnitOfWork, customer_id: int, pin: str, clock: Clock, *, pepper: bytes) -> None:
    """Set or reset the PIN; a reset also lifts a lock."""
    if not valid_pin(pin):
        raise InvalidInput("the voice PIN must be exactly four digits", field="pin")
    with uow:
        customer = uow.customers.get_for_update(customer_id)
        if customer is None:
            raise NotFound("unknown customer")
        customer.voice_pin_hash = hash_pin(pin, pepper)
        customer.voice_pin_failures = 0
        customer.voice_pin_locked_at = None
        uow.commit()


def verify_voice_pin(
    uow: UnitOfWork,
    customer_id: int,
    pin: str | None,
    clock: Clock,
    *,
    pepper: bytes,
    invoice_id: int | None = None,
) -> PinCheck:
    """Check a spoken PIN under a row lock so parallel guesses cannot exceed the limit."""
    with uow:
        customer = uow.customers.get_for_update(customer_id)
        if customer is None or customer.voice_pin_hash is None:
            raise NotFound("no voice PIN is set")
        if customer.voice_pin_locked_at is not None:
            return PinCheck(ok=False, locked=True, tries_left=0)
        now = clock.now()
        stored = customer.voice_pin_hash
        ok = pin is not None and valid_pin(pin) and pin_matches(pin, stored, pepper)
        if ok and pin is not None and needs_rehash(stored):
            customer.voice_pin_hash = hash_pin(pin, pepper)
        customer.voice_pin_failures = 0 if ok else customer.voice_pin_failures + 1
        locked = customer.voice_pin_failures >= MAX_FAILURES
        if locked:
            customer.voice_pin_locked_at = now
        if invoice_id is not None:
            kind = "pin_verified" if ok else ("pin_locked" if locked else "pin_failed")
            uow.events.record(invoice_id, "message", now, channel="alexa", data={"voice_pin": kind})
        uow.commit()
        return PinCheck(ok=ok, locked=locked, tries_left=max(0, MAX_FAILURES - customer.voice_pin_failures))
