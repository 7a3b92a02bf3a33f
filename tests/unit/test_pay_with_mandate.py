"""pay_with_mandate against the fake gateway: every outcome, idempotency and the reservation of in-flight money."""

from __future__ import annotations

import json

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.errors import InvalidAmount, InvalidInput, NotFound, PartialPaymentNotAllowed
from skill.domain.model import Channel, InvoiceStatus, MethodKind, PaymentStatus
from skill.services.payments.mandates import PaymentInProgress, pay_with_mandate
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import (
    DEMO_CARD,
    DEMO_CUSTOMER,
    add_method_row,
    attempts,
    default_method_id,
    invoice,
    kinds,
    outbox,
    timeline,
)

ELECTRICITY = "NWE-2026-11"  # 94.30 due, partial payments allowed from 10.00
WATER = "AQP-2026-Q3"  # 45.60 due, no partial payments
EVIDENCE = {
    "read_back": "EUR 94.30 to Northwind Energy with Visa ending 4242",
    "personId": "amzn1.ask.person.X",
}


@pytest.fixture
def fake(demo: DemoSummary) -> FakeGateway:
    gateway = FakeGateway()
    gateway.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    return gateway


def pay(
    services: Services,
    fake: FakeGateway,
    demo: DemoSummary,
    number: str = ELECTRICITY,
    *,
    key: str = "turn-1",
    amount: int | None = None,
    method_id: int | None = None,
):  # type: ignore[no-untyped-def]
    bill = invoice(services, number)
    return pay_with_mandate(
        services.uow,
        fake,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=bill.id,
        amount_minor=amount if amount is not None else bill.amount_due_minor - bill.amount_paid_minor,
        payment_method_id=method_id or default_method_id(services, demo.customer_id),
        idempotency_key=key,
        evidence=EVIDENCE,
    )


def test_a_successful_charge_pays_the_bill_and_queues_a_receipt(services, fake, demo) -> None:
    outcome = pay(services, fake, demo)

    assert (outcome.status, outcome.invoice_status, outcome.amount_minor) == ("succeeded", "paid", 9430)
    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.PAID, 9430)
    [attempt] = attempts(services, bill.id)
    assert attempt.status is PaymentStatus.SUCCEEDED and attempt.provider_reference in fake.intents
    [receipt] = outbox(services, "receipt")
    assert (receipt.recipient, receipt.payload["amount_minor"]) == (demo.email, 9430)
    started = next(e for e in timeline(services, bill.id) if e.kind == "payment_started")
    assert started.data["evidence"] == EVIDENCE and started.channel == "alexa"
    assert kinds(services, bill.id)[-2:] == ["payment_started", "paid"]


def test_the_same_key_again_returns_the_first_outcome_without_charging(services, fake, demo) -> None:
    first = pay(services, fake, demo, key="alexa-request-1:invoice", amount=9430)
    second = pay(services, fake, demo, key="alexa-request-1:invoice", amount=9430)

    assert second == first
    assert len(fake.intents) == 1
    assert len(outbox(services, "receipt")) == 1


def test_a_key_reused_for_another_amount_is_refused(services, fake, demo) -> None:
    pay(services, fake, demo, key="k", amount=2000)
    with pytest.raises(InvalidInput):
        pay(services, fake, demo, key="k", amount=3000)
    assert len(fake.intents) == 1


def test_a_declined_card_fails_with_a_plain_reason_and_changes_nothing(services, fake, demo) -> None:
    fake.add_method(method_id="pm_declines", customer=DEMO_CUSTOMER, behaviour="decline:insufficient_funds")
    method_id = add_method_row(services, demo.customer_id, "pm_declines")

    outcome = pay(services, fake, demo, method_id=method_id)

    assert (outcome.status, outcome.failure_reason) == ("declined", "insufficient_funds")
    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.OPEN, 0)
    assert kinds(services, bill.id)[-1] == "payment_failed"
    assert outbox(services, "receipt") == []


def test_a_card_that_needs_authentication_is_not_charged_and_its_intent_is_canceled(
    services, fake, demo
) -> None:
    fake.add_method(method_id="pm_3ds", customer=DEMO_CUSTOMER, behaviour="authenticate")
    method_id = add_method_row(services, demo.customer_id, "pm_3ds", last4="3155")

    outcome = pay(services, fake, demo, method_id=method_id)

    assert (outcome.status, outcome.failure_reason) == ("requires_action", "authentication_required")
    assert fake.charged == []
    assert [i.info.status for i in fake.intents.values()] == ["canceled"]
    assert invoice(services, ELECTRICITY).amount_paid_minor == 0


def test_a_sepa_debit_is_processing_until_the_provider_confirms(services, fake, demo) -> None:
    fake.add_method(
        method_id="pm_sepa", kind=MethodKind.SEPA_DEBIT, customer=DEMO_CUSTOMER, behaviour="processing"
    )
    method_id = add_method_row(
        services, demo.customer_id, "pm_sepa", kind=MethodKind.SEPA_DEBIT, last4="3000"
    )

    outcome = pay(services, fake, demo, method_id=method_id)

    assert (outcome.status, outcome.invoice_status) == ("processing", "open")
    [attempt] = attempts(services, invoice(services, ELECTRICITY).id)
    assert attempt.status is PaymentStatus.PROCESSING


def test_money_in_flight_is_reserved_against_a_second_payment(services, fake, demo) -> None:
    fake.add_method(
        method_id="pm_sepa", kind=MethodKind.SEPA_DEBIT, customer=DEMO_CUSTOMER, behaviour="processing"
    )
    sepa = add_method_row(services, demo.customer_id, "pm_sepa", kind=MethodKind.SEPA_DEBIT, last4="3000")
    pay(services, fake, demo, key="first", method_id=sepa)

    with pytest.raises(PaymentInProgress):
        pay(services, fake, demo, key="second")
    assert len(fake.intents) == 1


def test_an_unreachable_provider_leaves_the_attempt_pending_for_reconcile(services, fake, demo) -> None:
    fake.unreachable = True

    outcome = pay(services, fake, demo)

    assert outcome.status == "processing"
    [attempt] = attempts(services, invoice(services, ELECTRICITY).id)
    assert attempt.status is PaymentStatus.PENDING and attempt.provider_reference is None


def test_a_paid_bill_is_reported_as_already_paid(services, fake, demo) -> None:
    pay(services, fake, demo, key="first")
    outcome = pay(services, fake, demo, key="second", amount=9430)

    assert (outcome.status, outcome.attempt_id) == ("already_paid", None)
    assert len(fake.intents) == 1


def test_partial_payments_follow_the_billers_rules(services, fake, demo) -> None:
    assert pay(services, fake, demo, key="part", amount=2000).invoice_status is InvoiceStatus.PARTIALLY_PAID
    with pytest.raises(PartialPaymentNotAllowed):
        pay(services, fake, demo, WATER, key="water-part", amount=1000)
    with pytest.raises(InvalidAmount):
        pay(services, fake, demo, key="too-much", amount=9430)


def test_another_customers_bill_or_method_is_not_found(services, fake, demo) -> None:
    with pytest.raises(NotFound):
        pay_with_mandate(
            services.uow,
            fake,
            services.clock,
            customer_id=demo.customer_id + 1,
            invoice_id=invoice(services, ELECTRICITY).id,
            amount_minor=9430,
            payment_method_id=default_method_id(services, demo.customer_id),
            idempotency_key="x",
        )
    with pytest.raises(NotFound):
        pay(services, fake, demo, method_id=999)
    assert fake.intents == {}


def test_the_channel_is_recorded_on_the_attempt(services, fake, demo) -> None:
    bill = invoice(services, ELECTRICITY)
    pay_with_mandate(
        services.uow,
        fake,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=bill.id,
        amount_minor=9430,
        payment_method_id=default_method_id(services, demo.customer_id),
        idempotency_key="api-1",
        channel=Channel.API,
    )
    assert attempts(services, bill.id)[0].channel is Channel.API


def test_a_failed_payment_is_announced_to_the_billers_webhook(services, fake, demo) -> None:
    from skill.services.biller_api.webhooks import register_webhook

    with services.uow() as uow:
        biller_id = uow.billers.by_slug("northwind-energy").id
    register_webhook(
        services.uow(),
        biller_id,
        "https://erp.example.test/hooks",
        ["payment.failed"],
        services.clock,
        allow_insecure=False,
    )
    fake.add_method(method_id="pm_declines", customer=DEMO_CUSTOMER, behaviour="decline:insufficient_funds")
    method_id = add_method_row(services, demo.customer_id, "pm_declines")

    pay(services, fake, demo, method_id=method_id)

    [hook] = outbox(services, "webhook")
    body = json.loads(hook.payload["body"])
    assert body["type"] == "payment.failed"
    assert body["data"]["failure_reason"] == "insufficient_funds"
