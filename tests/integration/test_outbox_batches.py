"""How a claimed batch is begun, settled and given back, by what the sender can do about an unknown outcome."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from skill.bootstrap import Services
from skill.domain.clock import FixedClock
from skill.notifications import leases
from skill.notifications.retention import PURGED
from skill.notifications.senders import OutgoingMessage
from skill.notifications.worker import OutboxWorker
from skill.settings.notifications import NotifySettings
from skill.storage import models as m
from tests.support.fake_senders import ReconcilingRecordingSender, RecordingSender, queue

SETTINGS = NotifySettings(lease_seconds=60, send_timeout_seconds=5)
LEASE = timedelta(seconds=SETTINGS.lease_seconds)


def states(services: Services) -> dict[int, tuple[str, int]]:
    with services.uow() as uow:
        found = uow.session.execute(
            select(m.OutboxMessage.id, m.OutboxMessage.status, m.OutboxMessage.attempts)
        )
        return {row.id: (row.status, row.attempts) for row in found}


def worker(
    services: Services, sender: RecordingSender, *, settle_every: int = 100, **named: str
) -> OutboxWorker:
    return OutboxWorker(
        services.uow, {sender.channel: sender}, services.clock, SETTINGS, settle_every=settle_every, **named
    )


def test_a_sender_that_can_reconcile_gets_its_batch_begun_at_once_and_settled_in_groups(
    services: Services,
) -> None:
    ids = queue(services, 5)
    seen: list[dict[int, tuple[str, int]]] = []
    sender = ReconcilingRecordingSender()

    def look(message: OutgoingMessage) -> None:
        if message.id == ids[3]:  # the first group's settling runs in the background: wait for it
            settled(services, ids[:2])
        seen.append(states(services))

    sender.before_send = look

    assert worker(services, sender, settle_every=2).run_batch(10) == {"sent": 5}

    during_fourth = seen[3]
    assert [during_fourth[i] for i in ids] == [("sent", 1)] * 2 + [("sending", 1)] * 3
    assert states(services) == dict.fromkeys(ids, ("sent", 1))


def settled(services: Services, ids: list[int], timeout: float = 30) -> None:
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while any(states(services)[i][0] != "sent" for i in ids):
        assert time.monotonic() < deadline, f"{ids} not settled within {timeout}s"
        pause.wait(0.01)


def test_a_sender_that_cannot_reconcile_is_begun_and_settled_one_message_at_a_time(
    services: Services,
) -> None:
    ids = queue(services, 3)
    seen: list[dict[int, tuple[str, int]]] = []
    sender = RecordingSender(resend_is_safe=False)  # neither find_sent nor resend_is_safe
    sender.before_send = lambda message: seen.append(states(services))

    assert worker(services, sender).run_batch(10) == {"sent": 3}

    assert [seen[1][i] for i in ids] == [("sent", 1), ("sending", 1), ("pending", 0)]


def test_a_batch_begun_at_once_gives_back_what_it_did_not_send_uncounted(services: Services) -> None:
    ids = queue(services, 4)
    stop = threading.Event()
    sender = ReconcilingRecordingSender()
    sender.before_send = lambda message: stop.set()

    assert worker(services, sender).run_batch(10, stop) == {"sent": 1}

    assert states(services) == {ids[0]: ("sent", 1), **dict.fromkeys(ids[1:], ("pending", 0))}
    with services.uow() as uow:
        released = uow.session.scalars(select(m.OutboxMessage).where(m.OutboxMessage.id.in_(ids[1:]))).all()
        assert {(r.claimed_by, r.lease_until, r.next_attempt_at) for r in released} == {
            (None, None, services.clock.now())
        }


def test_messages_a_dead_worker_left_mid_batch_are_reconciled_each_once(
    services: Services, clock: FixedClock
) -> None:
    """A crash after the batch was begun and two were sent, before their settle: five messages in doubt."""
    ids = queue(services, 5)
    claimed = leases.claim(
        services.uow(), worker="dead", now=clock.now(), lease=LEASE, channels=["sms"], limit=5
    )
    assert leases.begin(services.uow(), [c.id for c in claimed], worker="dead", now=clock.now(), lease=LEASE)
    clock.advance(seconds=61)
    sender = ReconcilingRecordingSender()
    sender.accepted.update({ids[0]: "SMfirst", ids[1]: "SMsecond"})  # the provider has the two that went out

    outcomes = worker(services, sender).run(batch=10, once=True)

    assert outcomes == {"reconciled_sent": 2, "sent": 3}
    assert sender.sent_ids() == ids[2:]
    assert states(services) == {**dict.fromkeys(ids[:2], ("sent", 1)), **dict.fromkeys(ids[2:], ("sent", 2))}


def test_the_lease_is_renewed_while_a_long_batch_is_sent(services: Services, clock: FixedClock) -> None:
    """A batch that outlasts its lease keeps its messages: another worker finds none of them due meanwhile."""
    ids = queue(services, 5)
    sender = RecordingSender(resend_is_safe=True)
    taken_over: list[str] = []

    def slow(message: OutgoingMessage) -> None:
        clock.advance(seconds=25)  # five sends: 125 s, twice the lease
        other = OutboxWorker(services.uow, {"sms": RecordingSender()}, clock, SETTINGS, worker_id="w2")
        taken_over.extend(other.run_batch(10).elements())

    sender.before_send = slow

    assert worker(services, sender, worker_id="w1").run_batch(10) == {"sent": 5}
    assert sender.sent_ids() == ids and taken_over == []


def test_a_purged_message_in_a_batch_goes_dead_and_the_others_are_sent(services: Services) -> None:
    ids = queue(services, 3)
    with services.uow() as uow:
        uow.session.get_one(m.OutboxMessage, ids[1]).recipient = PURGED
        uow.commit()
    sender = ReconcilingRecordingSender()

    assert worker(services, sender).run_batch(10) == {"dead": 1, "sent": 2}
    assert sender.sent_ids() == [ids[0], ids[2]]
    assert Counter(status for status, _ in states(services).values()) == {"sent": 2, "dead": 1}
