"""Payment links: create one for a bill and send it by SMS or email through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ...domain.clock import Clock
from ...domain.errors import DomainError, NotFound
from ...domain.model import PAYABLE, Channel, EventKind, InvoiceStatus
from ...domain.tokens import hash_token, new_token
from ...storage import models as m
from ...storage.outbox import enqueue
from ...storage.uow import UnitOfWork
from ..biller_api.events import emit_link_opened
from ..billing.results import payment_terms
from ..identity.records import Contact, record_contacts


class NoContactChannel(DomainError):
    """The customer has neither a mobile number nor an email address."""

    code = "no_contact_channel"


@dataclass(frozen=True)
class LinkSent:
    link_id: int
    channel: Channel  # SMS or EMAIL
    masked_destination: str  # "•••• 5678" or "a•••@example.com": safe to say aloud and to log
    expires_at: datetime
    url: str  # contains the raw token: hand to the outbox only, never log


def mask_destination(channel: Channel, destination: str) -> str:
    if channel is Channel.SMS:
        return f"•••• {destination[-4:]}"
    local, _, domain = destination.partition("@")
    return f"{local[:1]}•••@{domain}"


def send_payment_link(
    uow: UnitOfWork,
    clock: Clock,
    *,
    base_url: str,
    ttl: timedelta,
    customer_id: int,
    invoice_id: int,
    requested_via: Channel,
    amount_minor: int | None = None,
    prefer: Channel | None = None,
    only: Channel | None = None,
) -> LinkSent:
    """Create a link for the remaining (or a partial) amount and queue its SMS or email in one transaction.

    It goes to a channel of the bill's biller record (identity.record_contacts): by `only` that channel or none,
    else `prefer`red when there. Asked for by the person (voice, chat), their own proven channels count too.
    """
    with uow:
        invoice = uow.invoices.get_for_update(invoice_id)
        customer = uow.customers.get(customer_id)
        if invoice is None or customer is None or invoice.account.customer_id != customer_id:
            raise NotFound("unknown invoice", invoice_id=invoice_id)
        remaining = invoice.amount_due_minor - invoice.amount_paid_minor
        amount = remaining if amount_minor is None else amount_minor
        payment_terms(invoice).check(amount)
        contacts = record_contacts(
            invoice.account, customer, asked_by_person=requested_via is not Channel.API
        )
        channel, destination = _choose_channel(contacts, only or prefer, exact=only is not None)
        token = new_token()  # 256 bits
        now = clock.now()
        link = m.PaymentLink(
            token_hash=hash_token(token),
            invoice_id=invoice.id,
            amount_minor=amount,
            currency=invoice.currency,
            channel=channel,
            expires_at=now + ttl,
            created_at=now,
        )
        uow.links.add(link)
        uow.flush()
        url = f"{base_url}/pay/{token}"
        enqueue(
            uow,
            kind="payment_request",
            channel=str(channel),
            recipient=destination,
            locale=invoice.account.locale,
            payload={
                "link_id": link.id,
                "url": url,
                "biller": invoice.biller.name,
                **invoice.biller.brand().message_fields(),  # logo and colour for the email
                "amount_minor": amount,
                "currency": invoice.currency,
                "due_date": invoice.due_date.isoformat(),
                "invoice_number": invoice.number,
            },
            now=now,
            customer_id=customer.id,
            invoice_id=invoice.id,
        )
        uow.events.record(
            invoice.id,
            EventKind.LINK_CREATED,
            now,
            channel=str(requested_via),
            data={"link_id": link.id, "sent_via": str(channel), "amount_minor": amount},
        )
        uow.commit()
        return LinkSent(link.id, channel, mask_destination(channel, destination), link.expires_at, url)


def _choose_channel(contacts: list[Contact], prefer: Channel | None, *, exact: bool) -> tuple[Channel, str]:
    options = [(Channel(c.channel), c.address) for c in contacts]
    if prefer is Channel.EMAIL:
        options.reverse()
    for channel, destination in options:
        if channel is prefer or not exact:
            return channel, destination
    raise NoContactChannel("the customer has no usable mobile number or email address")


@dataclass(frozen=True)
class LinkState:
    """What the pay page needs to know about a link, resolved from its raw token."""

    link_id: int
    invoice_id: int
    customer_id: int
    amount_minor: int
    currency: str
    expired: bool
    invoice_status: InvoiceStatus

    @property
    def payable(self) -> bool:
        return not self.expired and self.invoice_status in PAYABLE


def resolve_link(uow: UnitOfWork, token: str, clock: Clock) -> LinkState:
    if not token or len(token) > 128:
        raise NotFound("unknown payment link")
    with uow:
        link = uow.links.by_token_hash(hash_token(token))
        if link is None:
            raise NotFound("unknown payment link")
        invoice = link.invoice
        return LinkState(
            link_id=link.id,
            invoice_id=invoice.id,
            customer_id=invoice.account.customer_id,
            amount_minor=link.amount_minor,
            currency=link.currency,
            expired=link.expires_at <= clock.now(),
            invoice_status=InvoiceStatus(invoice.status),
        )


def mark_link_opened(uow: UnitOfWork, link_id: int, clock: Clock) -> bool:
    """The pay page showed this link: stamp it, add `link_opened` to the timeline and tell the biller (once).

    Returns True the first time only; opening a link again changes nothing.
    """
    with uow:
        link = uow.links.get(link_id)
        if link is None:
            raise NotFound("unknown payment link")
        # Lock order is invoice first; a second page view waits here and then sees opened_at set.
        uow.invoices.get_for_update(link.invoice_id)
        uow.session.refresh(link)
        if link.opened_at is not None:
            return False
        now = clock.now()
        link.opened_at = now
        uow.events.record(
            link.invoice_id, EventKind.LINK_OPENED, now, channel=str(link.channel), data={"link_id": link.id}
        )
        emit_link_opened(uow, link, now)
        uow.commit()
        return True
