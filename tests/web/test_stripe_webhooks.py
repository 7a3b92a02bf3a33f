"""POST /webhooks/stripe: signature verified on the raw body, 400 for anything unsigned, one effect per event."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from skill.bootstrap import Services, bootstrap
from skill.config import Settings
from skill.domain.clock import FixedClock
from skill.domain.model import InvoiceStatus, MethodKind
from skill.services.payments import pay_with_mandate
from skill.web import create_app
from tests.support.fake_gateway import FakeGateway, event, intent_json, sign
from tests.support.payments import DEMO_CUSTOMER, add_method_row, invoice, kinds
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
