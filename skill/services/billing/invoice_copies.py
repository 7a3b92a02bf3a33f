"""Sending a bill again ("where is my latest invoice?"): a message with a link to the customer's invoice page."""

from __future__ import annotations

from dataclasses import dataclass

from ...domain.clock import Clock
from ...domain.errors import NotFound
from ...domain.model import BillType, Channel, EventKind, InvoiceStatus
from ...storage import models as m
from ...storage.outbox import enqueue
from ...storage.uow import UnitOfWork
from ..identity.records import Contact, record_contacts
from ..links.payment_links import NoContactChannel, mask_destination
from ..payments.receipts import NEXT_STEP_PATH
from .bills import biller_matches
from .results import BillView

# The invoice page's stable address (skill/web/invoice_links.py): /invoices/<id> once the app serves it, the
# account page until then. A message outlives releases, so it never holds the page's own path.
INVOICE_PAGE_PATH = NEXT_STEP_PATH


@dataclass(frozen=True)
class InvoiceCopySent:
    bill: BillView
    channel: Channel  # SMS or EMAIL
    masked_destination: str  # "•••• 5678" or "a•••@example.com": safe to say aloud and to log
    instead: bool  # the channel asked for is not on file, so it went by the other one


def send_invoice_copy(
    uow: UnitOfWork,
    clock: Clock,
    *,
    base_url: str,
    customer_id: int,
    requested_via: Channel,
    bill_type: BillType | None = None,
    biller: str | None = None,
    focus: int | None = None,
    prefer: Channel | None = None,
) -> InvoiceCopySent:
    """Queue a copy of the latest matching bill (the one in focus when none is named) and its timeline entry.

    It goes to a channel of the bill's biller record or one the person proved (identity.record_contacts): the
    channel asked for when it is on file, else email before SMS, since a bill is read as a document. Raises
    NotFound when no bill matches and NoContactChannel when there is neither an email address nor a mobile.
    """
    with uow:
        customer = uow.customers.get(customer_id)
        invoice = _meant(uow, customer_id, bill_type, biller, focus)
        if customer is None or invoice is None:
            raise NotFound("no bill matches")
        contacts = record_contacts(
            invoice.account, customer, asked_by_person=requested_via is not Channel.API
        )
        contact = _choose(contacts, prefer)
        channel = Channel(contact.channel)
        now = clock.now()
        enqueue(
            uow,
            kind="invoice_copy",
            channel=contact.channel,
            recipient=contact.address,
            locale=invoice.account.locale,
            payload=_payload(invoice, base_url),
            now=now,
            customer_id=customer.id,
            invoice_id=invoice.id,
        )
        uow.events.record(
            invoice.id,
            EventKind.SENT,
            now,
            channel=str(requested_via),
            data={"copy": True, "sent_via": contact.channel},
        )
        bill = BillView.of(invoice, clock.today())
        uow.commit()
        masked = mask_destination(channel, contact.address)
        return InvoiceCopySent(bill, channel, masked, instead=prefer is not None and channel is not prefer)


def _meant(
    uow: UnitOfWork, customer_id: int, bill_type: BillType | None, biller: str | None, focus: int | None
) -> m.Invoice | None:
    rows = [
        r
        for r in uow.invoices.for_customer(customer_id)
        if r.status != InvoiceStatus.VOID
        and (bill_type is None or r.bill_type == bill_type)
        and (biller is None or biller_matches(r.biller, biller))
    ]
    if bill_type is None and biller is None:  # "send me a copy of it": the bill just talked about
        focused = next((r for r in rows if r.id == focus), None)
        if focused is not None:
            return focused
    return max(rows, key=lambda r: (r.issue_date, r.id), default=None)


def _choose(contacts: list[Contact], prefer: Channel | None) -> Contact:
    by_channel = {c.channel: c for c in reversed(contacts)}  # the first of each channel
    for channel in (str(prefer) if prefer else None, "email", "sms"):
        if channel in by_channel:
            return by_channel[channel]
    raise NoContactChannel("the customer has no usable mobile number or email address")


def _payload(invoice: m.Invoice, base_url: str) -> dict[str, object]:
    """What the message shows: biller, invoice number, amount, due date and the link (an absolute URL, for SMS)."""
    return {
        "biller": invoice.biller.name,
        **invoice.biller.brand().message_fields(),  # logo and colour for the email
        "invoice_number": invoice.number,
        "amount_minor": invoice.amount_due_minor,
        "currency": invoice.currency,
        "due_date": invoice.due_date.isoformat(),
        "url": base_url.rstrip("/") + INVOICE_PAGE_PATH.format(invoice_id=invoice.id),
    }
