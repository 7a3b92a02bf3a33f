"""The outbox's queries: lookups, and the leases a delivery worker claims, fences and settles (SKIP LOCKED)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from . import models as m

OM = m.OutboxMessage


@dataclass(frozen=True)
class OutboxStats:
    pending_by_channel: dict[str, int]  # pending or being sent
    dead_by_channel: dict[str, int]
    oldest_due_at: datetime | None


def _due(now: datetime) -> Any:
    never_or_expired = or_(OM.lease_until.is_(None), OM.lease_until <= now)
    return or_(
        and_(OM.status == "pending", OM.next_attempt_at <= now, never_or_expired),
        # A `sending` row whose lease ran out: its worker died or timed out mid-call. Outcome unknown.
        and_(OM.status == "sending", never_or_expired),
    )


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: m.OutboxMessage) -> None:
        self.session.add(row)

    def get(self, message_id: int) -> m.OutboxMessage | None:
        return self.session.get(OM, message_id)

    def by_dedupe_key(self, key: str) -> m.OutboxMessage | None:
        return self.session.scalar(select(OM).where(OM.dedupe_key == key))

    def for_customer(self, customer_id: int) -> Sequence[m.OutboxMessage]:
        return self.session.scalars(select(OM).where(OM.customer_id == customer_id).order_by(OM.id)).all()

    def claim_due(
        self, *, worker: str, now: datetime, lease_until: datetime, channels: Iterable[str], limit: int
    ) -> Sequence[m.OutboxMessage]:
        """Lease up to `limit` due messages on `channels` to `worker` (the caller commits).

        PostgreSQL: SKIP LOCKED lets concurrent workers take disjoint rows without waiting on each other.
        https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE
        SQLite ignores the clause; its transactions start with BEGIN IMMEDIATE, so claims are serialized.
        """
        rows = self.session.scalars(
            select(OM)
            .where(_due(now), OM.channel.in_(list(channels)))
            .order_by(OM.next_attempt_at, OM.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            row.claimed_by = worker
            row.lease_until = lease_until
        return rows

    def start_sending(self, message_id: int, *, worker: str, lease_until: datetime) -> bool:
        """Mark a held message `sending`, count the attempt and renew the lease; False if `worker` lost it."""
        return self._update_held(
            message_id,
            worker,
            ("pending", "sending"),
            status="sending",
            attempts=OM.attempts + 1,
            lease_until=lease_until,
        )

    def settle_held(self, message_id: int, *, worker: str, values: dict[str, Any]) -> bool:
        """Write an attempt's outcome on a `sending` message `worker` still holds; False if it lost it."""
        return self._update_held(message_id, worker, ("sending",), **values)

    def release_unstarted(self, message_ids: Sequence[int], *, worker: str) -> None:
        """Drop `worker`'s leases on messages it claimed but never started sending."""
        self.session.execute(
            update(OM)
            .where(OM.id.in_(list(message_ids)), OM.claimed_by == worker, OM.status == "pending")
            .values(claimed_by=None, lease_until=None)
        )

    def finished_before(
        self, cutoff: datetime, *, statuses: Iterable[str], recipient_not: str, limit: int
    ) -> Sequence[m.OutboxMessage]:
        """Row-locked (SKIP LOCKED) messages in `statuses` queued before `cutoff`, oldest first (retention)."""
        return self.session.scalars(
            select(OM)
            .where(OM.status.in_(list(statuses)), OM.created_at < cutoff, OM.recipient != recipient_not)
            .order_by(OM.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()

    def stats(self, now: datetime) -> OutboxStats:
        """Pending and dead messages per channel, and when the oldest due message became due (metrics, /readyz)."""
        counts = self.session.execute(
            select(OM.status, OM.channel, func.count())
            .where(OM.status.in_(("pending", "sending", "dead")))
            .group_by(OM.status, OM.channel)
        ).all()
        oldest = self.session.scalar(select(func.min(OM.next_attempt_at)).where(_due(now)))
        pending: dict[str, int] = {}
        dead: dict[str, int] = {}
        for status, channel, count in counts:
            target = dead if status == "dead" else pending
            target[channel] = target.get(channel, 0) + count
        return OutboxStats(pending, dead, oldest)

    def _update_held(self, message_id: int, worker: str, statuses: tuple[str, ...], **values: Any) -> bool:
        """Update the row only while `worker` still holds it (a fenced write); False means another took it."""
        result = self.session.execute(
            update(OM)
            .where(OM.id == message_id, OM.claimed_by == worker, OM.status.in_(statuses))
            .values(**values)
        )
        assert isinstance(result, CursorResult)
        return result.rowcount == 1
