"""Outbox leases: claim due messages (FOR UPDATE SKIP LOCKED), mark them sending, and settle them, fenced."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..storage.uow import UnitOfWork


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


def claim(
    uow: UnitOfWork, *, worker: str, now: datetime, lease: timedelta, channels: Iterable[str], limit: int
) -> list[Claimed]:
    """Lease up to `limit` due messages to `worker` in one short committed transaction.

    Due: `pending` and its time has come, or `sending` with a lease that ran out (storage's
    OutboxRepository.claim_due, FOR UPDATE SKIP LOCKED).
    """
    with uow:
        rows = uow.outbox.claim_due(
            worker=worker, now=now, lease_until=now + lease, channels=channels, limit=limit
        )
        claimed = []
        for row in rows:
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


def begin_send(uow: UnitOfWork, message_id: int, *, worker: str, now: datetime, lease: timedelta) -> bool:
    """Commit `sending` (and count the attempt) before the provider is called, with a fresh lease.

    Fenced: False when another worker took the message over.
    """
    with uow:
        started = uow.outbox.start_sending(message_id, worker=worker, lease_until=now + lease)
        uow.commit()
    return started


# Secrets a message carries only until it is delivered (or given up): one-time codes, payment-link URLs.
SECRET_PAYLOAD_KEYS = frozenset({"code", "url"})


def settle(uow: UnitOfWork, message_id: int, *, worker: str, **values: Any) -> bool:
    """Record an attempt's outcome (sent, pending again, dead, or sending-with-unknown-outcome) and let go.

    Fenced: False when another worker took the message over. A finished message keeps no secret: its code or link is replaced, so the outbox is not a second copy of
    what we otherwise store only hashed.
    """
    values.setdefault("claimed_by", None)
    values.setdefault("lease_until", None)
    if values.get("status") in ("sent", "dead"):
        values["payload"] = _without_secrets(uow, message_id)
    with uow:
        settled = uow.outbox.settle_held(message_id, worker=worker, values=values)
        uow.commit()
    return settled


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
        uow.outbox.release_unstarted(ids, worker=worker)
        uow.commit()
