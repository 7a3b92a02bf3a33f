"""Health: is the store reachable, at the migration head, and is the outbox keeping up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ...storage.outbox_repository import OutboxStats
from ...storage.uow import UnitOfWork


@dataclass(frozen=True)
class OutboxHealth:
    pending_by_channel: dict[str, int]
    dead_by_channel: dict[str, int]
    lag_seconds: float  # age of the oldest due message; 0 when none is due


@dataclass(frozen=True)
class Readiness:
    ready: bool
    failed: str | None  # database | schema | outbox_lag
    details: dict[str, object]


def check_database(uow: UnitOfWork) -> dict[str, object]:
    with uow:
        return {"database": "ok", "schema_revision": uow.schema_revision()}


def outbox_health(uow: UnitOfWork, now: datetime) -> OutboxHealth:
    with uow:
        stats: OutboxStats = uow.outbox.stats(now)
    return OutboxHealth(stats.pending_by_channel, stats.dead_by_channel, _age(stats.oldest_due_at, now))


def check_readiness(uow: UnitOfWork, now: datetime, *, head: str | None, max_lag_seconds: float) -> Readiness:
    """Each check in turn; the first that fails is named. An unreachable database raises (the view says 503)."""
    with uow:
        revision = uow.schema_revision()
        details: dict[str, object] = {"database": "ok", "schema_revision": revision, "schema_head": head}
        if revision is None or revision != head:  # the outbox query could fail on an older schema
            return Readiness(False, "schema", details)
        stats: OutboxStats = uow.outbox.stats(now)
    lag = _age(stats.oldest_due_at, now)
    details.update(outbox_lag_seconds=round(lag, 1), outbox_max_lag_seconds=max_lag_seconds)
    if lag > max_lag_seconds:
        return Readiness(False, "outbox_lag", details)
    return Readiness(True, None, details)


def _age(since: datetime | None, now: datetime) -> float:
    if since is None:
        return 0.0
    if since.tzinfo is None:  # SQLite returns naive datetimes; we store UTC
        since = since.replace(tzinfo=UTC)
    return max(0.0, (now - since).total_seconds())
