"""Payment requests (links sent by SMS or email), their status, an invoice's payments, and recording a payment."""

from __future__ import annotations

from typing import Any

from flask import request

from ...domain.model import Channel
from ..app_services import current_services
from . import schemas as s
from .blueprint import bp
from .render import plain
from .runtime import Reply, caller, operation
from .spec import Operation

INVOICE_ID = {"invoice_id": s.ID}


@operation(
    bp,
    Operation(
        "POST",
        "/invoices/{invoice_id}/payment-requests",
        "createPaymentRequest",
        "Create a payment link for the invoice and send it by SMS or email",
        "payments",
        {201: ("Queued for delivery", s.PAYMENT_REQUEST_SENT)},
        body=s.PAYMENT_REQUEST_CREATE,
        path_params=INVOICE_ID,
        idempotent_post=True,
    ),
)
def create_payment_request(invoice_id: int, body: dict[str, Any]) -> Reply:
    sent = current_services().biller_api.request_payment(
        biller_id=caller().biller_id,
        invoice_id=invoice_id,
        channel=Channel(body["channel"]),
        amount_minor=body.get("amount_minor"),
    )
    reply = {
        "id": sent.link_id,
        "invoice_id": invoice_id,
        "channel": str(sent.channel),
        "masked_destination": sent.masked_destination,
        "expires_at": plain(sent.expires_at),
        "status": "queued",
    }
    return reply, 201


@operation(
    bp,
    Operation(
        "GET",
        "/payment-requests/{payment_request_id}",
        "getPaymentRequest",
        "A payment request's status: queued, sent, opened, paid or expired",
        "payments",
        {200: ("The payment request", s.PAYMENT_REQUEST)},
        path_params={"payment_request_id": s.ID},
    ),
)
def get_payment_request(payment_request_id: int) -> Reply:
    biller_api = current_services().biller_api
    return plain(biller_api.payment_request_status(caller().biller_id, payment_request_id)), 200


@operation(
    bp,
    Operation(
        "GET",
        "/invoices/{invoice_id}/payments",
        "getInvoicePayments",
        "Payment status of an invoice and each payment made on it",
        "payments",
        {200: ("Payment status", s.INVOICE_PAYMENTS)},
        path_params=INVOICE_ID,
    ),
)
def get_invoice_payments(invoice_id: int) -> Reply:
    return plain(current_services().biller_api.invoice_payments(caller().biller_id, invoice_id)), 200


@operation(
    bp,
    Operation(
        "POST",
        "/invoices/{invoice_id}/payments",
        "recordPayment",
        "Record money the biller received itself (needs an Idempotency-Key)",
        "payments",
        {201: ("Applied to the invoice", s.SETTLEMENT)},
        body=s.PAYMENT_RECORD,
        path_params=INVOICE_ID,
        idempotent_post=True,
    ),
)
def record_payment(invoice_id: int, body: dict[str, Any]) -> Reply:
    result = current_services().biller_api.record_payment(
        biller_id=caller().biller_id,
        invoice_id=invoice_id,
        amount_minor=body["amount_minor"],
        currency=body["currency"],
        method=body["method"],
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    reply = {
        "invoice_id": result.invoice_id,
        "payment_id": result.attempt_id,
        "invoice_status": str(result.status),
        "amount_paid_minor": result.amount_paid_minor,
        "overpaid_minor": result.overpaid_minor,
    }
    return reply, 201
