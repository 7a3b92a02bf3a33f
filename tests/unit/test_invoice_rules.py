"""Invoice state rules in the domain: settling, refunds, voids, disputes and the derived overdue flag."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from skill.domain.clock import FixedClock
from skill.domain.errors import IllegalTransition, InvalidAmount, PartialPaymentNotAllowed
from skill.domain.model import (
    InvoiceStatus,
    Settlement,
    check_can_record,
    check_dispute,
    check_payable_amount,
    check_void,
    is_overdue,
    reverse,
    settle,
    status_for,
)

OPEN, PARTIAL, PAID, VOID, DISPUTED = (
    InvoiceStatus.OPEN,
    InvoiceStatus.PARTIALLY_PAID,
    InvoiceStatus.PAID,
    InvoiceStatus.VOID,
    InvoiceStatus.DISPUTED,
)


def test_full_payment_settles_the_invoice() -> None:
    assert settle(status=OPEN, amount_due_minor=9430, amount_paid_minor=0, payment_minor=9430) == Settlement(
        9430, PAID, 0
    )


def test_partial_payment_leaves_the_invoice_partially_paid() -> None:
    assert settle(status=OPEN, amount_due_minor=15000, amount_paid_minor=0, payment_minor=3000) == Settlement(
        3000, PARTIAL, 0
    )


def test_payment_of_the_remainder_settles_a_partially_paid_invoice() -> None:
    outcome = settle(status=PARTIAL, amount_due_minor=15000, amount_paid_minor=3000, payment_minor=12000)
    assert outcome == Settlement(15000, PAID, 0)


def test_overpayment_caps_what_is_paid_and_keeps_the_rest_as_refund_due() -> None:
    outcome = settle(status=PARTIAL, amount_due_minor=15000, amount_paid_minor=3000, payment_minor=20000)
    assert outcome == Settlement(15000, PAID, 8000)


@pytest.mark.parametrize("status", [PAID, VOID])
def test_money_arriving_for_a_paid_or_void_invoice_is_all_refund_due(status: InvoiceStatus) -> None:
    paid = 9430 if status is PAID else 0
    outcome = settle(status=status, amount_due_minor=9430, amount_paid_minor=paid, payment_minor=500)
    assert outcome == Settlement(paid, status, 500)


def test_payment_on_a_disputed_invoice_is_applied_but_the_dispute_stays() -> None:
    outcome = settle(status=DISPUTED, amount_due_minor=9430, amount_paid_minor=0, payment_minor=9430)
    assert outcome == Settlement(9430, DISPUTED, 0)


def test_settle_accepts_status_as_a_string() -> None:
    outcome = settle(status="open", amount_due_minor=100, amount_paid_minor=0, payment_minor=100)
    assert outcome.status is PAID


@pytest.mark.parametrize("payment", [0, -100, 12.5, True])
def test_settle_refuses_a_payment_that_is_not_positive_integer_minor_units(payment: object) -> None:
    with pytest.raises(InvalidAmount):
        settle(status=OPEN, amount_due_minor=100, amount_paid_minor=0, payment_minor=payment)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("due", "paid", "expected"), [(100, 0, OPEN), (100, 1, PARTIAL), (100, 99, PARTIAL), (100, 100, PAID)]
)
def test_status_follows_what_is_paid(due: int, paid: int, expected: InvoiceStatus) -> None:
    assert status_for(due, paid) is expected


@pytest.mark.parametrize("status", [OPEN, PARTIAL])
def test_recording_a_payment_is_allowed_on_an_outstanding_invoice(status: InvoiceStatus) -> None:
    check_can_record(status)


@pytest.mark.parametrize("status", [PAID, VOID, DISPUTED])
def test_recording_a_payment_on_a_settled_void_or_disputed_invoice_is_illegal(status: InvoiceStatus) -> None:
    with pytest.raises(IllegalTransition):
        check_can_record(status)


def _payable(status: InvoiceStatus = OPEN, **overrides: object) -> int:
    args: dict[str, object] = {
        "status": status,
        "amount_due_minor": 15000,
        "amount_paid_minor": 3000,
        "requested_minor": 12000,
        "partial_allowed": True,
        "partial_min_minor": 500,
        **overrides,
    }
    return check_payable_amount(**args)  # type: ignore[arg-type]


def test_paying_exactly_the_remainder_is_allowed() -> None:
    assert _payable(PARTIAL) == 12000


def test_a_partial_amount_at_the_biller_minimum_is_allowed() -> None:
    assert _payable(PARTIAL, requested_minor=500) == 500


def test_more_than_what_is_still_due_is_refused() -> None:
    with pytest.raises(InvalidAmount) as refused:
        _payable(PARTIAL, requested_minor=12001)
    assert refused.value.details == {"requested": 12001, "remaining": 12000}


def test_a_partial_amount_is_refused_when_the_biller_does_not_accept_partials() -> None:
    with pytest.raises(PartialPaymentNotAllowed):
        _payable(requested_minor=6000, partial_allowed=False)


def test_a_partial_amount_below_the_biller_minimum_is_refused() -> None:
    with pytest.raises(PartialPaymentNotAllowed) as refused:
        _payable(requested_minor=499)
    assert refused.value.details == {"minimum": 500}


@pytest.mark.parametrize("requested", [0, -1, 1.5])
def test_a_requested_amount_that_is_not_positive_minor_units_is_refused(requested: object) -> None:
    with pytest.raises(InvalidAmount):
        _payable(requested_minor=requested)


@pytest.mark.parametrize("status", [PAID, VOID, DISPUTED])
def test_a_settled_void_or_disputed_invoice_cannot_be_paid(status: InvoiceStatus) -> None:
    with pytest.raises(IllegalTransition):
        _payable(status)


def test_a_refund_reopens_the_balance() -> None:
    outcome = reverse(status=PAID, amount_due_minor=9430, amount_paid_minor=9430, refund_minor=1000)
    assert outcome == Settlement(8430, PARTIAL, 0)


def test_a_full_refund_reopens_the_whole_bill() -> None:
    outcome = reverse(status=PAID, amount_due_minor=9430, amount_paid_minor=9430, refund_minor=9430)
    assert outcome == Settlement(0, OPEN, 0)


def test_a_refund_on_a_disputed_invoice_keeps_the_dispute() -> None:
    outcome = reverse(status=DISPUTED, amount_due_minor=9430, amount_paid_minor=9430, refund_minor=430)
    assert outcome == Settlement(9000, DISPUTED, 0)


def test_a_refund_against_a_void_invoice_is_illegal() -> None:
    with pytest.raises(IllegalTransition):
        reverse(status=VOID, amount_due_minor=9430, amount_paid_minor=0, refund_minor=100)


@pytest.mark.parametrize("refund", [0, -5, 2.0])
def test_a_refund_must_be_positive_integer_minor_units(refund: object) -> None:
    with pytest.raises(InvalidAmount):
        reverse(status=PAID, amount_due_minor=100, amount_paid_minor=100, refund_minor=refund)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [OPEN, DISPUTED])
def test_an_unpaid_invoice_can_be_voided(status: InvoiceStatus) -> None:
    check_void(status, 0)


@pytest.mark.parametrize("status", [VOID, PAID])
def test_a_void_or_paid_invoice_cannot_be_voided(status: InvoiceStatus) -> None:
    with pytest.raises(IllegalTransition):
        check_void(status, 0)


def test_an_invoice_with_payments_cannot_be_voided() -> None:
    with pytest.raises(IllegalTransition):
        check_void(PARTIAL, 3000)


@pytest.mark.parametrize("status", [OPEN, PARTIAL, PAID])
def test_a_live_invoice_can_be_disputed(status: InvoiceStatus) -> None:
    check_dispute(status)


@pytest.mark.parametrize("status", [VOID, DISPUTED, "void"])
def test_a_void_or_already_disputed_invoice_cannot_be_disputed(status: InvoiceStatus | str) -> None:
    with pytest.raises(IllegalTransition):
        check_dispute(status)


def test_an_unknown_status_is_not_a_state() -> None:
    with pytest.raises(ValueError, match="overdue"):
        check_can_record("overdue")


def test_overdue_is_derived_from_the_injected_clock() -> None:
    clock = FixedClock(datetime(2026, 3, 10, 23, 59, tzinfo=UTC))
    due = date(2026, 3, 10)
    assert not is_overdue(OPEN, due, clock.today())
    clock.advance(minutes=1)
    assert is_overdue(OPEN, due, clock.today())
    assert is_overdue("partially_paid", due, clock.today())


@pytest.mark.parametrize("status", [PAID, VOID, DISPUTED])
def test_only_outstanding_bills_are_ever_overdue(status: InvoiceStatus) -> None:
    assert not is_overdue(status, date(2020, 1, 1), date(2026, 3, 10))


def test_fixed_clock_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2026, 3, 10, 9, 30))
