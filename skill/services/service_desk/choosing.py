"""Which of the customer's bills a service question is about: the one named, the one in focus, or the likeliest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from ...domain.model import InvoiceStatus
from ...storage import models as m
from ..billing.bills import biller_matches
from ..billing.results import BillView
from .results import BillQuery, ChooseBill, NoBill

MAX_CANDIDATES = 5
Test = Callable[[m.Invoice], bool]


def choose_bill(
    rows: Sequence[m.Invoice], query: BillQuery, today: date, *, likeliest: Sequence[Test]
) -> m.Invoice | ChooseBill | NoBill:
    """The bill meant, or the bills to ask between, or none.

    The bills that match what was said (every bill of the customer's when nothing was said; void ones never).
    With nothing said, the bill in focus is meant if it is one of them. Otherwise the first of the `likeliest`
    tests that some of them pass narrows them down (a reminder is likeliest about an overdue bill); a bill
    named outright is meant even when it passes none, a guess must pass one.
    """
    matching = [r for r in rows if r.status != InvoiceStatus.VOID and _said(r, query)]
    if not query.named:
        focused = [r for r in matching if r.id == query.focus]
        if focused:
            return focused[0]
    narrowed = next((kept for test in likeliest if (kept := [r for r in matching if test(r)])), None)
    chosen = narrowed if narrowed is not None else (matching if query.named else [])
    if not chosen:
        return NoBill(named=query.named)
    if len(chosen) == 1:
        return chosen[0]
    ordered = sorted(chosen, key=lambda r: (r.due_date, r.id))[:MAX_CANDIDATES]
    return ChooseBill(tuple(BillView.of(r, today) for r in ordered))


def _said(row: m.Invoice, query: BillQuery) -> bool:
    if query.bill_type is not None and row.bill_type != query.bill_type:
        return False
    return not query.biller or biller_matches(row.biller, query.biller)
