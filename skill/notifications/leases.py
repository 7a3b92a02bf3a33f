"""Outbox leases: claim due messages (FOR UPDATE SKIP LOCKED), mark them sending, and settle them, fenced."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import CursorResult

from ..storage import models as m
from ..storage.uow import UnitOfWork

OM = m.OutboxMessage


@dataclass(frozen=True)
class Claimed:
    """A message this worker holds a lease on. `status` is `sending` when an earlier try's outcome is unknown."""

    id: int
    kind: str
    channel: str
    recipient: str
    locale: str
    payload: dict[str, Any]
    status: str
    attempts: int
    created_at: datetime


def _due(now: datetime) -> Any:
    never_or_expired = or_(OM.lease_until.is_(None), OM.lease_until <= now)
    return or_(
        and_(OM.status == "pending", OM.next_attempt_at <= now, never_or_expired),
        # A `sending` row whose lease ran out: its worker died or timed out mid-call. Outcome unknown.
        and_(OM.status == "sending", never_or_expired),
    )


def claim(
    uow: UnitOfWork, *, worker: str, now: datetime, lease: timedelta, channels: Iterable[str], limit: int
) -> list[Claimed]:
    """Lease up to `limit` due messages to `worker` in one short committed transaction.

    PostgreSQL: SKIP LOCKED lets concurrent workers take disjoint rows without waiting on each other.
    https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE
    SQLite ignores the clause; its transactions start with BEGIN IMMEDIATE, so claims are serialized.
    """
    with uow:
        rows = uow.session.scalars(
            select(OM)
            .where(_due(now), OM.channel.in_(list(channels)))
            .order_by(OM.next_attempt_at, OM.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = []
        for row in rows:
            row.claimed_by = worker
            row.lease_until = now + lease
            claimed.append(
                Claimed(
                    row.id,
                    row.kind,
                    row.channel,
                    row.recipient,
                    row.locale,
                    dict(row.payload),
                    row.status,
                    row.attempts,
                    row.created_at,
                )
            )
        uow.commit()
    return claimed


def _fenced(uow: UnitOfWork, message_id: int, worker: str, statuses: tuple[str, ...], **values: Any) -> bool:
    """Update the row only while `worker` still holds it; False means another worker took it over."""
    with uow:
        result = uow.session.execute(
            update(OM)
            .where(OM.id == message_id, OM.claimed_by == worker, OM.status.in_(statuses))
            .values(**values)
        )
        uow.commit()
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def begin_send(uow: UnitOfWork, message_id: int, *, worker: str, now: datetime, lease: timedelta) -> bool:
    """Commit `sending` (and count the attempt) before the provider is called, with a fresh lease."""
    return _fenced(
        uow,
        message_id,
        worker,
        ("pending", "sending"),
        status="sending",
        attempts=OM.attempts + 1,
        lease_until=now + lease,
    )


# Secrets a message carries only until it is delivered (or given up): one-time codes, payment-link URLs.
SECRET_PAYLOAD_KEYS = frozenset({"code", "url"})


def settle(uow: UnitOfWork, message_id: int, *, worker: str, **values: Any) -> bool:
    """Record an attempt's outcome (sent, pending again, dead, or sending-with-unknown-outcome) and let go.

    A finished message keeps no secret: its code or link is replaced, so the outbox is not a second copy of
    what we otherwise store only hashed.
    """
    values.setdefault("claimed_by", None)
    values.setdefault("lease_until", None)
    if values.get("status") in ("sent", "dead"):
        values["payload"] = _without_secrets(uow, message_id)
    return _fenced(uow, message_id, worker, ("sending",), **values)


def _without_secrets(uow: UnitOfWork, message_id: int) -> dict[str, Any]:
    with uow:
        row = uow.outbox.get(message_id)
        payload = dict(row.payload) if row is not None else {}
    return {key: "[redacted]" if key in SECRET_PAYLOAD_KEYS else value for key, value in payload.items()}


def release(uow: UnitOfWork, message_ids: Iterable[int], *, worker: str) -> None:
    """Give back claimed messages this worker never started (graceful shutdown)."""
    ids = list(message_ids)
    if not ids:
        return
    with uow:
        uow.session.execute(
            update(OM)
            .where(OM.id.in_(ids), OM.claimed_by == worker, OM.status == "pending")
            .values(claimed_by=None, lease_until=None)
        )
        uow.commit()
