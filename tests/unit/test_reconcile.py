"""reconcile_payments with the fake gateway: crashes, lost answers, abandoned pages, unrefunded excess."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from skill.cli import reconcile_summary
from skill.domain.model import Channel, InvoiceStatus, PaymentStatus
from skill.services.links.payment_links import send_payment_link
from skill.services.payments.link_payments import start_link_payment
from skill.services.payments.mandates import pay_with_mandate
from skill.services.payments.reconcile import reconcile_payments
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import (
    DEMO_CARD,
    DEMO_CUSTOMER,
    CommitFailsAfter,
    attempts,
    default_method_id,
    invoice,
)

ELECTRICITY = "NWE-2026-11"


@pytest.fixture
def fake(demo) -> FakeGateway:  # type: ignore[no-untyped-def]
    gateway = FakeGateway()
    gateway.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    return gateway


def pay(services, fake, demo, uow_factory=None):  # type: ignore[no-untyped-def]
    return pay_with_mandate(
        uow_factory or services.uow,
        fake,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=invoice(services, ELECTRICITY).id,
        amount_minor=9430,
        payment_method_id=default_method_id(services, demo.customer_id),
        idempotency_key="turn-1",
    )


def reconcile(services, fake):  # type: ignore[no-untyped-def]
    return reconcile_payments(services.uow, fake, services.clock, older_than=timedelta(minutes=15))


def test_a_crash_after_the_charge_is_resolved_to_the_providers_truth(services, fake, demo, clock) -> None:
    crashing = CommitFailsAfter(services.uow, fail_on=2)  # 1: the attempt, 2: recording the charge
    with pytest.raises(ConnectionError):
        pay(services, fake, demo, crashing)
    [attempt] = attempts(services, invoice(services, ELECTRICITY).id)
    assert (attempt.status, attempt.provider_reference) == (PaymentStatus.PENDING, None)
    assert len(fake.charged) == 1

    assert reconcile(services, fake).checked == 0  # too recent: the request may still be running
    clock.advance(minutes=16)
    report = reconcile(services, fake)

    assert (report.checked, report.settled) == (1, 1)
    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.PAID, 9430)
    assert attempts(services, bill.id)[0].provider_reference in fake.intents
    assert pay(services, fake, demo).status == "succeeded"  # the retried turn answers from the store
    assert len(fake.intents) == 1


def test_an_attempt_that_never_reached_the_provider_fails(services, fake, demo, clock) -> None:
    fake.unreachable = True
    pay(services, fake, demo)
    fake.unreachable = False
    clock.advance(minutes=16)

    report = reconcile(services, fake)

    assert (report.checked, report.failed) == (1, 1)
    [attempt] = attempts(services, invoice(services, ELECTRICITY).id)
    assert (attempt.status, attempt.failure_reason) == (PaymentStatus.FAILED, "not_submitted")


def test_a_lost_answer_is_found_by_the_key_in_the_intents_metadata(services, fake, demo, clock) -> None:
    fake.charge_then_unreachable = True
    assert pay(services, fake, demo).status == "processing"
    fake.charge_then_unreachable = False
    clock.advance(minutes=16)

    assert reconcile(services, fake).settled == 1
    assert invoice(services, ELECTRICITY).status is InvoiceStatus.PAID


def test_an_abandoned_link_page_is_canceled_so_it_cannot_take_money_later(
    services, fake, demo, clock
) -> None:
    sent = send_payment_link(
        services.uow(),
        services.clock,
        base_url="https://pay.example.test",
        ttl=timedelta(hours=72),
        customer_id=demo.customer_id,
        invoice_id=invoice(services, ELECTRICITY).id,
        requested_via=Channel.SMS,
    )
    start_link_payment(services.uow, fake, services.clock, token=sent.url.rsplit("/", 1)[1])
    clock.advance(minutes=16)

    assert reconcile(services, fake).failed == 1
    [attempt] = attempts(services, invoice(services, ELECTRICITY).id)
    assert (attempt.status, attempt.failure_reason) == (PaymentStatus.FAILED, "canceled")
    assert [i.info.status for i in fake.intents.values()] == ["canceled"]


def test_excess_that_could_not_be_refunded_is_refunded_by_reconcile(services, fake, demo) -> None:
    pay(services, fake, demo)
    bill = invoice(services, ELECTRICITY)
    with services.uow() as uow:  # as if the refund call had failed after an overpayment was recorded
        uow.invoices.get(bill.id).refund_due_minor = 1000
        uow.commit()

    report = reconcile(services, fake)

    assert report.excess_refunded_minor == 1000
    assert invoice(services, ELECTRICITY).refund_due_minor == 0
    assert reconcile(services, fake).excess_refunded_minor == 0


def test_a_found_intent_for_another_amount_is_flagged_and_counted_in_the_summary(
    services, fake, demo, clock
) -> None:
    fake.charge_then_unreachable = True
    pay(services, fake, demo)
    fake.charge_then_unreachable = False
    [intent] = fake.intents.values()
    intent.info = replace(intent.info, status="succeeded", amount_minor=1)  # took 0.01, not 94.30
    clock.advance(minutes=16)

    report = reconcile(services, fake)

    assert (report.checked, report.settled, report.needs_review) == (1, 0, 1)
    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.OPEN, 0)
    assert [a.status for a in attempts(services, bill.id)] == [PaymentStatus.NEEDS_REVIEW]
    assert reconcile_summary(report) == (
        "reconcile: 1 checked, 0 settled, 0 failed, 0 still in flight, 0 unreachable, 1 flagged for review; "
        "0 minor units of excess refunded"
    )
    assert reconcile(services, fake).checked == 0  # a flagged attempt waits for a person, not for reconcile
