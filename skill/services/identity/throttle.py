"""Attempts counted per subject (an account, an identifier typed, a payment link, a client address), in the database.

Fixed windows shared by every web worker: sign-in attempts (sign_in.py) and payment-link starts and charges
(pay_throttle.py) use the same table. Subjects are keyed hashes: no address, email or link token is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from ...domain.errors import DomainError
from ...settings.auth import AuthSettings
from ...storage.uow import UnitOfWork


class TooManyAttempts(DomainError):
    code = "rate_limited"


@dataclass(frozen=True)
class Subject:
    hash: str
    limit: int


def subject(kind: str, value: str, secret: str) -> str:
    return hmac.new((secret or "billpay").encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def window_start(now: datetime, settings: AuthSettings, window_minutes: int | None = None) -> datetime:
    """The start of the fixed window holding `now` (the sign-in window unless `window_minutes` is given)."""
    size = (window_minutes or settings.login_window_minutes) * 60
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % size, tz=now.tzinfo)


def count_attempt(
    uow: UnitOfWork,
    now: datetime,
    settings: AuthSettings,
    subjects: list[Subject],
    *,
    window_minutes: int | None = None,
) -> None:
    """Count this attempt against every subject inside the caller's transaction; raise if one is over its limit.

    Counting first and comparing after is what makes it hold under concurrent attempts.
    """
    start = window_start(now, settings, window_minutes)
    over = [s for s in subjects if uow.login_rates.hit(s.hash, start) > s.limit]
    if over:
        raise TooManyAttempts("too many attempts; try again later")


def forget_old_windows(uow: UnitOfWork, now: datetime, settings: AuthSettings) -> None:
    """Drop windows that ended before the previous one of every kind (sign-in and pay-page windows differ)."""
    sizes = (settings.login_window_minutes, settings.pay_window_minutes)
    uow.login_rates.forget_before(
        min(window_start(now, settings, size) - timedelta(minutes=size) for size in sizes)
    )
