"""Outbox retention: past OUTBOX_RETENTION_DAYS, sent messages are deleted, or redacted where a dedupe key stays."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from skill.bootstrap import Services
from skill.cli import main
from skill.domain.clock import FixedClock
from skill.notifications.retention import PURGED, purge_expired
from skill.notifications.worker import OutboxWorker
from skill.settings import ConfigError
from skill.settings.notifications import NotifySettings
from skill.storage import models as m
from skill.storage.outbox import enqueue
from tests.support.fake_senders import RecordingSender, queue

DAYS = timedelta(days=30)
EMAIL = "dana@example.com"


def _finish(services: Services, message_id: int, status: str) -> None:
    with services.uow() as uow:
        uow.session.execute(
            update(m.OutboxMessage).where(m.OutboxMessage.id == message_id).values(status=status)
        )
        uow.commit()


def _find(services: Services, message_id: int) -> m.OutboxMessage | None:
    with services.uow() as uow:
        found = uow.outbox.get(message_id)
        if found is not None:
            uow.session.expunge(found)
        return found


def _row(services: Services, message_id: int) -> m.OutboxMessage:
    found = _find(services, message_id)
    assert found is not None
    return found


def _aged(
    services: Services, status: str, *, age: timedelta, channel: str = "email", dedupe_key: str | None = None
) -> int:
    [message_id] = queue(
        services,
        channel=channel,
        recipient=EMAIL if channel == "email" else "+31612345678",
        payload={"link_id": 7, "invoice_number": "INV-1"},
        now=services.clock.now() - age,
    )
    if status != "pending":
        _finish(services, message_id, status)
    if dedupe_key is not None:
        with services.uow() as uow:
            uow.session.execute(
                update(m.OutboxMessage).where(m.OutboxMessage.id == message_id).values(dedupe_key=dedupe_key)
            )
            uow.commit()
    return message_id


def test_sent_messages_past_retention_are_deleted(services: Services) -> None:
    sent = [_aged(services, "sent", age=DAYS + timedelta(hours=h)) for h in (1, 24)]

    assert purge_expired(services.uow, now=services.clock.now(), retention=DAYS) == 2

    assert [_find(services, message_id) for message_id in sent] == [None, None]


def test_dead_letters_and_deduplicating_messages_past_retention_lose_recipient_and_personal_payload(
    services: Services,
) -> None:
    keyed = _aged(services, "sent", age=DAYS + timedelta(hours=1), dedupe_key="receipt:attempt:9")
    dead = _aged(services, "dead", age=DAYS + timedelta(days=5), channel="sms")

    assert purge_expired(services.uow, now=services.clock.now(), retention=DAYS) == 2

    for message_id in (keyed, dead):
        row = _row(services, message_id)
        assert row.recipient == PURGED
        assert row.payload == {"link_id": 7}
    assert (_row(services, keyed).status, _row(services, dead).status) == ("sent", "dead")


def test_pending_sending_and_recent_messages_keep_their_recipient(services: Services) -> None:
    old = DAYS + timedelta(days=1)
    kept = [
        _aged(services, "pending", age=old),
        _aged(services, "sending", age=old),
        _aged(services, "sent", age=DAYS - timedelta(hours=1)),
    ]

    assert purge_expired(services.uow, now=services.clock.now(), retention=DAYS) == 0

    for message_id in kept:
        row = _row(services, message_id)
        assert row.recipient == EMAIL and row.payload["invoice_number"] == "INV-1"


def test_purging_twice_changes_nothing_more(services: Services) -> None:
    _aged(services, "sent", age=DAYS * 2)
    assert purge_expired(services.uow, now=services.clock.now(), retention=DAYS) == 1
    assert purge_expired(services.uow, now=services.clock.now(), retention=DAYS) == 0


def test_a_purged_message_still_dedupes_a_second_enqueue(services: Services) -> None:
    with services.uow() as uow:
        first = enqueue(
            uow,
            kind="receipt",
            channel="email",
            recipient=EMAIL,
            locale="en-US",
            payload={"attempt_id": 3},
            now=services.clock.now() - DAYS * 2,
            dedupe_key="receipt:3",
        )
        first.status = "sent"
        uow.commit()
        first_id = first.id
    purge_expired(services.uow, now=services.clock.now(), retention=DAYS)

    with services.uow() as uow:
        again = enqueue(
            uow,
            kind="receipt",
            channel="email",
            recipient=EMAIL,
            locale="en-US",
            payload={"attempt_id": 3},
            now=services.clock.now(),
            dedupe_key="receipt:3",
        )
        assert again.id == first_id and again.status == "sent"


def test_a_running_worker_purges_at_start_and_again_an_hour_later(
    services: Services, clock: FixedClock
) -> None:
    settings = NotifySettings(retention_days=30)
    worker = OutboxWorker(services.uow, {}, clock, settings, worker_id="w1", rng=random.Random(1), purge=True)
    first = _aged(services, "sent", age=DAYS + timedelta(minutes=1))
    worker.run(batch=5, once=True)
    assert _find(services, first) is None

    second = _aged(services, "dead", age=DAYS - timedelta(minutes=30))
    clock.advance(minutes=59)
    worker.run(batch=5, once=True)
    assert _row(services, second).recipient == EMAIL, "not before the hour is up"
    clock.advance(minutes=1)
    worker.run(batch=5, once=True)
    assert _row(services, second).recipient == PURGED


def test_a_worker_without_purge_leaves_old_messages_alone(services: Services, clock: FixedClock) -> None:
    message_id = _aged(services, "sent", age=DAYS * 2)
    OutboxWorker(services.uow, {}, clock, NotifySettings(), worker_id="w1").run(batch=5, once=True)
    assert _row(services, message_id).recipient == EMAIL


def test_a_purged_message_put_back_to_pending_is_never_sent(services: Services) -> None:
    message_id = _aged(services, "dead", age=DAYS * 2, channel="sms")
    purge_expired(services.uow, now=services.clock.now(), retention=DAYS)
    _finish(services, message_id, "pending")  # an operator's "send it again" from docs/notifications.md
    sender = RecordingSender("sms")

    outcomes = OutboxWorker(services.uow, {"sms": sender}, services.clock, NotifySettings()).run(
        batch=5, once=True
    )

    assert outcomes == {"dead": 1} and sender.sent == []
    assert (_row(services, message_id).last_error or "").startswith("purged")


def test_billpay_outbox_purge_redacts_by_the_configured_retention(
    services: Services, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The CLI runs on the system clock: age the rows against it.
    now = datetime.now(UTC)
    old, recent = (
        queue(services, channel="email", recipient=EMAIL, now=now - age)[0]
        for age in (timedelta(days=11), timedelta(days=9))
    )
    for message_id in (old, recent):
        _finish(services, message_id, "sent")
    monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("OUTBOX_RETENTION_DAYS", "10")

    assert main(["outbox", "purge"]) == 0

    assert "1 sent or dead messages older than 10 days purged" in capsys.readouterr().out
    assert (_find(services, old), _row(services, recent).recipient) == (None, EMAIL)
    assert main(["outbox", "purge", "--older-than-days", "5"]) == 0
    assert _find(services, recent) is None


@pytest.mark.parametrize("raw", ["0", "-1", "thirty"])
def test_a_retention_below_one_day_is_a_config_error(raw: str) -> None:
    with pytest.raises(ConfigError, match="OUTBOX_RETENTION_DAYS"):
        NotifySettings.from_env({"OUTBOX_RETENTION_DAYS": raw})
