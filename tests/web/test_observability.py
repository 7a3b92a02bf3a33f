"""Request ids, /metrics, /healthz (liveness) and /readyz (readiness: database, schema head, outbox lag)."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.observability.logs import json_handler
from skill.services.identity.link_tokens import issue_token
from skill.settings import Settings
from skill.storage.outbox import enqueue
from skill.web import create_app
from tests.alexa.driver import SKILL_ID, AlexaClient
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import DEMO_CARD, DEMO_CUSTOMER, default_method_id, invoice


@pytest.fixture
def gateway() -> FakeGateway:
    fake = FakeGateway()
    fake.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    return fake


@pytest.fixture
def web_services(settings: Settings, clock: FixedClock, gateway: FakeGateway) -> Iterator[Services]:
    # Unsigned /alexa requests: verification itself is tested in test_alexa_verification.py.
    built = bootstrap(
        replace(settings, alexa_skill_id=SKILL_ID, alexa_verify_requests=False), clock=clock, gateway=gateway
    )
    yield built
    built.dispose()


@pytest.fixture
def app(web_services: Services) -> Flask:
    return create_app(services=web_services)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


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


def _sample(body: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text exposition (0 when absent)."""
    for line in body.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match is None:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if found == labels:
            return float(match.group(2))
    return 0.0


def test_a_valid_x_request_id_is_echoed_and_carried_by_the_requests_log_lines(
    client: FlaskClient, captured: io.StringIO
) -> None:
    response = client.get("/readyz", headers={"X-Request-ID": "trace-abc-123"})
    assert response.headers["X-Request-ID"] == "trace-abc-123"
    client.get("/no/such/page", headers={"X-Request-ID": "trace-abc-124"})
    # Every line logged while the request ran carries its id (here: werkzeug's or the app's, if any).
    for line in map(json.loads, captured.getvalue().splitlines()):
        assert line["request_id"] in ("trace-abc-123", "trace-abc-124"), line


@pytest.mark.parametrize("raw", ["", "x" * 129, "has space", 'quote"d', "tab\tbed", "ünïcode"])
def test_an_unusable_x_request_id_is_replaced_by_a_new_uuid(client: FlaskClient, raw: str) -> None:
    echoed = client.get("/healthz", headers={"X-Request-ID": raw}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", echoed)


def test_an_alexa_turn_logs_and_answers_with_alexas_request_id_and_counts_the_turn(
    client: FlaskClient, web_services: Services, demo: DemoSummary, captured: io.StringIO
) -> None:
    token = issue_token(web_services.uow(), demo.email, web_services.clock, ttl=timedelta(days=30))
    envelope = AlexaClient(send=lambda e: e, access_token=token).envelope(
        {"type": "IntentRequest", "intent": {"name": "NoSuchIntent", "confirmationStatus": "NONE"}},
        request_id="amzn1.echo-api.request.turn-1",
    )
    before = client.get("/metrics").get_data(as_text=True)
    launch = AlexaClient(send=lambda e: e, access_token=token).envelope(
        {"type": "LaunchRequest"}, request_id="amzn1.echo-api.request.launch-1"
    )
    response = client.post("/alexa", json=launch)
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "amzn1.echo-api.request.launch-1"
    client.post("/alexa", json=envelope)  # an intent the model does not have: counted as "other"
    after = client.get("/metrics").get_data(as_text=True)
    launches = ("billpay_skill_turns_total", {"intent": "LaunchRequest", "outcome": "ok"})
    assert _sample(after, launches[0], **launches[1]) == _sample(before, launches[0], **launches[1]) + 1
    assert 'intent="NoSuchIntent"' not in after
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    assert any(line["request_id"] == "amzn1.echo-api.request.turn-1" for line in lines)


def test_a_payment_through_the_fake_gateway_moves_the_payments_counter(
    client: FlaskClient, web_services: Services, demo: DemoSummary
) -> None:
    labels = {"channel": "alexa", "outcome": "succeeded"}
    before = _sample(client.get("/metrics").get_data(as_text=True), "billpay_payments_total", **labels)
    bill = invoice(web_services, "NWE-2026-11")
    outcome = web_services.payments.pay_with_mandate(
        customer_id=demo.customer_id,
        invoice_id=bill.id,
        amount_minor=bill.amount_due_minor - bill.amount_paid_minor,
        payment_method_id=default_method_id(web_services, demo.customer_id),
        idempotency_key="metrics-1",
    )
    assert outcome.status == "succeeded"
    body = client.get("/metrics").get_data(as_text=True)
    assert _sample(body, "billpay_payments_total", **labels) == before + 1
    # The receipt email is queued: the outbox depth shows it; nothing is overdue yet.
    assert _sample(body, "billpay_outbox_pending", channel="email") >= 1
    assert _sample(body, "billpay_outbox_lag_seconds") == 0.0
    assert "billpay_webhook_delivery_seconds" in body


def test_healthz_is_liveness_and_needs_no_database(settings: Settings) -> None:
    broken = replace(settings, database_url="sqlite:////nonexistent/dir/db.sqlite3")
    client = create_app(services=bootstrap(broken)).test_client()
    assert client.get("/healthz").json == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["failed"] == "database"


def test_readyz_is_ready_at_the_migration_head_with_no_overdue_message(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ok"
    assert response.json["schema_revision"] == response.json["schema_head"]
    assert response.json["outbox_lag_seconds"] == 0


def test_readyz_fails_on_a_database_at_an_older_revision(client: FlaskClient, web_services: Services) -> None:
    with web_services.engine.begin() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        connection.execute(text("UPDATE alembic_version SET version_num = 'older0000000'"))
    try:
        response = client.get("/readyz")
    finally:  # on PostgreSQL the next test gets the same database back (emptied, not re-created)
        with web_services.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert response.status_code == 503
    assert response.json["failed"] == "schema"
    assert response.json["schema_revision"] == "older0000000"


def test_readyz_fails_when_a_due_message_is_older_than_the_limit(
    client: FlaskClient, web_services: Services, clock: FixedClock
) -> None:
    limit = web_services.settings.notify.ready_max_lag_seconds
    with web_services.uow() as uow:
        enqueue(
            uow,
            kind="receipt",
            channel="email",
            recipient="someone@example.test",
            locale="en-GB",
            payload={},
            now=clock.now() - timedelta(seconds=limit + 60),
        )
        uow.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == "outbox_lag"
    assert response.json["outbox_lag_seconds"] >= limit + 60
    body = client.get("/metrics").get_data(as_text=True)
    assert _sample(body, "billpay_outbox_lag_seconds") >= limit + 60
