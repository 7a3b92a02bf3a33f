"""The outbox worker against a real database with scriptable senders and an injectable clock."""

from __future__ import annotations

import random
import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from skill.bootstrap import Services
from skill.domain.clock import FixedClock
from skill.notifications import leases
from skill.notifications.senders import (
    DeliveryOutcomeUnknown,
    PermanentDeliveryError,
    Sender,
    TransientDeliveryError,
)
from skill.notifications.worker import OutboxWorker, backoff_seconds
from skill.settings.notifications import NotifySettings
from skill.storage import models as m
from tests.support.fake_senders import ReconcilingRecordingSender, RecordingSender, queue

SETTINGS = NotifySettings(
    max_attempts=4, backoff_base_seconds=10, backoff_max_seconds=25, lease_seconds=60, send_timeout_seconds=5
)


def make_worker(services: Services, *senders: Sender, worker_id: str = "w1") -> OutboxWorker:
    return OutboxWorker(
        services.uow,
        {sender.channel: sender for sender in senders},
        services.clock,
        SETTINGS,
        worker_id=worker_id,
        rng=random.Random(7),
    )


def row(services: Services, message_id: int) -> m.OutboxMessage:
    with services.uow() as uow:
        found = uow.outbox.get(message_id)
        assert found is not None
        uow.session.expunge(found)  # keep the loaded values after the unit of work rolls back
        return found


def test_sent_message_is_marked_with_the_provider_reference(services: Services) -> None:
    sender = RecordingSender()
    [message_id] = queue(services)
    assert make_worker(services, sender).run(batch=5, once=True) == {"sent": 1}
    stored = row(services, message_id)
    assert (stored.status, stored.attempts, stored.provider_ref) == ("sent", 1, f"ref-{message_id}-1")
    assert (stored.claimed_by, stored.lease_until, stored.sent_at) == (None, None, services.clock.now())


def test_transient_failures_back_off_exponentially_with_jitter_and_a_cap(
    services: Services, clock: FixedClock
) -> None:
    sender = RecordingSender()
    sender.script.extend([TransientDeliveryError("twilio http 429 code 20429")] * 3)
    [message_id] = queue(services)
    worker = make_worker(services, sender)
    delays = []
    for _ in range(3):
        assert worker.run_batch(5) == {"retry": 1}
        stored = row(services, message_id)
        delays.append((stored.next_attempt_at - clock.now()).total_seconds())
        assert worker.run_batch(5) == {}, "not due before the backoff ends"
        clock.advance(seconds=delays[-1])
    assert 5 <= delays[0] <= 10 and 10 <= delays[1] <= 20 and 12.5 <= delays[2] <= 25
    assert worker.run_batch(5) == {"sent": 1}
    stored = row(services, message_id)
    assert (stored.status, stored.attempts, stored.last_error) == ("sent", 4, None)


def test_backoff_is_capped_and_never_below_half_the_delay() -> None:
    rng = random.Random(1)
    for attempts in range(1, 30):
        delay = backoff_seconds(attempts, base=30, cap=3600, rng=rng)
        expected = min(3600, 30 * 2 ** (attempts - 1))
        assert expected / 2 <= delay <= expected


def test_message_goes_to_the_dead_letters_after_max_attempts(services: Services, clock: FixedClock) -> None:
    sender = RecordingSender()
    sender.script.extend([TransientDeliveryError("smtp 421")] * SETTINGS.max_attempts)
    [message_id] = queue(services)
    worker = make_worker(services, sender)
    outcomes = []
    for _ in range(SETTINGS.max_attempts):
        outcomes.extend(worker.run_batch(5).elements())
        clock.advance(seconds=SETTINGS.backoff_max_seconds)
    assert outcomes == ["retry"] * (SETTINGS.max_attempts - 1) + ["dead"]
    stored = row(services, message_id)
    assert (stored.status, stored.attempts) == ("dead", SETTINGS.max_attempts)
    assert stored.last_error == "TransientDeliveryError: smtp 421"
    assert worker.run_batch(5) == {}, "dead letters are never picked up again"


def test_permanent_failure_is_dead_at_once(services: Services) -> None:
    sender = RecordingSender()
    sender.script.append(PermanentDeliveryError("twilio http 400 code 21211"))
    [message_id] = queue(services)
    assert make_worker(services, sender).run(batch=5, once=True) == {"dead": 1}
    stored = row(services, message_id)
    assert (stored.status, stored.attempts, stored.last_error) == (
        "dead",
        1,
        "PermanentDeliveryError: twilio http 400 code 21211",
    )


def test_unexpected_sender_error_is_retried_without_its_text(services: Services) -> None:
    sender = RecordingSender()
    sender.script.append(KeyError("+15005550006"))
    [message_id] = queue(services)
    assert make_worker(services, sender).run_batch(5) == {"retry": 1}
    assert row(services, message_id).last_error == "unexpected KeyError"


def _crash_mid_send(services: Services, message_id: int, clock: FixedClock) -> None:
    """What a worker that died after committing `sending` leaves behind, then let its lease run out."""
    [claimed] = leases.claim(
        services.uow(),
        worker="dead-worker",
        now=clock.now(),
        lease=timedelta(seconds=60),
        channels=["sms"],
        limit=1,
    )
    assert claimed.id == message_id
    assert leases.begin_send(
        services.uow(), message_id, worker="dead-worker", now=clock.now(), lease=timedelta(seconds=60)
    )
    clock.advance(seconds=61)


def test_unknown_outcome_found_at_the_provider_is_marked_sent_without_resending(
    services: Services, clock: FixedClock
) -> None:
    sender = ReconcilingRecordingSender()
    [message_id] = queue(services)
    _crash_mid_send(services, message_id, clock)
    sender.accepted[message_id] = "SMaccepted"
    assert make_worker(services, sender).run(batch=5, once=True) == {"reconciled_sent": 1}
    assert sender.sent == []
    assert sender.lookups == [(message_id, row(services, message_id).created_at - timedelta(minutes=5))]
    stored = row(services, message_id)
    assert (stored.status, stored.provider_ref, stored.attempts) == ("sent", "SMaccepted", 1)


def test_unknown_outcome_missing_at_the_provider_is_sent_again(services: Services, clock: FixedClock) -> None:
    sender = ReconcilingRecordingSender()
    [message_id] = queue(services)
    _crash_mid_send(services, message_id, clock)
    assert make_worker(services, sender).run(batch=5, once=True) == {"sent": 1}
    assert sender.sent_ids() == [message_id]
    assert (row(services, message_id).status, row(services, message_id).attempts) == ("sent", 2)


def test_unknown_outcome_is_never_resent_by_a_sender_that_cannot_tell_or_dedupe(
    services: Services, clock: FixedClock
) -> None:
    sender = RecordingSender(resend_is_safe=False)
    [message_id] = queue(services)
    _crash_mid_send(services, message_id, clock)
    assert make_worker(services, sender).run(batch=5, once=True) == {"dead": 1}
    assert sender.sent == []
    assert (row(services, message_id).last_error or "").startswith("outcome unknown")


def test_unknown_outcome_is_resent_when_the_receiver_dedupes(services: Services, clock: FixedClock) -> None:
    sender = RecordingSender("sms", resend_is_safe=True)
    [message_id] = queue(services)
    _crash_mid_send(services, message_id, clock)
    assert make_worker(services, sender).run(batch=5, once=True) == {"sent": 1}
    assert sender.sent_ids() == [message_id]


def test_provider_timeout_waits_for_reconciliation_instead_of_resending(
    services: Services, clock: FixedClock
) -> None:
    sender = ReconcilingRecordingSender()
    sender.script.append(DeliveryOutcomeUnknown("twilio ReadTimeout"))
    [message_id] = queue(services)
    worker = make_worker(services, sender)
    assert worker.run_batch(5) == {"unknown": 1}
    stored = row(services, message_id)
    assert (stored.status, stored.claimed_by) == ("sending", None)
    assert worker.run_batch(5) == {}, "nobody touches it before its lease runs out"
    sender.accepted[message_id] = "SMlate"
    assert stored.lease_until is not None
    clock.advance(seconds=(stored.lease_until - clock.now()).total_seconds())
    assert worker.run_batch(5) == {"reconciled_sent": 1}
    assert sender.sent_ids() == [message_id], "sent once, found once"


def test_failed_lookups_count_as_attempts_and_end_in_the_dead_letters(
    services: Services, clock: FixedClock
) -> None:
    sender = ReconcilingRecordingSender()
    sender.lookup_error = TransientDeliveryError("twilio http 503 code 20503")
    [message_id] = queue(services)
    _crash_mid_send(services, message_id, clock)
    worker = make_worker(services, sender)
    outcomes = []
    for _ in range(SETTINGS.max_attempts):
        outcomes.extend(worker.run_batch(5).elements())
        clock.advance(seconds=SETTINGS.backoff_max_seconds + 1)
    assert outcomes == ["unknown"] * (SETTINGS.max_attempts - 2) + ["dead"]
    assert sender.sent == []
    assert row(services, message_id).status == "dead"


def test_claim_abandoned_before_sending_is_taken_over_when_its_lease_expires(
    services: Services, clock: FixedClock
) -> None:
    sender = RecordingSender()
    ids = queue(services, 3)
    leases.claim(
        services.uow(), worker="gone", now=clock.now(), lease=timedelta(seconds=60), channels=["sms"], limit=3
    )
    worker = make_worker(services, sender)
    assert worker.run_batch(5) == {}
    clock.advance(seconds=60)
    assert worker.run_batch(5) == {"sent": 3}
    assert sorted(sender.sent_ids()) == ids
    assert all(row(services, i).attempts == 1 for i in ids), "an unstarted claim is not an attempt"


def test_worker_that_lost_its_lease_cannot_settle_or_send(services: Services, clock: FixedClock) -> None:
    [message_id] = queue(services)
    [slow] = leases.claim(
        services.uow(), worker="slow", now=clock.now(), lease=timedelta(seconds=60), channels=["sms"], limit=1
    )
    clock.advance(seconds=61)
    [taken] = leases.claim(
        services.uow(), worker="fast", now=clock.now(), lease=timedelta(seconds=60), channels=["sms"], limit=1
    )
    assert taken.id == slow.id == message_id
    assert not leases.begin_send(
        services.uow(), message_id, worker="slow", now=clock.now(), lease=timedelta(60)
    )
    assert leases.begin_send(services.uow(), message_id, worker="fast", now=clock.now(), lease=timedelta(60))
    assert not leases.settle(services.uow(), message_id, worker="slow", status="sent")
    assert row(services, message_id).status == "sending"


def test_worker_claims_only_channels_it_has_a_sender_for(services: Services) -> None:
    sms = RecordingSender("sms")
    [webhook_id] = queue(services, channel="webhook", kind="webhook")
    [sms_id] = queue(services)
    assert make_worker(services, sms).run(batch=5, once=True) == {"sent": 1}
    assert sms.sent_ids() == [sms_id]
    stored = row(services, webhook_id)
    assert (stored.status, stored.attempts, stored.claimed_by) == ("pending", 0, None)


def test_stop_finishes_the_message_in_hand_and_gives_back_the_rest(services: Services) -> None:
    stop = threading.Event()
    sender = RecordingSender()
    sender.before_send = lambda message: stop.set()
    ids = queue(services, 3)
    assert make_worker(services, sender).run_batch(10, stop) == {"sent": 1}
    assert sender.sent_ids() == ids[:1]
    for message_id in ids[1:]:
        stored = row(services, message_id)
        assert (stored.status, stored.claimed_by, stored.lease_until) == ("pending", None, None)


def test_settings_refuse_a_lease_shorter_than_two_send_timeouts() -> None:
    from skill.settings import ConfigError

    with pytest.raises(ConfigError, match="NOTIFY_LEASE_SECONDS"):
        replace(SETTINGS, lease_seconds=9).validate()


def test_worker_keeps_running_through_a_database_outage(services: Services) -> None:
    from sqlalchemy.exc import OperationalError

    from skill.storage.uow import UnitOfWork

    sender = RecordingSender()
    [message_id] = queue(services)
    calls = []

    def flaky_uow() -> UnitOfWork:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("SELECT", {}, ConnectionError("server closed the connection"))
        return services.uow()

    stop = threading.Event()
    sender.before_send = lambda message: stop.set()
    settings = replace(SETTINGS, poll_seconds=0.01)
    worker = OutboxWorker(flaky_uow, {"sms": sender}, services.clock, settings, worker_id="w1")
    assert worker.run(batch=5, stop=stop) == {"sent": 1}
    assert sender.sent_ids() == [message_id]
    with pytest.raises(OperationalError):
        calls.clear()
        worker.run(batch=5, once=True)


def test_a_delivered_or_dead_message_keeps_no_link_or_code(services: Services) -> None:
    """Link tokens and one-time codes are stored hashed elsewhere; the outbox forgets them once done."""
    [sent_id] = queue(services, payload={"code": "123456"})
    sender = RecordingSender()
    make_worker(services, sender).run(batch=1, once=True)
    assert row(services, sent_id).payload["url"] == "[redacted]"
    assert row(services, sent_id).payload["code"] == "[redacted]"
    assert sender.sent[0].payload["url"].startswith("https://pay.example.test/pay/")  # the provider got it

    class Refusing:
        channel = "sms"

        def send(self, message: object) -> str | None:
            raise PermanentDeliveryError("number not reachable")

    [dead_id] = queue(services, payload={"code": "654321"})
    make_worker(services, Refusing()).run(batch=1, once=True)
    dead = row(services, dead_id)
    assert (
        dead.status == "dead" and dead.payload["url"] == "[redacted]" and dead.payload["code"] == "[redacted]"
    )
