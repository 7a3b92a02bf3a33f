"""What customers ask about their balance: the total owed, the bill due next, what is left on one, part payments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ...domain.clock import Clock
from ...domain.errors import NotFound
from ...domain.model import OUTSTANDING, BillType, EventKind, InvoiceStatus
from ...storage import models as m
from ...storage.uow import UnitOfWork
from .bills import AmbiguousBill, biller_matches
from .results import BillView


@dataclass(frozen=True)
class TotalOwed:
    """The open bills behind a total, with what is left on them per currency (by currency code)."""

    bills: tuple[BillView, ...]
    totals: tuple[tuple[str, int], ...]
    biller: str | None = None  # the spoken name of the biller asked about
    unknown_biller: bool = False  # a biller was named that the customer has no account with

    @property
    def overdue_count(self) -> int:
        return sum(1 for bill in self.bills if bill.overdue)


@dataclass(frozen=True)
class NextDue:
    """The open bill due next that is not overdue yet, and the ones already past their due date."""

    bill: BillView | None
    overdue: tuple[BillView, ...]


@dataclass(frozen=True)
class Balance:
    """One bill's balance; `paid_on` is the day it was paid in full, when it is."""

    bill: BillView
    paid_on: date | None = None


@dataclass(frozen=True)
class PartPaid:
    """Open bills with a part payment on them, and (when there is none) the open bills without one."""

    part_paid: tuple[BillView, ...]
    unpaid: tuple[BillView, ...]


def customer_bills(
    uow: UnitOfWork,
    customer_id: int,
    today: date,
    *,
    bill_type: BillType | None = None,
    biller: str | None = None,
    statuses: frozenset[InvoiceStatus] | None = OUTSTANDING,
) -> list[BillView]:
    """The customer's bills by due date, of a type and biller if named; inside the caller's `with uow`."""
    rows = uow.invoices.for_customer(customer_id, statuses)
    return [BillView.of(row, today) for row in rows if _kept(row, bill_type, biller)]


def _kept(row: m.Invoice, bill_type: BillType | None, biller: str | None) -> bool:
    if row.status == InvoiceStatus.VOID or (bill_type is not None and row.bill_type != bill_type):
        return False
    return biller is None or biller_matches(row.biller, biller)


def named_biller(uow: UnitOfWork, customer_id: int, spoken: str) -> m.Biller | None:
    """The customer's biller that `spoken` names (the first by id when it names several), inside `with uow`."""
    customer = uow.customers.get(customer_id)
    accounts = sorted(customer.accounts, key=lambda a: a.biller_id) if customer else []
    return next((a.biller for a in accounts if biller_matches(a.biller, spoken)), None)


def total_owed(uow: UnitOfWork, customer_id: int, clock: Clock, *, biller: str | None = None) -> TotalOwed:
    """The sum of what is left on the open bills, per currency; with `biller`, that biller's bills only."""
    with uow:
        named = named_biller(uow, customer_id, biller) if biller else None
        if biller and named is None:
            return TotalOwed((), (), unknown_biller=True)
        spoken_name = named.spoken_name if named else None
        bills = customer_bills(uow, customer_id, clock.today(), biller=biller)
    totals: dict[str, int] = {}
    for bill in bills:
        totals[bill.currency] = totals.get(bill.currency, 0) + bill.remaining_minor
    return TotalOwed(tuple(bills), tuple(sorted(totals.items())), spoken_name)


def next_due(
    uow: UnitOfWork,
    customer_id: int,
    clock: Clock,
    *,
    bill_type: BillType | None = None,
    biller: str | None = None,
) -> NextDue:
    """The first open bill by due date that is not overdue (due today counts as still to come)."""
    with uow:
        bills = customer_bills(uow, customer_id, clock.today(), bill_type=bill_type, biller=biller)
    upcoming = [b for b in bills if not b.overdue]
    return NextDue(upcoming[0] if upcoming else None, tuple(b for b in bills if b.overdue))


def bill_balance(
    uow: UnitOfWork,
    customer_id: int,
    clock: Clock,
    *,
    bill_type: BillType | None = None,
    biller: str | None = None,
    position: int | None = None,
    last_read: Sequence[int] = (),
    focus: int | None = None,
) -> Balance:
    """The bill meant, open or settled: by position in the list heard, by type and biller, else the bill in focus.

    Open bills are preferred; a named bill that has none open is its most recent settled one (to say it is paid).
    Raises NotFound, or AmbiguousBill when several open bills fit.
    """
    with uow:
        every = customer_bills(
            uow, customer_id, clock.today(), bill_type=bill_type, biller=biller, statuses=None
        )
        bill = _chosen(every, position, last_read, focus if bill_type is None and biller is None else None)
        if bill is None and position is None:
            bill = _only_or_latest(every, named=bill_type is not None or biller is not None)
        if bill is None:
            raise NotFound("no bill matches")
        return Balance(bill, _paid_on(uow, bill) if bill.status is InvoiceStatus.PAID else None)


def _chosen(
    bills: list[BillView], position: int | None, last_read: Sequence[int], focus: int | None
) -> BillView | None:
    by_id = {bill.id: bill for bill in bills}
    if position is not None:
        order = list(last_read) or [b.id for b in bills if b.status in OUTSTANDING]
        return by_id.get(order[position - 1]) if 1 <= position <= len(order) else None
    return by_id.get(focus) if focus is not None else None


def _only_or_latest(bills: list[BillView], *, named: bool) -> BillView | None:
    """The one open bill; with none open, the latest settled one of a bill the customer named."""
    open_bills = [b for b in bills if b.status in OUTSTANDING]
    if len(open_bills) > 1:
        raise AmbiguousBill(open_bills)
    if open_bills or not named:
        return open_bills[0] if open_bills else None
    return max(bills, key=lambda b: (b.issue_date, b.id), default=None)


def _paid_on(uow: UnitOfWork, bill: BillView) -> date | None:
    paid = [e.at for e in uow.events.for_invoice(bill.id) if e.kind == EventKind.PAID]
    return paid[-1].date() if paid else None


def part_paid(
    uow: UnitOfWork,
    customer_id: int,
    clock: Clock,
    *,
    bill_type: BillType | None = None,
    biller: str | None = None,
) -> PartPaid:
    """Open bills with something paid and something left ("I paid too little"), by due date."""
    with uow:
        bills = customer_bills(uow, customer_id, clock.today(), bill_type=bill_type, biller=biller)
    partly = tuple(b for b in bills if b.amount_paid_minor > 0 and b.remaining_minor > 0)
    return PartPaid(partly, () if partly else tuple(b for b in bills if b.remaining_minor > 0))
