"""'I got a reminder, what happens now?': what was sent about a bill, and the biller's next step and its date.

What was sent is read from the bill's timeline: `reminded` entries (dunning records each step there with
`{"step": <plan step key>, "sent_via": "email" | "sms", "message_id": <outbox id>}`) and the payment requests the
biller sent (`link_created` through the API). A queued `reminder` message that no timeline entry names counts too.
What comes next is the biller's reminder plan (skill/domain/reminders.py) applied to the steps already sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

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
            return bool(sent.get(row.id, ((), frozenset()))[0])

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
    by_id = {r.id: r for r in invoices if r.status != InvoiceStatus.VOID}
    finals = {r.biller_id: _final_key(r.biller) for r in by_id.values()}
    messages: dict[int, list[SentMessage]] = {i: [] for i in by_id}
    steps: dict[int, set[str]] = {i: set() for i in by_id}
    recorded: set[int] = set()  # outbox messages a timeline entry already stands for

    def sent(invoice_id: int, step: object, via: object, at: datetime, kind: str = REMINDER_KIND) -> None:
        if isinstance(step, str) and step:
            steps[invoice_id].add(step)
            if step == finals[by_id[invoice_id].biller_id]:
                kind = "final_notice"
        messages[invoice_id].append(SentMessage(kind, via if isinstance(via, str) else None, at))

    for event in uow.events.of_kinds(by_id, (EventKind.REMINDED, EventKind.LINK_CREATED)):
        data = event.data or {}
        if event.kind == EventKind.REMINDED:
            sent(event.invoice_id, data.get("step"), data.get("sent_via"), event.at)
            if isinstance(data.get("message_id"), int):
                recorded.add(data["message_id"])
        elif (
            event.channel == Channel.API
        ):  # a payment request the biller sent, not a link the customer asked for
            sent(event.invoice_id, None, data.get("sent_via"), event.at, "payment_request")
    for row in uow.outbox.for_customer(customer_id):
        if (
            row.kind == REMINDER_KIND
            and row.invoice_id in by_id
            and row.id not in recorded
            and row.status != "dead"
        ):
            sent(row.invoice_id, (row.payload or {}).get("step"), row.channel, row.sent_at or row.created_at)
    return {i: (tuple(sorted(messages[i], key=lambda s: s.at)), frozenset(steps[i])) for i in by_id}


def _final_key(biller: m.Biller) -> str | None:
    finals = [s.key for s in plan_of(biller).steps if s.kind is StepKind.FINAL_NOTICE]
    return finals[0] if finals else None
