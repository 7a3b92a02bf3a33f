"""Webhook deliveries: signed, retried on failure, dropped for removed endpoints; events only to subscribers."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from skill.domain.clock import FixedClock
from skill.notifications.senders import OutgoingMessage, PermanentDeliveryError, TransientDeliveryError
from skill.notifications.webhook import sign, verify
from skill.notifications.worker import OutboxWorker
from skill.services.biller_api.events import emit_payment_failed
from skill.settings.notifications import NotifySettings
from skill.storage import models as m
from skill.worker import webhook_sender
from tests.support.recording_server import recording_server
from tests.web.api.conftest import Api, running_api


def test_signature_matches_the_documented_recipe_and_refuses_stale_or_altered_bodies() -> None:
    header = sign("whsec_abc", b'{"id":"evt_1"}', 1_773_135_000)
    expected = hmac.new(b"whsec_abc", b'1773135000.{"id":"evt_1"}', hashlib.sha256).hexdigest()
    assert header == f"t=1773135000,v1={expected}"
    assert verify("whsec_abc", b'{"id":"evt_1"}', header, now=1_773_135_100)
    assert not verify("whsec_abc", b'{"id":"evt_2"}', header, now=1_773_135_100)
    assert not verify("whsec_abc", b'{"id":"evt_1"}', header, now=1_773_135_000 + 301)
    assert not verify("whsec_abc", b'{"id":"evt_1"}', "v1=" + header.split("v1=")[1], now=1_773_135_000)


@pytest.fixture
def hooked(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Api]:
    with running_api(database_url, tmp_path, clock) as api:
        api.customer("ACC-1")
        yield api


def _pay(api: Api, number: str) -> None:
    invoice_id = api.invoice(number, amount_due_minor=500)["id"]
    body = {"amount_minor": 500, "currency": "EUR", "method": "cash"}
    assert (
        api.call("POST", f"/invoices/{invoice_id}/payments", body, Idempotency_Key=number).status_code == 201
    )


def _outbox(api: Api) -> list[m.OutboxMessage]:
    with api.services.uow() as uow:
        rows = (
            uow.session.query(m.OutboxMessage).filter_by(channel="webhook").order_by(m.OutboxMessage.id).all()
        )
        uow.session.expunge_all()
        return rows


def test_events_go_only_to_endpoints_subscribed_to_them(hooked: Api) -> None:
    paid = hooked.call(
        "POST", "/webhooks", {"url": "https://a.example.test/", "events": ["invoice.paid"]}
    ).json
    hooked.call("POST", "/webhooks", {"url": "https://b.example.test/", "events": ["link.opened"]})
    hooked.call(
        "POST",
        "/webhooks",
        {"url": "https://c.example.test/", "events": ["invoice.paid"]},
        as_biller=hooked.other,
    )
    _pay(hooked, "INV-1")
    [row] = _outbox(hooked)
    assert (row.recipient, row.payload["endpoint_id"], row.payload["event_type"]) == (
        "https://a.example.test/",
        paid["id"],
        "invoice.paid",
    )


def test_payment_failed_helper_queues_the_documented_event(hooked: Api) -> None:
    hooked.call("POST", "/webhooks", {"url": "https://a.example.test/", "events": ["payment.failed"]})
    invoice_id = hooked.invoice("INV-1")["id"]
    now = hooked.services.clock.now()
    with hooked.services.uow() as uow:
        attempt = m.PaymentAttempt(
            invoice_id=invoice_id, amount_minor=9430, currency="EUR", channel="link", method="card",
            status="failed", idempotency_key="k", failure_reason="card_declined", created_at=now, updated_at=now,
        )  # fmt: skip
        uow.attempts.add(attempt)
        uow.flush()
        assert emit_payment_failed(uow, attempt, now) == 1
        uow.commit()
    event = json.loads(_outbox(hooked)[0].payload["body"])
    assert event["type"] == "payment.failed"
    assert event["data"] == {
        "payment_id": attempt.id,
        "invoice_id": invoice_id,
        "number": "INV-1",
        "amount_minor": 9430,
        "currency": "EUR",
        "channel": "link",
        "failure_reason": "card_declined",
        "failed_at": "2026-03-10T09:30:00Z",
    }


def test_a_failing_receiver_is_retried_and_then_gets_the_same_signed_event(
    hooked: Api, clock: FixedClock
) -> None:
    with recording_server(status=503) as receiver:
        created = hooked.call("POST", "/webhooks", {"url": receiver.url, "events": ["invoice.paid"]}).json
        _pay(hooked, "INV-1")
        settings = NotifySettings(max_attempts=5)
        sender = webhook_sender(hooked.services)
        worker = OutboxWorker(
            hooked.services.uow, {"webhook": sender}, hooked.services.clock, settings, rng=random.Random(1)
        )
        assert dict(worker.run(batch=5, once=True)) == {"retry": 1}
        receiver.status = 200
        clock.advance(hours=1)
        assert dict(worker.run(batch=5, once=True)) == {"sent": 1}
        first, second = receiver.requests
        assert first.body == second.body
        now = int(hooked.services.clock.now().timestamp())
        header = {k.lower(): v for k, v in second.headers.items()}["billpay-signature"]
        assert verify(created["secret"], second.body, header, now)


def test_gone_receiver_and_removed_endpoint_are_permanent_failures(hooked: Api) -> None:
    with recording_server(status=410) as receiver:
        created = hooked.call("POST", "/webhooks", {"url": receiver.url, "events": ["invoice.paid"]}).json
        _pay(hooked, "INV-1")
        sender = webhook_sender(hooked.services)
        [row] = _outbox(hooked)
        message = OutgoingMessage(row.id, row.kind, row.channel, row.recipient, row.locale, row.payload)
        with pytest.raises(PermanentDeliveryError, match="410"):
            sender.send(message)
        receiver.status = 500
        with pytest.raises(TransientDeliveryError, match="500"):
            sender.send(message)
        assert hooked.call("DELETE", f"/webhooks/{created['id']}").status_code == 204
        with pytest.raises(PermanentDeliveryError, match="removed"):
            sender.send(message)
        assert len(receiver.requests) == 2
