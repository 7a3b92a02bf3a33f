"""Sign-in attempts counted per account (or identifier typed) and per client address, in the database.

Fixed windows shared by every web worker. Subjects are keyed hashes: no address or email is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.errors import DomainError
from ..storage.uow import UnitOfWork
from .auth_settings import AuthSettings


class TooManyAttempts(DomainError):
    code = "rate_limited"


@dataclass(frozen=True)
class Subject:
    hash: str
    limit: int


def subject(kind: str, value: str, secret: str) -> str:
    return hmac.new((secret or "billpay").encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def window_start(now: datetime, settings: AuthSettings) -> datetime:
    size = settings.login_window_minutes * 60
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % size, tz=now.tzinfo)


def count_attempt(uow: UnitOfWork, now: datetime, settings: AuthSettings, subjects: list[Subject]) -> None:
    """Count this attempt against every subject inside the caller's transaction; raise if one is over its limit.

    Counting first and comparing after is what makes it hold under concurrent attempts.
    """
    start = window_start(now, settings)
    over = [s for s in subjects if uow.login_rates.hit(s.hash, start) > s.limit]
    if over:
        raise TooManyAttempts("too many sign-in attempts; try again later")


def forget_old_windows(uow: UnitOfWork, now: datetime, settings: AuthSettings) -> None:
    uow.login_rates.forget_before(
        window_start(now, settings) - timedelta(minutes=settings.login_window_minutes)
    )
