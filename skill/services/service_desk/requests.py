"""A customer disputes a bill or asks for a payment plan: recorded on the bill's timeline, and the biller told.

Both are written under the invoice's row lock, with their signed webhook queued in the same transaction
(`dispute.opened`, `payment_plan.requested`; skill/services/biller_api/events.py), and both are idempotent: asking
again while the first request is open adds nothing and answers with the first one. A dispute puts the bill in
`disputed` (issue 13: reminders and scheduled payments pause until the biller resolves it); the entry keeps the
status it had, for the resolution to restore.
"""

from __future__ import annotations

import re
from datetime import datetime

from ...domain.clock import Clock
from ...domain.errors import InvalidInput, NotFound
from ...domain.model import (
    OUTSTANDING,
    Channel,
    EventKind,
    InvoiceStatus,
    check_dispute,
    check_payment_plan,
)
from ...storage import models as m
from ...storage.uow import UnitOfWork
from ..biller_api.events import DISPUTE_OPENED, PAYMENT_PLAN_REQUESTED, emit_customer_request
from ..billing.results import BillView
from ..identity.records import record_contacts
from ..links.payment_links import mask_destination
from .choosing import choose_bill
from .results import BillQuery, ChooseBill, NoBill, RequestRecorded

MAX_REASON = 500
_OPEN = OUTSTANDING | {InvoiceStatus.DISPUTED}
_PRINTABLE = re.compile(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")


def open_dispute(
    uow: UnitOfWork,
    customer_id: int,
    query: BillQuery,
    clock: Clock,
    *,
    via: Channel,
    reason: str | None = None,
) -> RequestRecorded | ChooseBill | NoBill:
    """Dispute the bill meant; a bill already disputed answers with the dispute that is open. Void bills refuse."""
    text = _reason(reason)
    with uow:
        invoice = _meant_for_update(uow, customer_id, query, clock)
        if isinstance(invoice, ChooseBill | NoBill):
            return invoice
        reply = _reply_channel(invoice)
        if invoice.status == InvoiceStatus.DISPUTED:
            return _already(uow, invoice, EventKind.DISPUTED, reply, clock)
        check_dispute(invoice.status)
        previous = str(invoice.status)
        now = clock.now()
        invoice.status = InvoiceStatus.DISPUTED
        invoice.updated_at = now
        _record(uow, invoice, EventKind.DISPUTED, via, reply, previous, text, now)
        emit_customer_request(
            uow,
            invoice,
            DISPUTE_OPENED,
            channel=str(via),
            reply_channel=_kind(reply),
            previous_status=previous,
            now=now,
        )
        uow.commit()
        return _recorded(invoice, True, now, reply, clock)


def request_payment_plan(
    uow: UnitOfWork,
    customer_id: int,
    query: BillQuery,
    clock: Clock,
    *,
    via: Channel,
    reason: str | None = None,
) -> RequestRecorded | ChooseBill | NoBill:
    """Ask the biller for instalments or more time; asked before, the first request stands. Only unpaid bills."""
    text = _reason(reason)
    with uow:
        invoice = _meant_for_update(uow, customer_id, query, clock)
        if isinstance(invoice, ChooseBill | NoBill):
            return invoice
        check_payment_plan(invoice.status)
        reply = _reply_channel(invoice)
        if _last(uow, invoice, EventKind.PAYMENT_PLAN_REQUESTED) is not None:
            return _already(uow, invoice, EventKind.PAYMENT_PLAN_REQUESTED, reply, clock)
        now = clock.now()
        status = str(invoice.status)
        _record(uow, invoice, EventKind.PAYMENT_PLAN_REQUESTED, via, reply, status, text, now)
        emit_customer_request(
            uow,
            invoice,
            PAYMENT_PLAN_REQUESTED,
            channel=str(via),
            reply_channel=_kind(reply),
            previous_status=status,
            now=now,
        )
        uow.commit()
        return _recorded(invoice, True, now, reply, clock)


def _reason(reason: str | None) -> str | None:
    """The customer's own words, optional: plain text, at most MAX_REASON characters (never logged)."""
    if reason is None or not reason.strip():
        return None
    if len(reason) > MAX_REASON or not _PRINTABLE.fullmatch(reason):
        raise InvalidInput(f"the reason is plain text of at most {MAX_REASON} characters", field="reason")
    return reason.strip()


def _meant_for_update(
    uow: UnitOfWork, customer_id: int, query: BillQuery, clock: Clock
) -> m.Invoice | ChooseBill | NoBill:
    """The bill meant (a guess only among bills still to pay or already disputed), then locked."""
    rows = uow.invoices.for_customer(customer_id)
    chosen = choose_bill(rows, query, clock.today(), likeliest=(lambda r: r.status in _OPEN,))
    if isinstance(chosen, ChooseBill | NoBill):
        return chosen
    invoice = uow.invoices.get_for_update(chosen.id)  # re-read under the lock: its status decides
    if invoice is None:
        raise NotFound("unknown invoice", invoice_id=chosen.id)
    return invoice


def _reply_channel(invoice: m.Invoice) -> tuple[Channel, str] | None:
    """Where the biller can answer: email first (an answer is written), else a text message."""
    contacts = record_contacts(invoice.account, invoice.account.customer, asked_by_person=True)
    by_channel = {c.channel: c.address for c in contacts}
    for channel in (Channel.EMAIL, Channel.SMS):
        if channel.value in by_channel:
            return channel, by_channel[channel.value]
    return None


def _kind(reply: tuple[Channel, str] | None) -> str | None:
    return str(reply[0]) if reply else None


def _record(
    uow: UnitOfWork,
    invoice: m.Invoice,
    kind: EventKind,
    via: Channel,
    reply: tuple[Channel, str] | None,
    previous_status: str,
    reason: str | None,
    now: datetime,
) -> None:
    data: dict[str, object] = {"previous_status": previous_status, "reply_channel": _kind(reply)}
    if reason is not None:
        data["reason"] = reason
    uow.events.record(invoice.id, kind, now, channel=str(via), data=data)


def _last(uow: UnitOfWork, invoice: m.Invoice, kind: EventKind) -> m.InvoiceEvent | None:
    return next((e for e in reversed(uow.events.for_invoice(invoice.id)) if e.kind == kind), None)


def _already(
    uow: UnitOfWork, invoice: m.Invoice, kind: EventKind, reply: tuple[Channel, str] | None, clock: Clock
) -> RequestRecorded:
    first = _last(uow, invoice, kind)
    return _recorded(invoice, False, first.at if first is not None else invoice.updated_at, reply, clock)


def _recorded(
    invoice: m.Invoice, new: bool, at: datetime, reply: tuple[Channel, str] | None, clock: Clock
) -> RequestRecorded:
    return RequestRecorded(
        bill=BillView.of(invoice, clock.today()),
        new=new,
        recorded_at=at,
        reply_channel=reply[0] if reply else None,
        reply_to=mask_destination(*reply) if reply else None,
    )
