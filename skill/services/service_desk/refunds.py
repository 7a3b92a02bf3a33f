"""'I paid too much', 'I paid twice', 'where is my refund': the overpayments on a customer's bills and their refunds.

An overpayment is money applied beyond the bill (`Invoice.refund_due_minor`, with an `overpaid` timeline entry);
a refund is money given back (`PaymentAttempt.refunded_minor`, with a `refunded` entry). Excess paid through the
payment provider is refunded automatically (skill/services/payments/settlement.py, retried by reconcile); excess
paid outside it (a bank transfer the biller recorded) waits for the biller.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ...domain.clock import Clock
from ...domain.model import EventKind, PaymentStatus
from ...domain.refunds import refund_standing
from ...storage import models as m
from ...storage.uow import UnitOfWork
from ..billing.results import BillView
from .choosing import choose_bill
from .results import BillQuery, ChooseBill, NoBill, Overpayment, Overpayments, PaymentMade

MAX_ANSWERS = 3
RECENT_ATTEMPTS = 200  # a customer's payments looked at, newest first
_APPLIED = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)


def overpayments(uow: UnitOfWork, customer_id: int, query: BillQuery, clock: Clock) -> Overpayments | NoBill:
    """The overpayments on the bill named (on any bill when none is named); else what was paid."""
    today = clock.today()
    with uow:
        rows = uow.invoices.for_customer(customer_id)
        applied: dict[int, list[m.PaymentAttempt]] = {}
        for attempt in uow.attempts.for_customer(customer_id, limit=RECENT_ATTEMPTS):  # newest first
            if attempt.applied_at is not None:
                applied.setdefault(attempt.invoice_id, []).insert(0, attempt)
        found = {row.id: _overpayment(uow, row, applied.get(row.id, []), today) for row in rows}
        if query.named:
            chosen = choose_bill(rows, query, today, likeliest=(lambda r: found[r.id] is not None,))
            if isinstance(chosen, NoBill):
                return chosen
            bills = (
                list(chosen.candidates) if isinstance(chosen, ChooseBill) else [BillView.of(chosen, today)]
            )
            scope = [r for r in rows if r.id in {b.id for b in bills}]
        else:
            bills, scope = [], list(rows)
        overpaid = [o for r in scope if (o := found[r.id]) is not None]
        overpaid.sort(key=lambda o: (o.refunded_on or date.min, o.bill.id), reverse=True)
        paid = () if overpaid else _payments(applied, scope, today)
        return Overpayments(tuple(overpaid[:MAX_ANSWERS]), paid, tuple(bills))


def _overpayment(
    uow: UnitOfWork, invoice: m.Invoice, attempts: list[m.PaymentAttempt], today: date
) -> Overpayment | None:
    """The bill's overpayment and refunds, from its applied payments (oldest first); None if there is none."""
    refunded = sum(a.refunded_minor for a in attempts)
    if invoice.refund_due_minor <= 0 and refunded <= 0:
        return None
    events = uow.events.of_kinds((invoice.id,), (EventKind.OVERPAID, EventKind.REFUNDED))
    overpaid = [e for e in events if e.kind == EventKind.OVERPAID]
    refunds = [e for e in events if e.kind == EventKind.REFUNDED]
    excess_ids = {e.data.get("attempt_id") for e in overpaid}
    excess = (
        [a for a in attempts if a.id in excess_ids] or [a for a in attempts if a.refunded_minor] or attempts
    )
    last_excess = max(excess, key=lambda a: a.applied_at or a.created_at) if excess else None
    since = overpaid[-1].at.date() if overpaid else today
    refunded_on = refunds[-1].at.date() if refunds else None
    standing = refund_standing(
        owed_minor=invoice.refund_due_minor,
        automatic=last_excess is not None and last_excess.provider_reference is not None,
        since=since,
        refunded_on=refunded_on,
        today=today,
    )
    return Overpayment(
        bill=BillView.of(invoice, today),
        owed_minor=invoice.refund_due_minor,
        refunded_minor=refunded,
        standing=standing,
        refunded_on=refunded_on,
        payments=len(attempts),
        method=last_excess.method if last_excess is not None else None,
    )


def _payments(
    applied: dict[int, list[m.PaymentAttempt]], scope: Sequence[m.Invoice], today: date
) -> tuple[PaymentMade, ...]:
    """The latest payments that went onto the bills in scope, newest first."""
    made = [
        PaymentMade(BillView.of(row, today), a.amount_minor, a.currency, a.applied_at.date())
        for row in scope
        for a in applied.get(row.id, [])
        if a.status in _APPLIED and a.applied_at is not None
    ]
    made.sort(key=lambda p: p.on, reverse=True)
    return tuple(made[:MAX_ANSWERS])
