"""The biller API's payment verbs: send a payment request (link), its status, an invoice's payments, record one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ...domain.clock import Clock
from ...domain.errors import InvalidInput, NotFound
from ...domain.model import Channel
from ...storage import models as m
from ...storage.uow import UnitOfWork
from ..billing import ledger
from ..billing.results import SettlementResult
from ..links.payment_links import LinkSent, NoContactChannel, send_payment_link


@dataclass(frozen=True)
class PaymentRequestView:
    id: int
    invoice_id: int
    channel: str
    amount_minor: int
    currency: str
    status: str  # queued | sent | opened | paid | expired
    created_at: datetime
    expires_at: datetime
    opened_at: datetime | None
    paid_at: datetime | None


@dataclass(frozen=True)
class PaymentView:
    id: int
    amount_minor: int
    currency: str
    status: str
    channel: str
    method: str
    failure_reason: str | None
    refunded_minor: int
    created_at: datetime


@dataclass(frozen=True)
class InvoicePayments:
    invoice_id: int
    status: str
    currency: str
    amount_due_minor: int
    amount_paid_minor: int
    refund_due_minor: int
    payments: tuple[PaymentView, ...]


def request_payment(
    uow: UnitOfWork,
    clock: Clock,
    *,
    biller_id: int,
    invoice_id: int,
    channel: Channel,
    amount_minor: int | None,
    base_url: str,
    ttl: timedelta,
) -> LinkSent:
    """Create a payment link and queue it by exactly the chosen channel (sms or email)."""
    with uow:
        invoice = uow.biller_invoices.get(biller_id, invoice_id)
        if invoice is None:
            raise NotFound("unknown invoice", invoice_id=invoice_id)
        customer_id = invoice.account.customer_id
    try:
        return send_payment_link(
            uow,
            clock,
            base_url=base_url,
            ttl=ttl,
            customer_id=customer_id,
            invoice_id=invoice_id,
            requested_via=Channel.API,
            amount_minor=amount_minor,
            only=channel,
        )
    except NoContactChannel:
        what = "mobile number" if channel is Channel.SMS else "email address"
        raise InvalidInput(
            f"the customer has no {what} for a {channel} payment request", field="channel"
        ) from None


def payment_request_status(uow: UnitOfWork, biller_id: int, link_id: int, clock: Clock) -> PaymentRequestView:
    with uow:
        link = uow.biller_invoices.link(biller_id, link_id)
        if link is None:
            raise NotFound("unknown payment request", payment_request_id=link_id)
        return PaymentRequestView(
            id=link.id,
            invoice_id=link.invoice_id,
            channel=str(link.channel),
            amount_minor=link.amount_minor,
            currency=link.currency,
            status=_link_status(link, clock.now()),
            created_at=link.created_at,
            expires_at=link.expires_at,
            opened_at=link.opened_at,
            paid_at=link.paid_at,
        )


def _link_status(link: m.PaymentLink, now: datetime) -> str:
    if link.paid_at is not None:
        return "paid"
    if link.expires_at <= now:
        return "expired"
    if link.opened_at is not None:
        return "opened"
    return "sent" if link.delivered_at is not None else "queued"


def invoice_payments(uow: UnitOfWork, biller_id: int, invoice_id: int) -> InvoicePayments:
    with uow:
        invoice = uow.biller_invoices.get(biller_id, invoice_id)
        if invoice is None:
            raise NotFound("unknown invoice", invoice_id=invoice_id)
        payments = tuple(
            PaymentView(
                a.id,
                a.amount_minor,
                a.currency,
                str(a.status),
                str(a.channel),
                a.method,
                a.failure_reason,
                a.refunded_minor,
                a.created_at,
            )
            for a in uow.biller_invoices.attempts(invoice.id)
        )
        return InvoicePayments(
            invoice.id,
            str(invoice.status),
            invoice.currency,
            invoice.amount_due_minor,
            invoice.amount_paid_minor,
            invoice.refund_due_minor,
            payments,
        )


def record_biller_payment(
    uow: UnitOfWork,
    clock: Clock,
    *,
    biller_id: int,
    invoice_id: int,
    amount_minor: int,
    currency: str,
    method: str,
    idempotency_key: str,
) -> SettlementResult:
    """Money the biller received itself (bank transfer, counter). Idempotent by the request's Idempotency-Key."""
    with uow:
        if uow.biller_invoices.get(biller_id, invoice_id) is None:
            raise NotFound("unknown invoice", invoice_id=invoice_id)
    if not idempotency_key:
        raise InvalidInput("recording a payment needs an Idempotency-Key header", field="Idempotency-Key")
    return ledger.record_payment(
        uow,
        invoice_id,
        amount_minor,
        currency,
        idempotency_key=f"api:{biller_id}:{idempotency_key}",
        clock=clock,
        channel=Channel.API,
        method=method,
    )
