"""Writing money on a real store: invoices, payments, provider settlements, refunds and voids.

Every refusal is checked against a snapshot of the whole database: a refused call writes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.errors import (
    CurrencyMismatch,
    IllegalTransition,
    InvalidAmount,
    InvalidInput,
    NotFound,
    UnknownCurrency,
)
from skill.domain.model import BillType, Channel, InvoiceStatus, PaymentStatus
from skill.services.billing import ledger
from skill.services.billing.bills import bill_timeline, list_outstanding
from skill.services.identity import directory
from skill.storage import models as m
from tests.support.store import add_pending_attempt, invoice_id, nothing_written, timeline_kinds


def _invoice(services: Services, number: str) -> m.Invoice:
    with services.uow() as uow:
        row = uow.invoices.get(invoice_id(services.uow(), number))
        assert row is not None
        uow.session.expunge(row)
        return row


def _state(services: Services, number: str) -> tuple[InvoiceStatus, int, int]:
    row = _invoice(services, number)
    return InvoiceStatus(row.status), row.amount_paid_minor, row.refund_due_minor


def _attempt(services: Services, attempt_id: int) -> m.PaymentAttempt:
    with services.uow() as uow:
        row = uow.attempts.get(attempt_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def _account_at(services: Services, biller_slug: str) -> int:
    """The demo customer's account id at a biller."""
    with services.uow() as uow:
        biller = uow.billers.by_slug(biller_slug)
        customer = uow.customers.by_email("alex@example.com")
        assert biller is not None and customer is not None
        account = uow.customers.account(customer.id, biller.id)
        assert account is not None
        return account.id


@pytest.fixture
def new_bill(services: Services, demo: DemoSummary) -> ledger.NewInvoice:
    """A valid new water bill for the demo customer; tests vary one field at a time."""
    account_id = _account_at(services, "aqua-pura")
    with services.uow() as uow:
        water = uow.billers.by_slug("aqua-pura")
        assert water is not None
        biller_id = water.id
    today = services.clock.today()
    return ledger.NewInvoice(
        biller_id=biller_id,
        account_id=account_id,
        number="AQP-2026-Q4",
        bill_type=BillType.WATER,
        issue_date=today,
        due_date=today + timedelta(days=30),
        amount_due_minor=5120,
        currency="EUR",
        description="Water, fourth quarter",
        line_items=({"description": "Water", "amount_minor": 5120},),
    )


def test_create_invoice_stores_an_open_invoice_with_its_created_entry(
    services: Services, new_bill: ledger.NewInvoice
) -> None:
    new_id = ledger.create_invoice(services.uow(), new_bill, services.clock)
    row = _invoice(services, "AQP-2026-Q4")
    assert row.id == new_id
    assert (row.status, row.amount_due_minor, row.amount_paid_minor, row.refund_due_minor, row.currency) == (
        InvoiceStatus.OPEN,
        5120,
        0,
        0,
        "EUR",
    )
    assert row.line_items == [{"description": "Water", "amount_minor": 5120}]
    timeline = bill_timeline(services.uow(), new_id)
    assert [(e.kind, e.at, e.data) for e in timeline] == [
        ("created", services.clock.now(), {"amount_minor": 5120})
    ]


def test_create_invoice_normalises_currency_and_number(
    services: Services, new_bill: ledger.NewInvoice
) -> None:
    new_id = ledger.create_invoice(
        services.uow(), replace(new_bill, currency="eur", number=" AQP-X "), services.clock
    )
    row = _invoice(services, "AQP-X")
    assert (row.id, row.currency) == (new_id, "EUR")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        pytest.param({"currency": "EURO"}, UnknownCurrency, id="unknown-currency"),
        pytest.param({"currency": "XXX"}, UnknownCurrency, id="no-currency-code"),
        pytest.param({"amount_due_minor": 0}, InvalidAmount, id="zero-amount"),
        pytest.param({"amount_due_minor": -5120}, InvalidAmount, id="negative-amount"),
        pytest.param({"amount_due_minor": 51.2}, InvalidAmount, id="float-amount"),
        pytest.param({"amount_due_minor": Decimal("5120")}, InvalidAmount, id="decimal-amount"),
        pytest.param({"amount_due_minor": True}, InvalidAmount, id="bool-amount"),
        pytest.param({"line_items": ({"amount_minor": 51.2},)}, InvalidAmount, id="float-line-item"),
        pytest.param({"due_date_days": -1}, InvalidInput, id="due-before-issue"),
        pytest.param({"number": "AQP-2026-Q3"}, InvalidInput, id="duplicate-number"),
        pytest.param({"number": " AQP-2026-Q3 "}, InvalidInput, id="duplicate-number-with-spaces"),
        pytest.param({"number": "   "}, InvalidInput, id="blank-number"),
        pytest.param({"foreign_account": True}, NotFound, id="another-billers-account"),
        pytest.param({"account_id": 999_999}, NotFound, id="unknown-account"),
    ],
)
def test_create_invoice_refuses_bad_input_and_writes_nothing(
    services: Services, new_bill: ledger.NewInvoice, change: dict[str, object], error: type[Exception]
) -> None:
    fields = dict(change)
    if fields.pop("due_date_days", None) is not None:
        fields["due_date"] = new_bill.issue_date - timedelta(days=1)
    if fields.pop("foreign_account", None):
        # The demo customer's own account, but at Lumen Mobile: not an account of this (water) biller.
        fields["account_id"] = _account_at(services, "lumen-mobile")
    bad = replace(new_bill, **fields)  # type: ignore[arg-type]
    with nothing_written(services.engine), pytest.raises(error):
        ledger.create_invoice(services.uow(), bad, services.clock)


def test_a_full_payment_settles_the_bill(services: Services, demo: DemoSummary) -> None:
    water = invoice_id(services.uow(), "AQP-2026-Q3")
    result = ledger.record_payment(
        services.uow(),
        water,
        4560,
        "EUR",
        idempotency_key="pay-water",
        clock=services.clock,
        method="bank_transfer",
    )
    assert (result.status, result.amount_paid_minor, result.overpaid_minor, result.newly_applied) == (
        InvoiceStatus.PAID,
        4560,
        0,
        True,
    )
    assert _state(services, "AQP-2026-Q3") == (InvoiceStatus.PAID, 4560, 0)
    attempt = _attempt(services, result.attempt_id)
    assert (attempt.status, attempt.applied_at, attempt.method, attempt.channel) == (
        PaymentStatus.SUCCEEDED,
        services.clock.now(),
        "bank_transfer",
        Channel.API,
    )
    assert timeline_kinds(services.uow(), water) == ["created", "paid"]


def test_partial_payments_add_up_to_paid(services: Services, demo: DemoSummary) -> None:
    electricity = invoice_id(services.uow(), "NWE-2026-11")
    first = ledger.record_payment(
        services.uow(), electricity, 1000, "EUR", idempotency_key="p1", clock=services.clock
    )
    assert (first.status, first.amount_paid_minor) == (InvoiceStatus.PARTIALLY_PAID, 1000)
    second = ledger.record_payment(
        services.uow(), electricity, 8430, "EUR", idempotency_key="p2", clock=services.clock
    )
    assert (second.status, second.amount_paid_minor) == (InvoiceStatus.PAID, 9430)
    assert timeline_kinds(services.uow(), electricity) == ["created", "partially_paid", "paid"]


def test_replaying_a_payment_with_its_key_applies_it_once(services: Services, demo: DemoSummary) -> None:
    electricity = invoice_id(services.uow(), "NWE-2026-11")
    first = ledger.record_payment(
        services.uow(), electricity, 1000, "eur", idempotency_key="k", clock=services.clock
    )
    with nothing_written(services.engine):
        replay = ledger.record_payment(
            services.uow(), electricity, 1000, "EUR", idempotency_key="k", clock=services.clock
        )
    assert replay.attempt_id == first.attempt_id
    assert (replay.newly_applied, replay.amount_paid_minor, replay.status) == (
        False,
        1000,
        InvoiceStatus.PARTIALLY_PAID,
    )


@pytest.mark.parametrize(
    ("amount", "currency", "number"),
    [
        pytest.param(2000, "EUR", "NWE-2026-11", id="other-amount"),
        pytest.param(1000, "EUR", "LUM-2026-11", id="other-invoice"),
        pytest.param(1000, "SEK", "NWE-2026-11", id="other-currency"),
    ],
)
def test_reusing_a_key_for_a_different_payment_is_refused_and_writes_nothing(
    services: Services, demo: DemoSummary, amount: int, currency: str, number: str
) -> None:
    electricity = invoice_id(services.uow(), "NWE-2026-11")
    ledger.record_payment(services.uow(), electricity, 1000, "EUR", idempotency_key="k", clock=services.clock)
    target = invoice_id(services.uow(), number)
    with nothing_written(services.engine), pytest.raises(InvalidInput, match="idempotency key"):
        ledger.record_payment(
            services.uow(), target, amount, currency, idempotency_key="k", clock=services.clock
        )


@pytest.mark.parametrize(
    ("amount", "currency", "key", "error"),
    [
        pytest.param(4560, "SEK", "k", CurrencyMismatch, id="wrong-currency"),
        pytest.param(4560, "EURO", "k", UnknownCurrency, id="unknown-currency"),
        pytest.param(0, "EUR", "k", InvalidAmount, id="zero"),
        pytest.param(-100, "EUR", "k", InvalidAmount, id="negative"),
        pytest.param(45.6, "EUR", "k", InvalidAmount, id="float"),
        pytest.param(Decimal(4560), "EUR", "k", InvalidAmount, id="decimal"),
        pytest.param(4560, "EUR", "", InvalidInput, id="no-key"),
    ],
)
def test_a_bad_payment_is_refused_and_writes_nothing(
    services: Services, demo: DemoSummary, amount: Any, currency: str, key: str, error: type[Exception]
) -> None:
    water = invoice_id(services.uow(), "AQP-2026-Q3")
    with nothing_written(services.engine), pytest.raises(error):
        ledger.record_payment(
            services.uow(), water, amount, currency, idempotency_key=key, clock=services.clock
        )


def test_a_currency_mismatch_names_both_currencies(services: Services, demo: DemoSummary) -> None:
    water = invoice_id(services.uow(), "AQP-2026-Q3")
    with pytest.raises(CurrencyMismatch) as refused:
        ledger.record_payment(services.uow(), water, 4560, "sek", idempotency_key="k", clock=services.clock)
    assert refused.value.details == {"expected": "EUR", "got": "SEK"}


def test_a_payment_for_an_unknown_invoice_is_not_found_and_writes_nothing(
    services: Services, demo: DemoSummary
) -> None:
    with nothing_written(services.engine), pytest.raises(NotFound):
        ledger.record_payment(services.uow(), 999_999, 100, "EUR", idempotency_key="k", clock=services.clock)


def test_recording_a_payment_on_a_paid_bill_is_illegal_and_writes_nothing(
    services: Services, demo: DemoSummary
) -> None:
    paid = invoice_id(services.uow(), "NWE-2026-10")
    with nothing_written(services.engine), pytest.raises(IllegalTransition):
        ledger.record_payment(services.uow(), paid, 100, "EUR", idempotency_key="k", clock=services.clock)


def test_recording_a_payment_on_a_void_bill_is_illegal_and_writes_nothing(
    services: Services, demo: DemoSummary
) -> None:
    water = invoice_id(services.uow(), "AQP-2026-Q3")
    ledger.void_bill(services.uow(), water, services.clock)
    with nothing_written(services.engine), pytest.raises(IllegalTransition):
        ledger.record_payment(services.uow(), water, 4560, "EUR", idempotency_key="k", clock=services.clock)


def test_an_overpayment_settles_the_bill_and_records_a_refund_due(
    services: Services, demo: DemoSummary
) -> None:
    water = invoice_id(services.uow(), "AQP-2026-Q3")
    result = ledger.record_payment(
        services.uow(), water, 5000, "EUR", idempotency_key="k", clock=services.clock
    )
    assert (result.status, result.amount_paid_minor, result.overpaid_minor) == (InvoiceStatus.PAID, 4560, 440)
    assert _state(services, "AQP-2026-Q3") == (InvoiceStatus.PAID, 4560, 440)
    timeline = bill_timeline(services.uow(), water)
    assert [e.kind for e in timeline] == ["created", "paid", "overpaid"]
    assert timeline[-1].data["refund_due_minor"] == 440


def test_settling_an_attempt_applies_its_money_once(services: Services, demo: DemoSummary) -> None:
    electricity = invoice_id(services.uow(), "NWE-2026-11")
    attempt = add_pending_attempt(services.uow(), electricity, 9430, services.clock, key="a1")
    first = ledger.settle_attempt(services.uow(), attempt, services.clock)
    assert (first.status, first.amount_paid_minor, first.newly_applied) == (InvoiceStatus.PAID, 9430, True)
    with nothing_written(services.engine):
        second = ledger.settle_attempt(services.uow(), attempt, services.clock)
    assert (second.status, second.amount_paid_minor, second.newly_applied) == (
        InvoiceStatus.PAID,
        9430,
        False,
    )
    assert _state(services, "NWE-2026-11") == (InvoiceStatus.PAID, 9430, 0)
    assert timeline_kinds(services.uow(), electricity) == ["created", "paid"]
    assert _attempt(services, attempt).status == PaymentStatus.SUCCEEDED


def test_settling_an_unknown_attempt_is_not_found_and_writes_nothing(
    services: Services, demo: DemoSummary
) -> None:
    with nothing_written(services.engine), pytest.raises(NotFound):
        ledger.settle_attempt(services.uow(), 999_999, services.clock)


def test_provider_money_beyond_what_is_due_becomes_refund_due(services: Services, demo: DemoSummary) -> None:
    phone = invoice_id(services.uow(), "LUM-2026-11")  # EUR 150.00, 30.00 paid
    attempt = add_pending_attempt(services.uow(), phone, 15000, services.clock, key="a1")
    result = ledger.settle_attempt(services.uow(), attempt, services.clock)
    assert (result.status, result.amount_paid_minor, result.overpaid_minor) == (
        InvoiceStatus.PAID,
        15000,
        3000,
    )
    assert _state(services, "LUM-2026-11") == (InvoiceStatus.PAID, 15000, 3000)
    assert timeline_kinds(services.uow(), phone) == ["created", "partially_paid", "paid", "overpaid"]


@pytest.mark.parametrize("void", [False, True], ids=["paid", "void"])
def test_provider_money_for_a_paid_or_void_bill_is_all_refund_due(
    services: Services, demo: DemoSummary, void: bool
) -> None:
    number = "AQP-2026-Q3" if void else "NWE-2026-10"
    bill = invoice_id(services.uow(), number)
    if void:
        ledger.void_bill(services.uow(), bill, services.clock)
    status, paid, _ = _state(services, number)
    attempt = add_pending_attempt(services.uow(), bill, 2500, services.clock, key="late")
    result = ledger.settle_attempt(services.uow(), attempt, services.clock)
    assert (result.status, result.overpaid_minor) == (status, 2500)
    assert _state(services, number) == (status, paid, 2500)
    assert timeline_kinds(services.uow(), bill)[-1] == "overpaid"
    assert timeline_kinds(services.uow(), bill).count("paid") == (0 if void else 1)


def test_a_refund_reopens_the_balance(services: Services, demo: DemoSummary) -> None:
    electricity = invoice_id(services.uow(), "NWE-2026-11")
    attempt = add_pending_attempt(services.uow(), electricity, 9430, services.clock, key="a1")
    ledger.settle_attempt(services.uow(), attempt, services.clock)
    assert ledger.apply_refund(services.uow(), attempt, 3000, services.clock, reason="goodwill") == 3000
    assert _state(services, "NWE-2026-11") == (InvoiceStatus.PARTIALLY_PAID, 6430, 0)
    outstanding = list_outstanding(services.uow(), demo.customer_id, services.clock)
    assert next(b for b in outstanding.bills if b.id == electricity).remaining_minor == 3000
    timeline = bill_timeline(services.uow(), electricity)
    assert (timeline[-1].kind, timeline[-1].data) == (
        "refunded",
        {"attempt_id": attempt, "amount_minor": 3000, "reason": "goodwill"},
    )
    assert _attempt(services, attempt).status == PaymentStatus.SUCCEEDED


def test_a_refund_total_is_applied_once_and_a_full_refund_reopens_the_whole_bill(
    services: Services, demo: DemoSummary
) -> None:
    electricity = invoice_id(services.uow(), "NWE-2026-11")
    attempt = add_pending_attempt(services.uow(), electricity, 9430, services.clock, key="a1")
    ledger.settle_attempt(services.uow(), attempt, services.clock)
    ledger.apply_refund(services.uow(), attempt, 3000, services.clock)
    with nothing_written(services.engine):
        assert ledger.apply_refund(services.uow(), attempt, 3000, services.clock) == 0
    assert (
        ledger.apply_refund(services.uow(), attempt, 20000, services.clock) == 6430
    )  # capped at the attempt
    assert _state(services, "NWE-2026-11") == (InvoiceStatus.OPEN, 0, 0)
    refunded = _attempt(services, attempt)
    assert (refunded.status, refunded.refunded_minor) == (PaymentStatus.REFUNDED, 9430)


def test_a_refund_first_pays_back_what_was_overpaid(services: Services, demo: DemoSummary) -> None:
    water = invoice_id(services.uow(), "AQP-2026-Q3")
    attempt = add_pending_attempt(services.uow(), water, 5000, services.clock, key="a1")
    ledger.settle_attempt(services.uow(), attempt, services.clock)
    assert _state(services, "AQP-2026-Q3") == (InvoiceStatus.PAID, 4560, 440)
    assert ledger.apply_refund(services.uow(), attempt, 440, services.clock) == 440
    assert _state(services, "AQP-2026-Q3") == (InvoiceStatus.PAID, 4560, 0)


def test_a_refund_of_money_never_applied_changes_nothing(services: Services, demo: DemoSummary) -> None:
    electricity = invoice_id(services.uow(), "NWE-2026-11")
    attempt = add_pending_attempt(services.uow(), electricity, 9430, services.clock, key="a1")
    with nothing_written(services.engine):
        assert ledger.apply_refund(services.uow(), attempt, 9430, services.clock) == 0


@pytest.mark.parametrize(
    ("attempt_exists", "amount", "error"),
    [(False, 100, NotFound), (True, 0, InvalidAmount), (True, 1.5, InvalidAmount)],
    ids=["unknown-attempt", "zero", "float"],
)
def test_a_bad_refund_is_refused_and_writes_nothing(
    services: Services, demo: DemoSummary, attempt_exists: bool, amount: Any, error: type[Exception]
) -> None:
    electricity = invoice_id(services.uow(), "NWE-2026-11")
    attempt = add_pending_attempt(services.uow(), electricity, 9430, services.clock, key="a1")
    ledger.settle_attempt(services.uow(), attempt, services.clock)
    with nothing_written(services.engine), pytest.raises(error):
        ledger.apply_refund(services.uow(), attempt if attempt_exists else 999_999, amount, services.clock)


def test_voiding_an_unpaid_bill_removes_it_from_the_outstanding_list(
    services: Services, demo: DemoSummary
) -> None:
    water = invoice_id(services.uow(), "AQP-2026-Q3")
    ledger.void_bill(services.uow(), water, services.clock, reason="sent in error")
    assert _state(services, "AQP-2026-Q3") == (InvoiceStatus.VOID, 0, 0)
    assert timeline_kinds(services.uow(), water) == ["created", "voided"]
    outstanding = list_outstanding(services.uow(), demo.customer_id, services.clock)
    assert water not in [b.id for b in outstanding.bills]


@pytest.mark.parametrize(
    ("number", "void_first"),
    [("LUM-2026-11", False), ("NWE-2026-10", False), ("AQP-2026-Q3", True)],
    ids=["partially-paid", "paid", "already-void"],
)
def test_voiding_a_bill_with_payments_or_already_void_is_illegal_and_writes_nothing(
    services: Services, demo: DemoSummary, number: str, void_first: bool
) -> None:
    bill = invoice_id(services.uow(), number)
    if void_first:
        ledger.void_bill(services.uow(), bill, services.clock)
    with nothing_written(services.engine), pytest.raises(IllegalTransition):
        ledger.void_bill(services.uow(), bill, services.clock)


def test_voiding_an_unknown_bill_is_not_found_and_writes_nothing(
    services: Services, demo: DemoSummary
) -> None:
    with nothing_written(services.engine), pytest.raises(NotFound):
        ledger.void_bill(services.uow(), 999_999, services.clock)


def test_a_bill_refunded_to_zero_can_be_voided(services: Services, demo: DemoSummary) -> None:
    electricity = invoice_id(services.uow(), "NWE-2026-11")
    attempt = add_pending_attempt(services.uow(), electricity, 9430, services.clock, key="a1")
    ledger.settle_attempt(services.uow(), attempt, services.clock)
    ledger.apply_refund(services.uow(), attempt, 9430, services.clock)
    ledger.void_bill(services.uow(), electricity, services.clock)
    assert _state(services, "NWE-2026-11") == (InvoiceStatus.VOID, 0, 0)


def test_a_second_customer_account_gets_its_own_invoices(
    services: Services, new_bill: ledger.NewInvoice
) -> None:
    other = directory.upsert_customer(
        services.uow(),
        directory.CustomerData(
            name="Sam Other", email="sam@example.com", accounts={new_bill.biller_id: "AQP-2"}
        ),
        services.clock,
    )
    account = directory.account_id(services.uow(), other, new_bill.biller_id)
    created = ledger.create_invoice(services.uow(), replace(new_bill, account_id=account), services.clock)
    assert list_outstanding(services.uow(), other, services.clock).bills[0].id == created


def test_a_number_taken_between_check_and_insert_is_a_duplicate_not_a_crash(
    services: Services, new_bill: ledger.NewInvoice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests racing for one invoice number: the loser gets the same answer as a sequential second."""
    ledger.create_invoice(services.uow(), new_bill, services.clock)
    from skill.storage.api_repositories import BillerInvoiceRepository

    monkeypatch.setattr(BillerInvoiceRepository, "existing_numbers", lambda self, biller_id, numbers: set())
    with pytest.raises(ledger.DuplicateInvoiceNumber):
        ledger.create_invoice(services.uow(), new_bill, services.clock)
