"""The biller API's verbs on customers and invoices. Every read and write is scoped to the calling biller."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from ...domain.clock import Clock
from ...domain.errors import NotFound
from ...domain.model import BillType, is_overdue
from ...storage import models as m
from ...storage.api_repositories import InvoiceFilter as InvoiceFilter  # re-exported for the views
from ...storage.uow import UnitOfWork
from ..billing import ledger
from ..billing.bills import bill_timeline
from ..billing.results import TimelineEntry
from ..identity import directory, records


@dataclass(frozen=True, slots=True)  # slots: a batch holds 5,000 of them, each without a __dict__
class InvoiceDraft:
    """One invoice as a biller sends it: the customer is named by its account number at this biller."""

    account_number: str
    number: str
    bill_type: BillType
    issue_date: date
    due_date: date
    amount_due_minor: int
    currency: str
    description: str = ""
    line_items: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class ApiInvoice:
    id: int
    number: str
    customer_id: int
    account_number: str
    description: str
    bill_type: str
    issue_date: date
    due_date: date
    currency: str
    amount_due_minor: int
    amount_paid_minor: int
    refund_due_minor: int
    status: str
    overdue: bool
    line_items: tuple[dict[str, Any], ...]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, invoice: m.Invoice, account: m.CustomerAccount, today: date) -> ApiInvoice:
        return cls(
            id=invoice.id,
            number=invoice.number,
            customer_id=account.id,  # the biller's record, never the person behind it
            account_number=account.account_number,
            description=invoice.description,
            bill_type=str(invoice.bill_type),
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            currency=invoice.currency,
            amount_due_minor=invoice.amount_due_minor,
            amount_paid_minor=invoice.amount_paid_minor,
            refund_due_minor=invoice.refund_due_minor,
            status=str(invoice.status),
            overdue=is_overdue(invoice.status, invoice.due_date, today),
            line_items=tuple(invoice.line_items or ()),
            created_at=invoice.created_at,
            updated_at=invoice.updated_at,
        )


@dataclass(frozen=True)
class InvoicePage:
    invoices: tuple[ApiInvoice, ...]
    next_after_id: int | None  # None on the last page


def upsert_biller_customer(
    uow: UnitOfWork, biller_id: int, account_number: str, data: directory.CustomerData, clock: Clock
) -> records.BillerRecord:
    """Create or update this biller's own record for `account_number`; nothing of another biller is read."""
    record = records.upsert_biller_record(
        uow, clock, biller_id=biller_id, account_number=account_number, data=data
    )
    # The mobile is echoed as sent: an omitted one is kept but not echoed (the API's contract since v1).
    return replace(record, mobile=data.mobile)


def create_biller_invoices(
    uow: UnitOfWork, biller_id: int, drafts: Sequence[InvoiceDraft], clock: Clock
) -> list[int]:
    """All or nothing: ledger.InvalidBatch lists each invalid item's errors, and then nothing is written.

    One unit of work: the account numbers are resolved among this biller's own records only, then the ledger
    checks and writes the whole batch.
    """
    with uow:
        account_ids = uow.biller_invoices.account_ids_by_number(biller_id, {d.account_number for d in drafts})
        news = [
            ledger.NewInvoice(
                biller_id=biller_id,
                account_id=account_ids.get(d.account_number, 0),  # 0 matches no account: reported per item
                number=d.number,
                bill_type=d.bill_type,
                issue_date=d.issue_date,
                due_date=d.due_date,
                amount_due_minor=d.amount_due_minor,
                currency=d.currency,
                description=d.description,
                line_items=d.line_items,
            )
            for d in drafts
        ]
        owned = set(account_ids.values())  # read with the biller's id: its own records only
        ids = ledger.create_invoices_in(uow, biller_id, news, clock, own_accounts=owned)
        uow.commit()
        return ids


def get_biller_invoice(uow: UnitOfWork, biller_id: int, invoice_id: int, clock: Clock) -> ApiInvoice:
    with uow:
        return ApiInvoice.of(*_owned(uow, biller_id, invoice_id), clock.today())


def list_biller_invoices(
    uow: UnitOfWork, biller_id: int, where: InvoiceFilter, clock: Clock, *, after_id: int = 0, limit: int = 50
) -> InvoicePage:
    today = clock.today()
    with uow:
        rows = uow.biller_invoices.page(biller_id, where, after_id=after_id, limit=limit + 1)
        invoices = tuple(ApiInvoice.of(invoice, account, today) for invoice, account in rows[:limit])
    more = len(rows) > limit
    return InvoicePage(invoices, invoices[-1].id if more and invoices else None)


def void_biller_invoice(
    uow: UnitOfWork, biller_id: int, invoice_id: int, clock: Clock, *, reason: str
) -> ApiInvoice:
    with uow:
        _owned(uow, biller_id, invoice_id)
    ledger.void_bill(uow, invoice_id, clock, reason=reason)
    return get_biller_invoice(uow, biller_id, invoice_id, clock)


def biller_invoice_timeline(uow: UnitOfWork, biller_id: int, invoice_id: int) -> list[TimelineEntry]:
    with uow:
        _owned(uow, biller_id, invoice_id)
    return bill_timeline(uow, invoice_id)


def _owned(uow: UnitOfWork, biller_id: int, invoice_id: int) -> tuple[m.Invoice, m.CustomerAccount]:
    invoice = uow.biller_invoices.get(biller_id, invoice_id)
    if invoice is None:
        # Another biller's invoice is reported exactly like a missing one.
        raise NotFound("unknown invoice", invoice_id=invoice_id)
    return invoice, invoice.account
