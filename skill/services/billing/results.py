"""Plain, immutable results that services hand to handlers and views (no ORM rows escape)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ...domain.model import BillType, InvoiceStatus, PaymentTerms, is_overdue

if TYPE_CHECKING:  # the voice read model builds these too, without the ORM (storage/read_models)
    from ...storage import models as m


@dataclass(frozen=True)
class BillView:
    id: int
    biller_id: int
    biller_name: str
    biller_spoken_name: str
    number: str
    description: str
    bill_type: BillType
    issue_date: date
    due_date: date
    currency: str
    amount_due_minor: int
    amount_paid_minor: int
    refund_due_minor: int
    status: InvoiceStatus
    overdue: bool
    partial_allowed: bool
    partial_min_minor: int
    pin_threshold_minor: int
    terms: PaymentTerms  # what may be paid on it now: terms.check(requested_minor)
    line_items: tuple[dict[str, Any], ...] = ()

    @property
    def remaining_minor(self) -> int:
        return max(0, self.amount_due_minor - self.amount_paid_minor)

    @classmethod
    def of(cls, invoice: m.Invoice, today: date) -> BillView:
        biller = invoice.biller
        return cls(
            id=invoice.id,
            biller_id=biller.id,
            biller_name=biller.name,
            biller_spoken_name=biller.spoken_name,
            number=invoice.number,
            description=invoice.description,
            bill_type=BillType(invoice.bill_type),
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            currency=invoice.currency,
            amount_due_minor=invoice.amount_due_minor,
            amount_paid_minor=invoice.amount_paid_minor,
            refund_due_minor=invoice.refund_due_minor,
            status=InvoiceStatus(invoice.status),
            overdue=is_overdue(invoice.status, invoice.due_date, today),
            partial_allowed=biller.partial_allowed,
            partial_min_minor=biller.partial_min_minor,
            pin_threshold_minor=biller.pin_threshold_minor,
            terms=payment_terms(invoice),
            line_items=tuple(invoice.line_items or ()),
        )


def payment_terms(invoice: m.Invoice) -> PaymentTerms:
    """The terms of an invoice, read off it and its biller here only (the bill view and every payment use it)."""
    return PaymentTerms(
        status=InvoiceStatus(invoice.status),
        amount_due_minor=invoice.amount_due_minor,
        amount_paid_minor=invoice.amount_paid_minor,
        currency=invoice.currency,
        partial_allowed=invoice.biller.partial_allowed,
        partial_min_minor=invoice.biller.partial_min_minor,
    )


@dataclass(frozen=True)
class Outstanding:
    bills: tuple[BillView, ...]
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def overdue_count(self) -> int:
        return sum(1 for bill in self.bills if bill.overdue)


@dataclass(frozen=True)
class BillDetails:
    bill: BillView
    previous_amount_minor: int | None
    previous_issue_date: date | None

    @property
    def change_minor(self) -> int | None:
        if self.previous_amount_minor is None:
            return None
        return self.bill.amount_due_minor - self.previous_amount_minor


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    at: datetime
    channel: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class SettlementResult:
    invoice_id: int
    attempt_id: int
    status: InvoiceStatus
    amount_paid_minor: int
    overpaid_minor: int
    newly_applied: bool
