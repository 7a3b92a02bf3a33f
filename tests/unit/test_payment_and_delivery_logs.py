"""Payments and deliveries are logged at INFO with their ids, as JSON lines, and never with personal data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.notifications.worker import OutboxWorker
from skill.observability.logs import json_handler
from skill.services.payments.mandates import pay_with_mandate
from tests.support.fake_gateway import FakeGateway
from tests.support.fake_senders import RecordingSender
from tests.support.payments import DEMO_CARD, DEMO_CUSTOMER, default_method_id, invoice

ELECTRICITY = "NWE-2026-11"
MOBILE = "+31612345678"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = json_handler(stream)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_payment_and_its_receipt_delivery_log_ids_and_no_personal_data(
    services: Services, demo: DemoSummary, captured: io.StringIO
) -> None:
    fake = FakeGateway()
    fake.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    bill = invoice(services, ELECTRICITY)
    outcome = pay_with_mandate(
        services.uow,
        fake,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=bill.id,
        amount_minor=bill.amount_due_minor - bill.amount_paid_minor,
        payment_method_id=default_method_id(services, demo.customer_id),
        idempotency_key="turn-logs",
    )
    assert outcome.status == "succeeded"
    email = RecordingSender("email")
    worker = OutboxWorker(services.uow, {"email": email}, services.clock, services.settings.notify)
    assert worker.run_batch(10)["sent"] >= 1

    lines = _lines(captured)
    payment = next(line for line in lines if line.get("event") == "payment")
    assert payment["attempt_id"] == outcome.attempt_id
    assert payment["invoice_id"] == bill.id
    assert payment["provider_reference"]
    assert (payment["channel"], payment["outcome"], payment["level"]) == ("alexa", "succeeded", "INFO")
    delivery = next(line for line in lines if line.get("message_id") and line.get("channel") == "email")
    assert delivery["outcome"] == "sent" and delivery["kind"]
    assert delivery["request_id"] == f"outbox-{delivery['message_id']}"  # the message id is its context
    for line in lines:
        assert {"time", "level", "logger", "message", "request_id"} <= set(line)
        assert str(line["time"]).endswith("+00:00")
    text = captured.getvalue()
    for secret in (demo.email, MOBILE, DEMO_CARD, DEMO_CUSTOMER, "Northwind", "/pay/"):
        assert secret not in text, secret
