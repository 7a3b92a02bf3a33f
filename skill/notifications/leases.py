"""Outbox leases: claim due messages (SKIP LOCKED), mark them sending, settle them, fenced; a batch per statement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
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
    """Lease up to `limit` due messages to `worker` in one committed UPDATE ... RETURNING, ordered by id.

    Due: `pending` or `sending` whose `next_attempt_at` has come; every lease moves it to the lease's end, so a
    `sending` message comes back only when its worker's lease ran out (storage's outbox_repository).
    """
    with uow:
        rows = uow.outbox.claim_due(
            worker=worker, now=now, lease_until=now + lease, channels=channels, limit=limit
        )
        uow.commit()
    return [
        Claimed(
            r.id,
            r.kind,
            r.channel,
            r.recipient,
            r.locale,
            dict(r.payload),
            r.status,
            r.attempts,
            r.created_at,
        )
        for r in rows
    ]


def begin(
    uow: UnitOfWork, message_ids: Sequence[int], *, worker: str, now: datetime, lease: timedelta
) -> set[int]:
    """Commit `sending` (and count the attempt) before the provider is called, with a fresh lease: one UPDATE.

    Fenced: returns the ids `worker` still held; the others were taken over and must not be sent.
    """
    if not message_ids:
        return set()
    with uow:
        started = uow.outbox.start_sending(message_ids, worker=worker, lease_until=now + lease)
        uow.commit()
    return started


def begin_send(uow: UnitOfWork, message_id: int, *, worker: str, now: datetime, lease: timedelta) -> bool:
    """`begin` for one message: False when another worker took it over."""
    return message_id in begin(uow, [message_id], worker=worker, now=now, lease=lease)


def renew(uow: UnitOfWork, message_ids: Sequence[int], *, worker: str, until: datetime) -> set[int]:
    """Extend the lease on messages being sent (a long batch); returns the ids `worker` still held."""
    if not message_ids:
        return set()
    with uow:
        held = uow.outbox.renew(message_ids, worker=worker, lease_until=until)
        uow.commit()
    return held


@dataclass(frozen=True)
class Outcome:
    """What one attempt writes on its message: `status` and the columns that go with it (see the worker)."""

    message_id: int
    values: dict[str, Any]

    @property
    def redacts(self) -> bool:
        # A finished message keeps no secret: its code or link is replaced, so the outbox is not a second copy
        # of what we otherwise store only hashed.
        return self.values.get("status") in ("sent", "dead")


def settle_many(
    uow: UnitOfWork,
    sent: Sequence[tuple[int, str | None]],
    others: Sequence[Outcome],
    *,
    worker: str,
    now: datetime,
) -> set[int]:
    """Record attempts' outcomes and let go, in one transaction: every `(id, provider_ref)` sent in one UPDATE
    (secrets redacted in it), each other outcome (retry, dead, unknown; rare) in its own. Fenced: returns the
    ids `worker` still held and settled.
    """
    with uow:
        settled = uow.outbox.settle_sent(sent, worker=worker, sent_at=now)
        for outcome in others:
            values = {"claimed_by": None, "lease_until": None, **outcome.values}
            if uow.outbox.settle_held(
                outcome.message_id, worker=worker, values=values, redact=outcome.redacts
            ):
                settled.add(outcome.message_id)
        uow.commit()
    return settled


def settle(uow: UnitOfWork, message_id: int, *, worker: str, **values: Any) -> bool:
    """One message's outcome (sent, pending again, dead, or sending with an unknown outcome); False if lost."""
    outcome = Outcome(message_id, {"claimed_by": None, "lease_until": None, **values})
    with uow:
        settled = uow.outbox.settle_held(
            message_id, worker=worker, values=outcome.values, redact=outcome.redacts
        )
        uow.commit()
    return settled


def release(
    uow: UnitOfWork,
    message_ids: AbstractSet[int] | Sequence[int],
    *,
    worker: str,
    now: datetime,
    started: bool = False,
) -> None:
    """Give back messages this worker never handed to a sender (graceful shutdown), due again at `now`.

    `started`: they were begun, so they return to `pending` and their attempt is not counted.
    """
    if not message_ids:
        return
    with uow:
        uow.outbox.release(sorted(message_ids), worker=worker, now=now, started=started)
        uow.commit()
