"""PaymentTerms: a bill's state, balance and partial-payment rule, checked as one value."""

from __future__ import annotations

import pytest

from skill.domain.errors import IllegalTransition, InvalidAmount, PartialPaymentNotAllowed
from skill.domain.model import InvoiceStatus, PaymentTerms, check_payable_amount

TERMS = PaymentTerms(
    status=InvoiceStatus.PARTIALLY_PAID,
    amount_due_minor=15000,
    amount_paid_minor=3000,
    currency="EUR",
    partial_allowed=True,
    partial_min_minor=500,
)


def test_the_remainder_and_a_partial_at_the_minimum_may_be_paid() -> None:
    assert TERMS.check(12000) == 12000
    assert TERMS.check(500) == 500


@pytest.mark.parametrize(
    ("terms", "requested", "error", "details"),
    [
        (TERMS, 12001, InvalidAmount, {"requested": 12001, "remaining": 12000}),
        (TERMS, 499, PartialPaymentNotAllowed, {"minimum": 500}),
        (PaymentTerms(**{**TERMS.__dict__, "partial_allowed": False}), 6000, PartialPaymentNotAllowed, {}),
        (PaymentTerms(**{**TERMS.__dict__, "status": InvoiceStatus.PAID}), 100, IllegalTransition, None),
        (TERMS, 0, InvalidAmount, None),
    ],
)
def test_check_refuses_as_check_payable_amount_does(
    terms: PaymentTerms, requested: int, error: type[Exception], details: dict[str, object] | None
) -> None:
    with pytest.raises(error) as from_terms:
        terms.check(requested)
    with pytest.raises(error) as from_rule:
        check_payable_amount(
            status=terms.status,
            amount_due_minor=terms.amount_due_minor,
            amount_paid_minor=terms.amount_paid_minor,
            requested_minor=requested,
            partial_allowed=terms.partial_allowed,
            partial_min_minor=terms.partial_min_minor,
        )
    assert str(from_terms.value) == str(from_rule.value)
    if details is not None:
        assert getattr(from_terms.value, "details", None) == details


def test_reserving_counts_payments_in_flight_as_paid() -> None:
    reserved = TERMS.reserving(2000)
    assert reserved.amount_paid_minor == 5000 and TERMS.amount_paid_minor == 3000
    assert reserved.check(10000) == 10000
    with pytest.raises(InvalidAmount):
        reserved.check(10001)


def test_the_terms_are_read_off_the_invoice_and_its_biller() -> None:
    from skill.services.billing.results import payment_terms
    from skill.storage import models as m

    biller = m.Biller(partial_allowed=True, partial_min_minor=500)
    invoice = m.Invoice(
        status="partially_paid", amount_due_minor=15000, amount_paid_minor=3000, currency="EUR", biller=biller
    )
    assert payment_terms(invoice) == TERMS
    assert type(payment_terms(invoice).status) is InvoiceStatus
