"""Events a biller subscribes to (invoice.paid, payment.failed, payment.review_required, link.opened, ...).

Call the `emit_*` functions inside the transaction where the fact happens: the outbox rows commit with it, and
the delivery worker POSTs each one, signed, with retries (skill/notifications/webhook.py).
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from ...payments.gateway import PaymentInfo
from ...storage import models as m
from ...storage.outbox import enqueue
from ...storage.uow import UnitOfWork

INVOICE_PAID = "invoice.paid"
PAYMENT_FAILED = "payment.failed"
LINK_OPENED = "link.opened"
PAYMENT_REVIEW_REQUIRED = "payment.review_required"
DISPUTE_OPENED = "dispute.opened"  # issue 13 names the dispute events dispute.opened and dispute.resolved
PAYMENT_PLAN_REQUESTED = "payment_plan.requested"
EVENT_TYPES = (
    INVOICE_PAID,
    PAYMENT_FAILED,
    PAYMENT_REVIEW_REQUIRED,
    LINK_OPENED,
    DISPUTE_OPENED,
    PAYMENT_PLAN_REQUESTED,
)


def emit_biller_event(
    uow: UnitOfWork, biller_id: int, event_type: str, data: dict[str, Any], now: datetime
) -> int:
    """Queue one delivery per endpoint of the biller subscribed to `event_type`; returns how many.

    `data` must hold no personal data (ids, numbers, amounts, statuses and times only). The body is fixed
    here, so every retry of a delivery carries the same bytes and the same event id.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown biller event type {event_type!r}")
    event_id = "evt_" + secrets.token_hex(12)
    event = {"id": event_id, "type": event_type, "created": iso(now), "data": data}
    body = json.dumps(event, separators=(",", ":"), sort_keys=True)
    queued = 0
    for endpoint in uow.webhooks.active_for_biller(biller_id):
        if event_type not in endpoint.events:
            continue
        enqueue(
            uow,
            kind="webhook",
            channel="webhook",
            recipient=endpoint.url,
            locale="en-US",
            payload={
                "endpoint_id": endpoint.id,
                "event_id": event_id,
                "event_type": event_type,
                "body": body,
            },
            now=now,
            dedupe_key=f"webhook:{endpoint.id}:{event_id}",
        )
        queued += 1
    return queued


def emit_invoice_paid(uow: UnitOfWork, invoice: m.Invoice, now: datetime) -> int:
    data = {
        "invoice_id": invoice.id,
        "number": invoice.number,
        "status": str(invoice.status),
        "currency": invoice.currency,
        "amount_due_minor": invoice.amount_due_minor,
        "amount_paid_minor": invoice.amount_paid_minor,
        "paid_at": iso(now),
    }
    return emit_biller_event(uow, invoice.biller_id, INVOICE_PAID, data, now)


def emit_payment_failed(uow: UnitOfWork, attempt: m.PaymentAttempt, now: datetime) -> int:
    """For the payments service: call when an attempt is marked failed (after setting failure_reason)."""
    invoice = attempt.invoice
    data = {
        "payment_id": attempt.id,
        "invoice_id": invoice.id,
        "number": invoice.number,
        "amount_minor": attempt.amount_minor,
        "currency": attempt.currency,
        "channel": str(attempt.channel),
        "failure_reason": attempt.failure_reason,
        "failed_at": iso(now),
    }
    return emit_biller_event(uow, invoice.biller_id, PAYMENT_FAILED, data, now)


def emit_payment_review_required(
    uow: UnitOfWork, attempt: m.PaymentAttempt, provider: PaymentInfo, reason: str, now: datetime
) -> int:
    """The provider reported money for an attempt that does not match it; the invoice was left unchanged."""
    invoice = attempt.invoice
    data = {
        "payment_id": attempt.id,
        "invoice_id": invoice.id,
        "number": invoice.number,
        "amount_minor": attempt.amount_minor,
        "currency": attempt.currency,
        "channel": str(attempt.channel),
        "reason": reason,  # amount_mismatch | reference_mismatch
        "provider_reference": provider.reference,
        "provider_amount_minor": provider.amount_minor,
        "provider_currency": provider.currency,
        "flagged_at": iso(now),
    }
    return emit_biller_event(uow, invoice.biller_id, PAYMENT_REVIEW_REQUIRED, data, now)


def emit_link_opened(uow: UnitOfWork, link: m.PaymentLink, now: datetime) -> int:
    invoice = link.invoice
    data = {
        "payment_request_id": link.id,
        "invoice_id": invoice.id,
        "number": invoice.number,
        "channel": str(link.channel),
        "opened_at": iso(now),
    }
    return emit_biller_event(uow, invoice.biller_id, LINK_OPENED, data, now)


def emit_customer_request(
    uow: UnitOfWork,
    invoice: m.Invoice,
    event_type: str,
    *,
    channel: str,
    reply_channel: str | None,
    previous_status: str,
    now: datetime,
) -> int:
    """The customer disputed a bill (dispute.opened) or asked for a payment plan (payment_plan.requested).

    `reply_channel` is only the kind of channel the customer can be answered on ("email", "sms"), never the
    address: the biller reads that from its own customer record.
    """
    data = {
        "invoice_id": invoice.id,
        "number": invoice.number,
        "status": str(invoice.status),
        "previous_status": previous_status,
        "currency": invoice.currency,
        "amount_due_minor": invoice.amount_due_minor,
        "amount_paid_minor": invoice.amount_paid_minor,
        "due_date": invoice.due_date.isoformat(),
        "channel": channel,
        "reply_channel": reply_channel,
        "requested_at": iso(now),
    }
    return emit_biller_event(uow, invoice.biller_id, event_type, data, now)


def iso(at: datetime) -> str:
    """RFC 3339 in UTC with a Z, to the second."""
    return at.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
