"""'I got a reminder, what happens now?': what was sent about a bill, and the biller's next step and its date.

What was sent is read from the bill's timeline: `reminded` entries (dunning records each step there with
`{"step": <plan step key>, "sent_via": "email" | "sms", "message_id": <outbox id>}`) and the payment requests the
biller sent (`link_created` through the API). A queued `reminder` message that no timeline entry names counts too.
What comes next is the biller's reminder plan (skill/domain/reminders.py) applied to the steps already sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from ...domain.clock import Clock
from ...domain.errors import DomainError
from ...domain.model import OUTSTANDING, Channel, EventKind, InvoiceStatus, is_overdue
from ...domain.reminders import DEFAULT_PLAN, ReminderPlan, StepKind, next_step, plan_from_json
from ...storage import models as m
from ...storage.uow import UnitOfWork
from ..billing.results import BillView
from .choosing import choose_bill
from .results import BillQuery, ChooseBill, NoBill, ReminderStatus, SentMessage

log = logging.getLogger("skill.service_desk")
REMINDER_KIND = "reminder"  # the outbox message kind (skill/notifications/messages.py)
_Sent = tuple[tuple[SentMessage, ...], frozenset[str]]


def reminder_status(
    uow: UnitOfWork, customer_id: int, query: BillQuery, clock: Clock
) -> ReminderStatus | ChooseBill | NoBill:
    today = clock.today()
    with uow:
        rows = uow.invoices.for_customer(customer_id)
        sent = _sent_about(uow, customer_id, rows)

        def reminded(row: m.Invoice) -> bool:
            return bool(sent[row.id][0])

        def outstanding(row: m.Invoice) -> bool:
            return row.status in OUTSTANDING

        chosen = choose_bill(
            rows,
            query,
            today,
            likeliest=(
                lambda r: reminded(r) and outstanding(r),
                lambda r: is_overdue(r.status, r.due_date, today),
                reminded,
                outstanding,
            ),
        )
        if isinstance(chosen, ChooseBill | NoBill):
            return chosen
        messages, steps = sent[chosen.id]
        upcoming = None
        if chosen.status in OUTSTANDING:
            upcoming = next_step(plan_of(chosen.biller), chosen.due_date, steps, today)
        return ReminderStatus(
            bill=BillView.of(chosen, today),
            sent=messages,
            next=upcoming,
            paused=chosen.status == InvoiceStatus.DISPUTED,
        )


def plan_of(biller: m.Biller) -> ReminderPlan:
    """The biller's plan; a stored plan that no longer parses gives way to the default, with a warning."""
    try:
        return plan_from_json(biller.reminder_plan)
    except DomainError:
        log.warning("biller %s has an unreadable reminder plan; the default plan applies", biller.id)
        return DEFAULT_PLAN


def _sent_about(uow: UnitOfWork, customer_id: int, invoices: Sequence[m.Invoice]) -> dict[int, _Sent]:
    """Per bill: the messages sent about it (oldest first) and the keys of the plan steps they were."""
    found: dict[int, tuple[list[SentMessage], set[str], set[int]]] = {
        r.id: ([], set(), set()) for r in invoices
    }
    for invoice in invoices:
        messages, steps, named = found[invoice.id]
        final = _final_key(invoice.biller)
        for event in uow.events.for_invoice(invoice.id):
            data = event.data or {}
            via = data.get("sent_via")
            if event.kind == EventKind.REMINDED:
                step = data.get("step")
                if isinstance(step, str) and step:
                    steps.add(step)
                kind = "final_notice" if step is not None and step == final else REMINDER_KIND
                messages.append(SentMessage(kind, via, event.at))
                if isinstance(data.get("message_id"), int):
                    named.add(data["message_id"])
            elif event.kind == EventKind.LINK_CREATED and event.channel == Channel.API:
                messages.append(SentMessage("payment_request", via, event.at))
    for row in uow.outbox.for_customer(customer_id):
        entry = found.get(row.invoice_id or 0)
        if row.kind != REMINDER_KIND or entry is None or row.id in entry[2] or row.status == "failed":
            continue
        step = (row.payload or {}).get("step")
        if isinstance(step, str) and step:
            entry[1].add(step)
        entry[0].append(SentMessage(REMINDER_KIND, row.channel, row.sent_at or row.created_at))
    return {
        invoice_id: (tuple(sorted(messages, key=lambda s: s.at)), frozenset(steps))
        for invoice_id, (messages, steps, _) in found.items()
    }


def _final_key(biller: m.Biller) -> str | None:
    finals = [s.key for s in plan_of(biller).steps if s.kind is StepKind.FINAL_NOTICE]
    return finals[0] if finals else None
