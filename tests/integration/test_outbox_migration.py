"""Migration 0010: a message an older worker holds is not due for the new claim until that worker's lease ends.

The older worker's claim left `next_attempt_at` where it was and only set `lease_until`; the new claim takes a
message when `next_attempt_at` has come. Rows are written at revision 0009, then upgraded (SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from skill.storage import models as m
from skill.storage.db import make_engine
from skill.storage.migrate import upgrade
from tests.support.store import empty_database

T = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
LEASE = T + timedelta(minutes=2)
OUTBOX = m.OutboxMessage.__table__  # 0010 adds indexes only: the table is the same at 0009


def _message(id: int, status: str, lease_until: datetime | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": id,
        "kind": "otp",
        "channel": "sms",
        "recipient": "+15005550006",
        "locale": "en-US",
        "payload": {},
        "status": status,
        "attempts": 0 if status == "pending" else 1,
        "next_attempt_at": T,
        "created_at": T,
        "claimed_by": "old-worker" if lease_until else None,
        "lease_until": lease_until,
        **extra,
    }


def test_leases_of_a_running_older_worker_become_the_messages_next_attempt(tmp_path: Path) -> None:
    with empty_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            upgrade(engine, "0009")
            with engine.begin() as conn:
                conn.execute(
                    insert(OUTBOX),
                    [
                        _message(1, "pending", LEASE),  # claimed, not begun
                        _message(2, "sending", LEASE),  # being sent
                        _message(3, "pending", None),  # not claimed
                        _message(4, "sent", LEASE),  # finished: left alone
                        _message(5, "pending", T - timedelta(hours=1)),  # a lease that already ran out
                    ],
                )
            upgrade(engine)
            with engine.connect() as conn:
                found = dict(conn.execute(select(OUTBOX.c.id, OUTBOX.c.next_attempt_at)).all())
        finally:
            engine.dispose()
    as_utc = {
        id: (at if isinstance(at, datetime) else datetime.fromisoformat(str(at))) for id, at in found.items()
    }
    moved = {id: at.replace(tzinfo=UTC) if at.tzinfo is None else at for id, at in as_utc.items()}
    assert moved == {1: LEASE, 2: LEASE, 3: T, 4: T, 5: T}
