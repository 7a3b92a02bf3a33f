"""Provider money lands on an attempt only when its amount, currency and intent are the attempt's own."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from skill.domain.model import InvoiceStatus, MethodKind, PaymentStatus
from skill.payments.gateway import ChargeResult, PaymentInfo
from skill.services.biller_api.webhooks import register_webhook
from skill.services.payments.mandates import pay_with_mandate
from skill.services.payments.reconcile import reconcile_payments
from skill.services.payments.settlement import provider_metadata
from skill.services.payments.stripe_events import handle_stripe_event
from tests.support.fake_gateway import FakeGateway, FakeIntent, charge_json, event, intent_json
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

ELECTRICITY = "NWE-2026-11"  # Northwind Energy, EUR 94.30, partial payments from EUR 10.00


@pytest.fixture
def fake(demo) -> FakeGateway:  # type: ignore[no-untyped-def]
    gateway = FakeGateway()
    gateway.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    gateway.add_method(
        method_id="pm_sepa", kind=MethodKind.SEPA_DEBIT, customer=DEMO_CUSTOMER, behaviour="processing"
    )
    return gateway


@pytest.fixture
def review_hook(services) -> None:  # type: ignore[no-untyped-def]
    with services.uow() as uow:
        biller_id = uow.billers.by_slug("northwind-energy").id
    register_webhook(
        services.uow(),
        biller_id,
        "https://erp.example.test/hooks",
        ["payment.review_required"],
        services.clock,
        allow_insecure=False,
    )


def pay_50_by_sepa(services, fake, demo) -> str:  # type: ignore[no-untyped-def]
    """A EUR 50.00 SEPA debit in processing; returns its intent id."""
    method_id = add_method_row(
        services, demo.customer_id, "pm_sepa", kind=MethodKind.SEPA_DEBIT, last4="3000"
    )
    outcome = pay_with_mandate(
        services.uow,
        fake,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=invoice(services, ELECTRICITY).id,
        amount_minor=5000,
        payment_method_id=method_id,
        idempotency_key="sepa-50",
    )
    assert outcome.status == "processing"
    [reference] = fake.intents
    return reference


def stray_intent(fake: FakeGateway, metadata: dict[str, str], amount: int, currency: str) -> PaymentInfo:
    """A succeeded intent at the provider that carries our attempt's metadata but is not its payment."""
    info = PaymentInfo("pi_stray", "succeeded", amount, currency, metadata=dict(metadata))
    fake.intents["pi_stray"] = FakeIntent(info, "pi_stray_secret", "someone-else")
    return info


def metadata_of_attempt(services, attempt_id: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with services.uow() as uow:
        return provider_metadata(uow.attempts.get(attempt_id))


def handle(services, fake, evt: dict[str, Any]) -> str:  # type: ignore[no-untyped-def]
    return handle_stripe_event(services.uow, fake, services.clock, evt)


@pytest.mark.parametrize(
    ("amount", "currency"), [(1, "USD"), (5000, "USD"), (1, "EUR"), (9430, "EUR")], ids=str
)
def test_a_payment_of_another_amount_or_currency_flags_the_attempt_and_leaves_the_invoice(
    services, fake, demo, review_hook, amount, currency
) -> None:
    pay_50_by_sepa(services, fake, demo)
    bill = invoice(services, ELECTRICITY)
    [attempt] = attempts(services, bill.id)
    stray = stray_intent(fake, metadata_of_attempt(services, attempt.id), amount, currency)

    assert handle(services, fake, event("payment_intent.succeeded", intent_json(stray))) == "processed"

    after = invoice(services, ELECTRICITY)
    assert (after.status, after.amount_paid_minor, after.refund_due_minor) == (InvoiceStatus.OPEN, 0, 0)
    [flagged] = attempts(services, bill.id)
    assert (flagged.status, flagged.failure_reason) == (PaymentStatus.NEEDS_REVIEW, "amount_mismatch")
    assert flagged.provider_reference != "pi_stray" and flagged.applied_at is None
    review = timeline(services, bill.id)[-1]
    assert (review.kind, review.data["provider_amount_minor"], review.data["provider_currency"]) == (
        "payment_review",
        amount,
        currency,
    )
    [hook] = outbox(services, "webhook")
    body = json.loads(hook.payload["body"])
    assert (body["type"], body["data"]["reason"], body["data"]["payment_id"]) == (
        "payment.review_required",
        "amount_mismatch",
        attempt.id,
    )
    assert outbox(services, "receipt") == []


def test_the_attempts_own_payment_still_settles_after_a_stray_one_was_flagged(services, fake, demo) -> None:
    reference = pay_50_by_sepa(services, fake, demo)
    [attempt] = attempts(services, invoice(services, ELECTRICITY).id)
    stray = stray_intent(fake, metadata_of_attempt(services, attempt.id), 1, "USD")
    handle(services, fake, event("payment_intent.succeeded", intent_json(stray)))

    handle(services, fake, event("payment_intent.succeeded", intent_json(fake.finish(reference))))

    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.PARTIALLY_PAID, 5000)
    assert attempts(services, bill.id)[0].status is PaymentStatus.SUCCEEDED


def test_another_intent_with_the_right_amount_does_not_settle_an_attempt_that_has_its_own(
    services, fake, demo
) -> None:
    pay_50_by_sepa(services, fake, demo)  # the attempt stored its own intent id
    [attempt] = attempts(services, invoice(services, ELECTRICITY).id)
    stray = stray_intent(fake, metadata_of_attempt(services, attempt.id), 5000, "EUR")

    handle(services, fake, event("payment_intent.succeeded", intent_json(stray)))

    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.OPEN, 0)
    [flagged] = attempts(services, bill.id)
    assert (flagged.status, flagged.failure_reason) == (PaymentStatus.NEEDS_REVIEW, "reference_mismatch")


def test_a_failure_of_another_intent_does_not_fail_the_attempt(services, fake, demo) -> None:
    pay_50_by_sepa(services, fake, demo)
    [attempt] = attempts(services, invoice(services, ELECTRICITY).id)
    stray = stray_intent(fake, metadata_of_attempt(services, attempt.id), 5000, "EUR")
    fake.intents["pi_stray"].info = replace(stray, status="failed", failure_code="card_declined")

    handle(services, fake, event("payment_intent.payment_failed", intent_json(fake.intents["pi_stray"].info)))

    assert attempts(services, attempt.invoice_id)[0].status is PaymentStatus.PROCESSING


def test_reconcile_flags_an_intent_found_by_metadata_with_another_amount(services, fake, demo, clock) -> None:
    fake.charge_then_unreachable = True  # the charge happened, its answer (and intent id) was lost
    pay_with_mandate(
        services.uow,
        fake,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=invoice(services, ELECTRICITY).id,
        amount_minor=9430,
        payment_method_id=default_method_id(services, demo.customer_id),
        idempotency_key="turn-1",
    )
    fake.charge_then_unreachable = False
    [intent] = fake.intents.values()
    intent.info = replace(intent.info, amount_minor=1, currency="USD")  # what the provider holds
    clock.advance(minutes=16)

    report = reconcile_payments(services.uow, fake, services.clock, older_than=timedelta(minutes=15))

    assert (report.checked, report.settled, report.needs_review) == (1, 0, 1)
    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.OPEN, 0)
    assert attempts(services, bill.id)[0].status is PaymentStatus.NEEDS_REVIEW
    assert "payment_review" in kinds(services, bill.id)


class _MisreportingGateway(FakeGateway):
    """Answers a charge as succeeded for another amount than asked (a provider bug or a tampered proxy)."""

    def charge_off_session(self, **kwargs: Any) -> ChargeResult:
        result = super().charge_off_session(**kwargs)
        return replace(result, amount_minor=1, currency="USD")


def test_a_voice_charge_answered_with_another_amount_is_not_settled(services, demo) -> None:
    gateway = _MisreportingGateway()
    gateway.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)

    outcome = pay_with_mandate(
        services.uow,
        gateway,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=invoice(services, ELECTRICITY).id,
        amount_minor=9430,
        payment_method_id=default_method_id(services, demo.customer_id),
        idempotency_key="turn-1",
    )

    assert outcome.status == "processing"  # not paid as far as we know, not declined either
    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.OPEN, 0)
    assert attempts(services, bill.id)[0].status is PaymentStatus.NEEDS_REVIEW


def test_a_refund_is_applied_as_the_provider_reports_it_not_as_the_event_claims(services, fake, demo) -> None:
    reference = pay_50_by_sepa(services, fake, demo)
    handle(services, fake, event("payment_intent.succeeded", intent_json(fake.finish(reference))))
    charge = charge_json(fake.refund_outside(reference, 1000))

    handle(services, fake, event("charge.refunded", {**charge, "amount_refunded": 5000}))

    bill = invoice(services, ELECTRICITY)
    assert bill.amount_paid_minor == 4000
    assert attempts(services, bill.id)[0].refunded_minor == 1000


def test_a_refund_event_for_a_charge_the_provider_does_not_know_is_ignored(services, fake, demo) -> None:
    reference = pay_50_by_sepa(services, fake, demo)
    handle(services, fake, event("payment_intent.succeeded", intent_json(fake.finish(reference))))
    forged = {**charge_json(fake.intents[reference].info), "id": "ch_unknown", "amount_refunded": 5000}

    assert handle(services, fake, event("charge.refunded", forged)) == "ignored"

    assert invoice(services, ELECTRICITY).amount_paid_minor == 5000
