"""The outbox's queries: lookups, and the leases a delivery worker claims, fences and settles, a batch per statement.

Due means `status IN ('pending', 'sending') AND next_attempt_at <= now`: every lease a worker takes also moves
`next_attempt_at` to the lease's end, so "not before" is one column and the claim walks one partial index
(ix_outbox_due) in due order, however large the backlog. Statuses are written into the SQL, not bound: PostgreSQL
uses a partial index only when it can prove its predicate, which the generic plan of a prepared statement (psycopg
prepares a query after its fifth run) cannot do with a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Update, column, delete, func, literal_column, select, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, TextClause

from . import models as m

OM = m.OutboxMessage

# The partial indexes' predicates, word for word (models.py), and the states a fenced write expects, as literals.
_DUE = text(m.OUTBOX_DUE)
_FINISHED_UNPURGED = text(m.OUTBOX_UNPURGED)
_PENDING = OM.status == literal_column("'pending'")
_SENDING = OM.status == literal_column("'sending'")

CLAIMED_COLUMNS = (OM.id, OM.kind, OM.channel, OM.recipient, OM.locale, OM.payload, OM.status, OM.attempts)


@dataclass(frozen=True)
class OutboxStats:
    pending_by_channel: dict[str, int]  # pending or being sent
    dead_by_channel: dict[str, int]
    oldest_due_at: datetime | None


def claim_statement(
    dialect: str, *, worker: str, now: datetime, lease_until: datetime, channels: Iterable[str], limit: int
) -> Update:
    """Lease the `limit` messages due first on `channels` to `worker`, returning them: one UPDATE.

    PostgreSQL: the inner SELECT ... FOR UPDATE SKIP LOCKED lets concurrent workers take disjoint rows without
    waiting on each other (https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE); it
    runs once, as `id = ANY(ARRAY(...))`, so the update finds its rows by primary key (an `IN (subquery)` is
    planned as a join that scans the table). SQLite ignores the clause; its transactions start with BEGIN
    IMMEDIATE, so claims are serialized, and its `IN (subquery)` is evaluated once.
    """
    due = (
        select(OM.id)
        .where(_DUE, OM.next_attempt_at <= now, OM.channel.in_(list(channels)))
        .order_by(OM.next_attempt_at, OM.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    picked = (
        OM.id == func.any(func.array(due.scalar_subquery())) if dialect == "postgresql" else OM.id.in_(due)
    )
    return (
        update(OM)
        .where(picked)
        .values(claimed_by=worker, lease_until=lease_until, next_attempt_at=lease_until)
        .returning(*CLAIMED_COLUMNS, OM.created_at)
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
    ) -> Sequence[Any]:
        """Rows (CLAIMED_COLUMNS and created_at) of the messages now leased to `worker`, by id; the caller commits."""
        statement = claim_statement(
            self.session.get_bind().dialect.name,
            worker=worker,
            now=now,
            lease_until=lease_until,
            channels=channels,
            limit=limit,
        )
        return sorted(self._core(statement).all(), key=lambda row: row.id)

    def start_sending(self, message_ids: Sequence[int], *, worker: str, lease_until: datetime) -> set[int]:
        """Mark held messages `sending`, count the attempt, renew the lease; the ids `worker` still held."""
        return self._held(
            message_ids,
            worker,
            _DUE,
            status="sending",
            attempts=OM.attempts + 1,
            lease_until=lease_until,
            next_attempt_at=lease_until,
        )

    def renew(self, message_ids: Sequence[int], *, worker: str, lease_until: datetime) -> set[int]:
        """Extend `worker`'s lease on messages it is sending; the ids it still held."""
        return self._held(message_ids, worker, _SENDING, lease_until=lease_until, next_attempt_at=lease_until)

    def settle_sent(
        self, sent: Sequence[tuple[int, str | None]], *, worker: str, sent_at: datetime
    ) -> set[int]:
        """Mark `(id, provider_ref)` pairs sent, secrets redacted, lease let go: one UPDATE for the batch.

        Fenced like every write of a held message: the ids returned are the ones `worker` still held.
        """
        if not sent:
            return set()
        dialect = self.session.get_bind().dialect
        refs = _recordset(dialect).subquery("sent_refs")
        statement = (
            update(OM)
            .where(OM.id == refs.c.id, OM.claimed_by == worker, _SENDING)
            .values(
                status="sent",
                sent_at=sent_at,
                provider_ref=refs.c.provider_ref,
                last_error=None,
                claimed_by=None,
                lease_until=None,
                payload=_redacted(dialect),
            )
            .returning(OM.id)
        )
        rows = json.dumps([{"id": message_id, "provider_ref": ref} for message_id, ref in sent])
        return set(self._core(statement, {"rows": rows}).scalars())

    def settle_held(self, message_id: int, *, worker: str, values: dict[str, Any], redact: bool) -> bool:
        """Write an attempt's outcome on a `sending` message `worker` still holds; False if it lost it.

        With `redact`, the payload's secrets are replaced in the same UPDATE (no second read of the row).
        """
        if redact:
            values = {**values, "payload": _redacted(self.session.get_bind().dialect)}
        return bool(self._held([message_id], worker, _SENDING, **values))

    def release(self, message_ids: Sequence[int], *, worker: str, now: datetime, started: bool) -> None:
        """Give back `worker`'s messages it never handed to a sender, due again now.

        `started`: they were marked `sending` (their attempt counted) and go back to `pending`, uncounted.
        """
        if not message_ids:
            return
        values: dict[str, Any] = {"claimed_by": None, "lease_until": None, "next_attempt_at": now}
        if started:
            values.update(status="pending", attempts=OM.attempts - 1)
        self.session.execute(
            update(OM)
            .where(OM.id.in_(list(message_ids)), OM.claimed_by == worker, _SENDING if started else _PENDING)
            .values(**values)
        )

    def finished_before(self, cutoff: datetime, *, limit: int) -> Sequence[m.OutboxMessage]:
        """Row-locked (SKIP LOCKED) sent and dead messages queued before `cutoff`, not yet purged (retention)."""
        return self.session.scalars(
            select(OM)
            .where(_FINISHED_UNPURGED, OM.created_at < cutoff)
            .order_by(OM.created_at, OM.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()

    def delete(self, message_ids: Sequence[int]) -> None:
        if message_ids:
            self.session.execute(delete(OM).where(OM.id.in_(list(message_ids))))

    def stats(self, now: datetime) -> OutboxStats:
        """Pending and dead messages per channel, and when the oldest due message became due (metrics, /readyz)."""
        counts = self.session.execute(
            select(OM.status, OM.channel, func.count())
            .where(OM.status.in_(("pending", "sending", "dead")))
            .group_by(OM.status, OM.channel)
        ).all()
        oldest = self.session.scalar(
            select(func.min(OM.next_attempt_at)).where(_DUE, OM.next_attempt_at <= now)
        )
        pending: dict[str, int] = {}
        dead: dict[str, int] = {}
        for status, channel, count in counts:
            target = dead if status == "dead" else pending
            target[channel] = target.get(channel, 0) + count
        return OutboxStats(pending, dead, oldest)

    def _held(
        self, message_ids: Sequence[int], worker: str, state: ColumnElement[bool] | TextClause, **values: Any
    ) -> set[int]:
        """Update rows only while `worker` still holds them (a fenced write); the ids it did update."""
        if not message_ids:
            return set()
        statement = (
            update(OM)
            .where(OM.id.in_(list(message_ids)), OM.claimed_by == worker, state)
            .values(**values)
            .returning(OM.id)
        )
        return set(self._core(statement).scalars())

    def _core(self, statement: Any, parameters: dict[str, Any] | None = None) -> Any:
        """A batch statement on the unit of work's connection, as Core: its rows are plain tuples, not entities,
        so the ORM's per-row bookkeeping is skipped (the session has none of these rows loaded)."""
        return self.session.connection().execute(statement, parameters)


# Secrets a message carries only until it is delivered (or given up): one-time codes, payment-link URLs.
SECRET_PAYLOAD_KEYS = ("code", "url")
REDACTED = "[redacted]"


def _redacted(dialect: Dialect) -> ColumnElement[Any]:
    """The payload with each secret key that is present replaced by REDACTED, as an SQL expression."""
    if dialect.name == "postgresql":
        # json has no operators; jsonb does. jsonb_build_object takes "any", so the keys are literals, not binds.
        as_jsonb = "CAST(outbox.payload AS JSONB)"
        pairs = ", ".join(
            f"'{key}', CASE WHEN jsonb_exists({as_jsonb}, '{key}') THEN '{REDACTED}' END"
            for key in SECRET_PAYLOAD_KEYS
        )
        return literal_column(f"CAST({as_jsonb} || jsonb_strip_nulls(jsonb_build_object({pairs})) AS JSON)")
    # SQLite: json_replace changes only the paths that exist.
    paths = ", ".join(f"'$.{key}', '{REDACTED}'" for key in SECRET_PAYLOAD_KEYS)
    return literal_column(f"json_replace(outbox.payload, {paths})")


def _recordset(dialect: Dialect) -> Any:
    """`(id, provider_ref)` rows from one JSON parameter, `:rows`: one statement, whatever the batch's size."""
    if dialect.name == "postgresql":
        query = "SELECT id, provider_ref FROM json_to_recordset(CAST(:rows AS JSON)) AS r(id integer, provider_ref text)"
    else:
        query = (
            "SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.provider_ref') AS provider_ref "
            "FROM json_each(:rows)"
        )
    return text(query).columns(column("id", Integer), column("provider_ref", String))
