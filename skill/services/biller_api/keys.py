"""Biller API keys: issue one (shown once, stored as SHA-256), authenticate a request, count it per key."""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from ...domain.clock import Clock
from ...domain.errors import DomainError, NotFound
from ...domain.tokens import hash_token
from ...storage import models as m
from ...storage.uow import UnitOfWork

KEY_PREFIX = "bp_live_"
WINDOW = timedelta(minutes=1)
_KEY_ID = re.compile(r"[0-9a-f]{12}")


class Unauthenticated(DomainError):
    code = "unauthenticated"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, limit: int, reset_seconds: int) -> None:
        super().__init__("too many requests for this API key", limit=limit, reset_seconds=reset_seconds)
        self.limit, self.reset_seconds = limit, reset_seconds


@dataclass(frozen=True)
class IssuedKey:
    key: str  # shown once; only its hash is stored
    key_id: str
    biller_slug: str


@dataclass(frozen=True)
class ApiCaller:
    biller_id: int
    api_key_id: int
    limit: int
    remaining: int
    reset_seconds: int


def issue_api_key(uow: UnitOfWork, biller: str, clock: Clock, *, label: str = "") -> IssuedKey:
    """A new key for the biller named by slug or name: `bp_live_<key id>_<256-bit secret>`."""
    with uow:
        row = uow.billers.by_slug(biller) or uow.billers.by_name(biller)
        if row is None:
            raise NotFound("unknown biller", biller=biller)
        key_id = secrets.token_hex(6)
        key = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        uow.api_keys.add(
            m.ApiKey(
                biller_id=row.id, key_id=key_id, key_hash=hash_token(key), label=label, created_at=clock.now()
            )
        )
        uow.commit()
        return IssuedKey(key, key_id, row.slug)


def authenticate(uow: UnitOfWork, key: str, clock: Clock, *, limit_per_minute: int) -> ApiCaller:
    """The biller behind a key, with this request counted in the key's current one-minute window."""
    key_id = _key_id(key)
    now = clock.now()
    window = now.replace(second=0, microsecond=0)
    with uow:
        row = uow.api_keys.by_key_id(key_id) if key_id else None
        if (
            row is None
            or row.revoked_at is not None
            or not hmac.compare_digest(row.key_hash, hash_token(key))
        ):
            raise Unauthenticated("missing, unknown or revoked API key")
        count = uow.rate_windows.hit(row.id, window)
        if count == 1:
            uow.rate_windows.forget_before(row.id, window)
        uow.commit()
        biller_id, api_key_id = row.biller_id, row.id
    reset_seconds = max(1, int((window + WINDOW - now).total_seconds() + 0.999))
    if count > limit_per_minute:
        raise RateLimited(limit_per_minute, reset_seconds)
    return ApiCaller(biller_id, api_key_id, limit_per_minute, limit_per_minute - count, reset_seconds)


def _key_id(key: str) -> str | None:
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    key_id, _, secret = key.removeprefix(KEY_PREFIX).partition("_")
    return key_id if _KEY_ID.fullmatch(key_id) and secret else None
