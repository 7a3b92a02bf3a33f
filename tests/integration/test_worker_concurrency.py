"""Concurrent workers never deliver a message twice (SQLite: serialized claims; PostgreSQL: SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from skill.bootstrap import Services
from skill.domain.clock import SystemClock
from skill.notifications import leases
from skill.notifications.worker import OutboxWorker
from skill.settings.notifications import NotifySettings
from skill.storage import models as m
from tests.support.fake_senders import RecordingSender, queue

SETTINGS = NotifySettings(lease_seconds=60, send_timeout_seconds=5)


def test_concurrent_workers_deliver_each_message_exactly_once(services: Services) -> None:
    ids = queue(services, 120, now=datetime.now(UTC))  # the workers run on the system clock
    sender = RecordingSender()
    start = threading.Barrier(4)
    workers = [
        OutboxWorker(services.uow, {"sms": sender}, SystemClock(), SETTINGS, worker_id=f"w{i}")
        for i in range(4)
    ]
    errors: list[BaseException] = []

    def run(worker: OutboxWorker) -> None:
        start.wait(timeout=30)
        try:
            worker.run(batch=5, once=True)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert Counter(sender.sent_ids()) == Counter(dict.fromkeys(ids, 1))
    with services.uow() as uow:
        rows = uow.session.execute(select(m.OutboxMessage.status, m.OutboxMessage.attempts)).all()
    assert Counter(rows) == Counter({("sent", 1): len(ids)})


@pytest.mark.postgres
def test_skip_locked_gives_a_second_claimer_other_rows_without_waiting(services: Services) -> None:
    ids = queue(services, 6)
    now = services.clock.now()
    holder = services.uow()
    with holder:
        locked = holder.session.scalars(
            select(m.OutboxMessage.id).order_by(m.OutboxMessage.id).limit(3).with_for_update(skip_locked=True)
        ).all()
        # While the first transaction still holds its row locks, a second claim neither blocks nor overlaps.
        claimed = leases.claim(
            services.uow(), worker="second", now=now, lease=timedelta(seconds=60), channels=["sms"], limit=6
        )
    assert locked == ids[:3]
    assert [c.id for c in claimed] == ids[3:]
