"""POST /webhooks/stripe: signature verified on the raw body, 400 for anything unsigned, one effect per event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from skill.bootstrap import Services, bootstrap
from skill.domain.clock import FixedClock
from skill.domain.model import InvoiceStatus, MethodKind, PaymentStatus
from skill.payments.gateway import PaymentInfo
from skill.services.payments.mandates import pay_with_mandate
from skill.settings import Settings
from skill.storage import models as m
from skill.web import create_app
from tests.support.fake_gateway import FakeGateway, FakeIntent, charge_json, event, intent_json, sign
from tests.support.payments import DEMO_CUSTOMER, add_method_row, attempts, invoice, kinds
from tests.support.store import database_snapshot

ELECTRICITY = "NWE-2026-11"


@pytest.fixture
def fake() -> FakeGateway:
    gateway = FakeGateway()
    gateway.add_method(
        method_id="pm_sepa", kind=MethodKind.SEPA_DEBIT, customer=DEMO_CUSTOMER, behaviour="processing"
    )
    return gateway


@pytest.fixture
def services(settings: Settings, clock: FixedClock, fake: FakeGateway) -> Iterator[Services]:
    built = bootstrap(settings, clock=clock, gateway=fake)
    yield built
    built.dispose()


@pytest.fixture
def client(services: Services) -> FlaskClient:
    return create_app(services=services).test_client()


@pytest.fixture
def succeeded_event(services, fake, demo) -> str:  # type: ignore[no-untyped-def]
    """A SEPA payment in processing, and the provider's succeeded event for it as raw JSON."""
    method_id = add_method_row(
        services, demo.customer_id, "pm_sepa", kind=MethodKind.SEPA_DEBIT, last4="3000"
    )
    pay_with_mandate(
        services.uow,
        fake,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=invoice(services, ELECTRICITY).id,
        amount_minor=9430,
        payment_method_id=method_id,
        idempotency_key="sepa",
    )
    [reference] = fake.intents
    return json.dumps(event("payment_intent.succeeded", intent_json(fake.finish(reference))))


def post(client: FlaskClient, body: str, signature: str | None):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/webhooks/stripe", data=body, headers=headers)


@pytest.mark.parametrize(
    "signature",
    [None, "", "t=1,v1=deadbeef", "garbage", sign("{}")],
    ids=["missing", "empty", "wrong", "malformed", "other-body"],
)
def test_a_forged_webhook_gets_400_and_changes_nothing(client, services, succeeded_event, signature) -> None:
    before = database_snapshot(services.engine)

    response = post(client, succeeded_event, signature)

    assert response.status_code == 400
    assert database_snapshot(services.engine) == before


def test_webhooks_are_refused_when_no_secret_is_configured(client, services, fake, succeeded_event) -> None:
    fake.webhook_secret = None
    assert post(client, succeeded_event, sign(succeeded_event)).status_code == 400
    assert invoice(services, ELECTRICITY).status is InvoiceStatus.OPEN


def test_a_signed_webhook_is_applied_once_however_often_it_is_delivered(
    client, services, succeeded_event
) -> None:
    first = post(client, succeeded_event, sign(succeeded_event))
    second = post(client, succeeded_event, sign(succeeded_event))

    assert (first.status_code, first.json["result"]) == (200, "processed")
    assert (second.status_code, second.json["result"]) == (200, "duplicate")
    bill = invoice(services, ELECTRICITY)
    assert bill.status is InvoiceStatus.PAID and kinds(services, bill.id).count("paid") == 1


def test_an_unreachable_provider_answers_503_so_that_stripe_retries(client, services, fake, demo) -> None:
    fake.add_method(method_id="pm_new", customer=DEMO_CUSTOMER)
    body = json.dumps(
        event(
            "setup_intent.succeeded", {"id": "seti_1", "customer": DEMO_CUSTOMER, "payment_method": "pm_new"}
        )
    )
    fake.unreachable = True

    assert post(client, body, sign(body)).status_code == 503
    fake.unreachable = False
    assert post(client, body, sign(body)).json["result"] in ("processed", "ignored")


@pytest.fixture
def pending_50(services, fake, demo) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A EUR 50.00 SEPA debit still processing; returns the metadata its intent carries."""
    method_id = add_method_row(
        services, demo.customer_id, "pm_sepa", kind=MethodKind.SEPA_DEBIT, last4="3000"
    )
    pay_with_mandate(
        services.uow,
        fake,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=invoice(services, ELECTRICITY).id,
        amount_minor=5000,
        payment_method_id=method_id,
        idempotency_key="sepa-50",
    )
    [intent] = fake.intents.values()
    return dict(intent.info.metadata)


def test_a_signed_usd_cent_carrying_a_50_euro_attempts_metadata_leaves_the_invoice_open(
    client, services, fake, pending_50
) -> None:
    stray = PaymentInfo("pi_stray", "succeeded", 1, "USD", metadata=pending_50)
    fake.intents["pi_stray"] = FakeIntent(stray, "pi_stray_secret", "elsewhere")  # real at the provider
    body = json.dumps(event("payment_intent.succeeded", intent_json(stray)))

    response = post(client, body, sign(body))

    assert response.status_code == 200
    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.OPEN, 0)
    [attempt] = attempts(services, bill.id)
    assert (attempt.status, attempt.amount_minor) == (PaymentStatus.NEEDS_REVIEW, 5000)
    assert kinds(services, bill.id)[-1] == "payment_review"


def _processed_events(services: Services) -> list[str]:
    with services.uow() as uow:
        return [e.event_id for e in uow.session.scalars(select(m.ProcessedEvent))]


def _unchanged_but_dedup(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return {k: v for k, v in before.items() if k != "processed_events"} == {
        k: v for k, v in after.items() if k != "processed_events"
    }


def _malformed(fake: FakeGateway, pending_50: dict[str, str], row: str) -> dict[str, Any]:
    [intent] = fake.intents.values()
    succeeded = intent_json(fake.finish(intent.info.reference))
    if row == "missing amount":
        return event("payment_intent.succeeded", {k: v for k, v in succeeded.items() if k != "amount"})
    if row == "metadata as a list":
        return event("payment_intent.succeeded", {**succeeded, "metadata": [pending_50]})
    assert row == "negative amount_refunded"
    charge = {**charge_json(intent.info), "amount_refunded": -5000}
    return event("charge.refunded", charge)


@pytest.mark.parametrize("row", ["missing amount", "metadata as a list", "negative amount_refunded"])
def test_a_signed_but_malformed_event_is_acknowledged_recorded_and_changes_nothing_else(
    client, services, fake, pending_50, row
) -> None:
    evt = _malformed(fake, pending_50, row)
    body = json.dumps(evt)
    before = database_snapshot(services.engine)

    response = post(client, body, sign(body))
    again = post(client, body, sign(body))

    # 2xx: Stripe retries any other answer for three days, and the same signed bytes never get better.
    assert (response.status_code, response.json["result"]) == (200, "ignored")
    assert (again.status_code, again.json["result"]) == (200, "duplicate")
    assert _unchanged_but_dedup(before, database_snapshot(services.engine))
    assert _processed_events(services) == [evt["id"]]


def test_a_setup_for_a_method_the_provider_does_not_know_is_acknowledged_not_retried_forever(
    client, services, demo
) -> None:
    body = json.dumps(
        event(
            "setup_intent.succeeded", {"id": "seti_1", "customer": DEMO_CUSTOMER, "payment_method": "pm_gone"}
        )
    )
    before = database_snapshot(services.engine)

    response = post(client, body, sign(body))

    assert (response.status_code, response.json["result"]) == (200, "ignored")
    assert _unchanged_but_dedup(before, database_snapshot(services.engine))
    assert post(client, body, sign(body)).json["result"] == "duplicate"
