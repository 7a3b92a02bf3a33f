"""handle_stripe_event with the fake gateway: dedupe, idempotency, out-of-order delivery, refunds, methods."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from skill.domain.errors import NotFound
from skill.domain.model import Channel, InvoiceStatus, MethodKind, PaymentStatus
from skill.services.links.payment_links import send_payment_link
from skill.services.payments.link_payments import start_link_payment
from skill.services.payments.mandates import pay_with_mandate, stored_methods
from skill.services.payments.stripe_events import handle_stripe_event
from tests.support.fake_gateway import FakeGateway, charge_json, event, intent_json
from tests.support.payments import (
    DEMO_CARD,
    DEMO_CUSTOMER,
    add_method_row,
    attempts,
    default_method_id,
    invoice,
    kinds,
    outbox,
)

ELECTRICITY = "NWE-2026-11"


@pytest.fixture
def fake(demo) -> FakeGateway:  # type: ignore[no-untyped-def]
    gateway = FakeGateway()
    gateway.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    gateway.add_method(
        method_id="pm_sepa", kind=MethodKind.SEPA_DEBIT, customer=DEMO_CUSTOMER, behaviour="processing"
    )
    return gateway


def pay_by_sepa(services, fake, demo) -> str:  # type: ignore[no-untyped-def]
    method_id = add_method_row(
        services, demo.customer_id, "pm_sepa", kind=MethodKind.SEPA_DEBIT, last4="3000"
    )
    outcome = pay_with_mandate(
        services.uow,
        fake,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=invoice(services, ELECTRICITY).id,
        amount_minor=9430,
        payment_method_id=method_id,
        idempotency_key="sepa-1",
    )
    assert outcome.status == "processing"
    [reference] = fake.intents
    return reference


def handle(services, fake, evt):  # type: ignore[no-untyped-def]
    return handle_stripe_event(services.uow, fake, services.clock, evt)


def test_a_succeeded_event_settles_a_processing_sepa_payment(services, fake, demo) -> None:
    reference = pay_by_sepa(services, fake, demo)
    info = fake.finish(reference)

    assert handle(services, fake, event("payment_intent.succeeded", intent_json(info))) == "processed"

    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.PAID, 9430)
    assert len(outbox(services, "receipt")) == 1


def test_a_duplicate_delivery_has_one_effect(services, fake, demo) -> None:
    reference = pay_by_sepa(services, fake, demo)
    evt = event("payment_intent.succeeded", intent_json(fake.finish(reference)))

    assert handle(services, fake, evt) == "processed"
    assert handle(services, fake, evt) == "duplicate"

    assert kinds(services, invoice(services, ELECTRICITY).id).count("paid") == 1
    assert len(outbox(services, "receipt")) == 1


def test_a_failure_delivered_after_success_does_not_unpay(services, fake, demo) -> None:
    reference = pay_by_sepa(services, fake, demo)
    succeeded = intent_json(fake.finish(reference))
    failed = {
        **succeeded,
        "status": "requires_payment_method",
        "last_payment_error": {"code": "card_declined"},
    }

    handle(services, fake, event("payment_intent.succeeded", succeeded))
    handle(services, fake, event("payment_intent.payment_failed", failed))
    handle(services, fake, event("payment_intent.processing", {**succeeded, "status": "processing"}))

    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.PAID, 9430)
    assert attempts(services, bill.id)[0].status is PaymentStatus.SUCCEEDED


def test_a_failed_sepa_debit_fails_the_attempt_with_its_reason(services, fake, demo) -> None:
    reference = pay_by_sepa(services, fake, demo)
    info = fake.finish(reference, succeed=False, reason="insufficient_funds")

    handle(services, fake, event("payment_intent.payment_failed", intent_json(info)))

    bill = invoice(services, ELECTRICITY)
    [attempt] = attempts(services, bill.id)
    assert (attempt.status, attempt.failure_reason) == (PaymentStatus.FAILED, "insufficient_funds")
    assert (bill.status, kinds(services, bill.id)[-1]) == (InvoiceStatus.OPEN, "payment_failed")


def test_a_success_after_a_failure_still_lands_the_money(services, fake, demo) -> None:
    reference = pay_by_sepa(services, fake, demo)
    failed = intent_json(fake.finish(reference, succeed=False))
    handle(services, fake, event("payment_intent.payment_failed", failed))

    handle(services, fake, event("payment_intent.succeeded", intent_json(fake.finish(reference))))

    assert invoice(services, ELECTRICITY).status is InvoiceStatus.PAID


def test_a_charge_refunded_event_reopens_the_balance_once(services, fake, demo) -> None:
    reference = pay_by_sepa(services, fake, demo)
    handle(services, fake, event("payment_intent.succeeded", intent_json(fake.finish(reference))))
    charge = charge_json(fake.refund_outside(reference, 2000))  # refunded in the dashboard

    handle(services, fake, event("charge.refunded", charge, "evt_r1"))
    handle(services, fake, event("charge.refunded", charge, "evt_r1_again"))

    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.PARTIALLY_PAID, 7430)
    assert kinds(services, bill.id).count("refunded") == 1


def test_events_for_intents_that_are_not_ours_are_ignored(services, fake, demo) -> None:
    foreign = {
        "id": "pi_other",
        "object": "payment_intent",
        "status": "succeeded",
        "amount": 100,
        "currency": "eur",
    }
    forged_metadata = {
        **foreign,
        "id": "pi_x",
        "metadata": {"billpay_attempt_id": "1", "billpay_key": "nope"},
    }

    assert handle(services, fake, event("payment_intent.succeeded", foreign)) == "ignored"
    assert handle(services, fake, event("payment_intent.succeeded", forged_metadata)) == "ignored"
    assert handle(services, fake, event("customer.created", {"id": "cus_1"})) == "ignored"


def test_a_setup_intent_success_stores_the_method_and_detach_removes_it(services, fake, demo) -> None:
    with services.uow() as uow:
        uow.customers.get(demo.customer_id).stripe_customer_id = DEMO_CUSTOMER
        uow.commit()
    fake.add_method(method_id="pm_new", last4="4444", customer=DEMO_CUSTOMER)
    setup = {"id": "seti_1", "object": "setup_intent", "status": "succeeded", "customer": DEMO_CUSTOMER}

    handle(services, fake, event("setup_intent.succeeded", {**setup, "payment_method": "pm_new"}))
    labels = [v.label for v in stored_methods(services.uow(), demo.customer_id)]
    assert labels == ["Visa ending 4242", "Visa ending 4444"]

    handle(services, fake, event("payment_method.detached", {"id": DEMO_CARD, "object": "payment_method"}))
    [remaining] = stored_methods(services.uow(), demo.customer_id)
    assert (remaining.label, remaining.is_default) == ("Visa ending 4444", True)


def test_a_setup_success_arriving_after_the_detach_stores_nothing(services, fake, demo) -> None:
    with services.uow() as uow:
        uow.customers.get(demo.customer_id).stripe_customer_id = DEMO_CUSTOMER
        uow.commit()
    fake.add_method(method_id="pm_gone", customer=None)  # already detached at the provider
    setup = {"id": "seti_2", "status": "succeeded", "customer": DEMO_CUSTOMER, "payment_method": "pm_gone"}

    assert handle(services, fake, event("setup_intent.succeeded", setup)) == "ignored"
    assert len(stored_methods(services.uow(), demo.customer_id)) == 1


def test_a_webhook_payment_for_an_already_paid_bill_is_refunded_automatically(services, fake, demo) -> None:
    reference = pay_by_sepa(services, fake, demo)
    bill = invoice(services, ELECTRICITY)
    with services.uow() as uow:  # the bill got paid by bank transfer meanwhile
        row = uow.invoices.get(bill.id)
        row.amount_paid_minor, row.status = 9430, InvoiceStatus.PAID
        uow.commit()

    handle(services, fake, event("payment_intent.succeeded", intent_json(fake.finish(reference))))

    assert fake.refunds == [(reference, 9430)]
    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor, bill.refund_due_minor) == (InvoiceStatus.PAID, 9430, 0)
    assert kinds(services, bill.id)[-2:] == ["overpaid", "refunded"]
    assert attempts(services, bill.id)[0].status is PaymentStatus.REFUNDED


def test_a_detached_method_can_no_longer_be_charged(services, fake, demo) -> None:
    method_id = default_method_id(services, demo.customer_id)
    handle(services, fake, event("payment_method.detached", {"id": DEMO_CARD}))

    assert stored_methods(services.uow(), demo.customer_id) == []
    with pytest.raises(NotFound):
        pay_with_mandate(
            services.uow,
            fake,
            services.clock,
            customer_id=demo.customer_id,
            invoice_id=invoice(services, ELECTRICITY).id,
            amount_minor=9430,
            payment_method_id=method_id,
            idempotency_key="after-detach",
        )
    assert fake.intents == {}


def test_the_cancel_of_an_intent_that_needed_authentication_keeps_the_answer_given(
    services, fake, demo
) -> None:
    fake.add_method(method_id="pm_3ds", customer=DEMO_CUSTOMER, behaviour="authenticate")
    method_id = add_method_row(services, demo.customer_id, "pm_3ds", last4="3155")
    first = pay_with_mandate(
        services.uow,
        fake,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=invoice(services, ELECTRICITY).id,
        amount_minor=9430,
        payment_method_id=method_id,
        idempotency_key="3ds-turn",
    )
    [reference] = fake.intents

    handle(services, fake, event("payment_intent.canceled", intent_json(fake.intents[reference].info)))

    [attempt] = attempts(services, invoice(services, ELECTRICITY).id)
    assert (first.status, attempt.status) == ("requires_action", PaymentStatus.REQUIRES_ACTION)


def test_an_event_without_an_object_is_recorded_and_ignored(services, fake, demo) -> None:
    evt = {"id": "evt_empty", "type": "payment_intent.succeeded", "data": {}}
    assert handle(services, fake, evt) == "ignored"
    assert handle(services, fake, evt) == "duplicate"


def test_a_late_failure_of_an_earlier_try_does_not_fail_a_page_payment_now_processing(
    services, fake, demo
) -> None:
    sent = send_payment_link(
        services.uow(),
        services.clock,
        base_url="https://pay.example.test",
        ttl=timedelta(hours=72),
        customer_id=demo.customer_id,
        invoice_id=invoice(services, ELECTRICITY).id,
        requested_via=Channel.ALEXA,
    )
    started = start_link_payment(services.uow, fake, services.clock, token=sent.url.rsplit("/", 1)[1])
    reference = next(iter(fake.intents))
    first_try = intent_json(fake.finish(reference, succeed=False))  # the page's first confirmation failed
    fake.intents[reference].info = replace(fake.intents[reference].info, status="processing")  # retried

    handle(services, fake, event("payment_intent.processing", intent_json(fake.retrieve_payment(reference))))
    handle(services, fake, event("payment_intent.payment_failed", first_try))  # delivered late

    [attempt] = attempts(services, invoice(services, ELECTRICITY).id)
    assert (attempt.id, attempt.status) == (started.attempt_id, PaymentStatus.PROCESSING)
    assert "payment_failed" not in kinds(services, attempt.invoice_id)
