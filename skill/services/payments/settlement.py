"""Applying the provider's word to a payment attempt: one place for every path (charge, page, webhook, reconcile)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ...domain.clock import Clock
from ...domain.model import Channel, EventKind, InvoiceStatus, PaymentStatus
from ...observability.metrics import record_payment
from ...payments.gateway import ChargeResult, GatewayError, PaymentGateway, PaymentInfo, PaymentState
from ...storage import models as m
from ...storage.outbox import enqueue
from ...storage.uow import UnitOfWork
from ..biller_api.events import emit_payment_failed, emit_payment_review_required
from ..billing import ledger
from ..identity.records import record_contacts
from .methods import save_paid_method
from .receipts import receipt_of, receipt_payload

log = logging.getLogger(__name__)

IN_FLIGHT = (PaymentStatus.PENDING, PaymentStatus.PROCESSING, PaymentStatus.REQUIRES_ACTION)


def provider_key(attempt: m.PaymentAttempt) -> str:
    """The idempotency key we give the provider, derived from the attempt (and findable in its metadata)."""
    digest = hashlib.sha256(attempt.idempotency_key.encode()).hexdigest()[:16]
    return f"billpay-attempt-{attempt.id}-{digest}"


def provider_metadata(attempt: m.PaymentAttempt) -> dict[str, str]:
    return {
        "billpay_attempt_id": str(attempt.id),
        "billpay_key": provider_key(attempt),
        "billpay_invoice_id": str(attempt.invoice_id),
    }


@dataclass(frozen=True)
class Applied:
    """What applying the provider's state did. excess_minor: money beyond what was due, to refund."""

    attempt_id: int
    customer_id: int
    status: PaymentStatus
    invoice_status: InvoiceStatus
    newly_settled: bool = False
    excess_minor: int = 0
    failure_reason: str | None = None
    # For the log line and the payments metric, written once the transaction has committed (report_applied).
    invoice_id: int | None = None
    channel: str = "other"
    provider_reference: str | None = None
    changed: bool = False  # the attempt's status moved (a repeat of the same news changes nothing)


def find_attempt_in(uow: UnitOfWork, info: PaymentInfo) -> m.PaymentAttempt | None:
    """Our attempt for a provider payment: by stored reference, else by the metadata we attached to it."""
    attempt = uow.attempts.by_reference(info.reference)
    if attempt is not None:
        return attempt
    raw_id = info.metadata.get("billpay_attempt_id", "")
    if not raw_id.isdigit():
        return None
    attempt = uow.attempts.get(int(raw_id))
    # The key check keeps another environment sharing the Stripe account from touching our rows.
    if attempt is None or info.metadata.get("billpay_key") != provider_key(attempt):
        return None
    return attempt


def apply_payment_in(uow: UnitOfWork, attempt_id: int, info: PaymentInfo, clock: Clock) -> Applied:
    """Move one attempt to what the provider says, inside the caller's transaction. Idempotent, any order.

    Only a payment of exactly the attempt's amount and currency, under the attempt's own intent, moves it.
    Money that does not match flags the attempt for review and leaves the invoice as it is.
    """
    unlocked = uow.attempts.get(attempt_id)
    assert unlocked is not None
    invoice = uow.invoices.get_for_update(unlocked.invoice_id)  # lock order: invoice, then attempt
    attempt = uow.attempts.get_for_update(attempt_id)
    assert invoice is not None and attempt is not None
    customer = invoice.account.customer_id
    now = clock.now()
    before = attempt.status

    def applied(
        invoice_status: InvoiceStatus, newly: bool = False, excess: int = 0, failure: bool = True
    ) -> Applied:
        return Applied(
            attempt.id,
            customer,
            attempt.status,
            invoice_status,
            newly,
            excess,
            failure_reason=attempt.failure_reason if failure else None,
            invoice_id=invoice.id,
            channel=str(attempt.channel),
            provider_reference=attempt.provider_reference,
            changed=attempt.status != before,
        )

    mismatch = _mismatch(attempt, info)
    if mismatch is not None:
        if info.status == "succeeded":
            flag_for_review(uow, attempt, info, mismatch, now)
        return applied(invoice.status)
    if attempt.provider_reference is None and info.reference:
        attempt.provider_reference = info.reference
        attempt.updated_at = now
    if info.status == "succeeded":
        # Money arrived: it is applied even to an attempt we had given up on (the excess is refunded).
        result = ledger.settle_attempt_in(uow, attempt.id, clock)
        if result.newly_applied:
            _after_settled(uow, attempt, invoice, now)
        return applied(result.status, result.newly_applied, result.overpaid_minor, failure=False)
    # requires_action is an answer already given (the customer was offered a link): only money moves it on.
    if attempt.applied_at is None and attempt.status in (PaymentStatus.PENDING, PaymentStatus.PROCESSING):
        _move_unsettled(uow, attempt, info, now)
    return applied(invoice.status)


def report_applied(applied: Applied) -> None:
    """After the commit: one INFO line with the ids (never who paid) and the payments metric, when the attempt
    moved. The same news again (a webhook after our own charge) changes nothing and is not counted twice."""
    if not applied.changed:
        return
    log.info(
        "payment attempt %s on invoice %s: %s",
        applied.attempt_id,
        applied.invoice_id,
        applied.status,
        extra={
            "event": "payment",
            "attempt_id": applied.attempt_id,
            "invoice_id": applied.invoice_id,
            "provider_reference": applied.provider_reference,
            "channel": applied.channel,
            "outcome": str(applied.status),
        },
    )
    record_payment(applied.channel, str(applied.status))


def _mismatch(attempt: m.PaymentAttempt, info: PaymentInfo) -> str | None:
    """Why the provider's payment is not this attempt's: another intent, amount or currency. None if it is.

    An answer that moves no money and says nothing about it (refused before an intent existed, never
    submitted) is taken as it is. Money is only ever applied on a proven match.
    """
    known = info.status == "succeeded" or bool(info.currency)
    if known and (info.amount_minor, info.currency) != (attempt.amount_minor, attempt.currency):
        return "amount_mismatch"
    if info.reference and attempt.provider_reference not in (None, info.reference):
        return "reference_mismatch"
    return None  # (a refusal without an intent moved no money and says nothing about it: taken as it is)


def flag_for_review(
    uow: UnitOfWork, attempt: m.PaymentAttempt, info: PaymentInfo, reason: str, now: datetime
) -> None:
    """Provider money that does not match the attempt: the attempt waits for a person; the invoice stays.

    The timeline keeps what the provider said, and the biller hears of it by webhook (the outbox), once.
    """
    if attempt.status is PaymentStatus.NEEDS_REVIEW:
        return
    log.warning("attempt %s flagged for review: %s", attempt.id, reason)
    if attempt.applied_at is None:  # money already applied stays applied; the flag is then the timeline's
        attempt.status = PaymentStatus.NEEDS_REVIEW
        attempt.failure_reason = reason
        attempt.updated_at = now
    uow.events.record(
        attempt.invoice_id,
        EventKind.PAYMENT_REVIEW,
        now,
        channel=str(attempt.channel),
        data={
            "attempt_id": attempt.id,
            "reason": reason,
            "amount_minor": attempt.amount_minor,
            "currency": attempt.currency,
            "provider_reference": info.reference,
            "provider_amount_minor": info.amount_minor,
            "provider_currency": info.currency,
        },
    )
    emit_payment_review_required(uow, attempt, info, reason, now)


def _move_unsettled(uow: UnitOfWork, attempt: m.PaymentAttempt, info: PaymentInfo, now: datetime) -> None:
    state = info.status
    if state == "processing":
        attempt.status = PaymentStatus.PROCESSING
    elif state == "requires_action" and attempt.channel is not Channel.LINK:
        # Off-session nobody can authenticate: this attempt is over (the page on the customer's phone can).
        _fail(uow, attempt, "authentication_required", now, status=PaymentStatus.REQUIRES_ACTION)
    elif state in ("failed", "canceled"):
        _fail(
            uow, attempt, info.failure_code or ("canceled" if state == "canceled" else "payment_failed"), now
        )
    else:
        return
    attempt.updated_at = now


def _fail(
    uow: UnitOfWork,
    attempt: m.PaymentAttempt,
    reason: str,
    now: datetime,
    *,
    status: PaymentStatus = PaymentStatus.FAILED,
) -> None:
    attempt.status = status
    attempt.failure_reason = reason
    uow.events.record(
        attempt.invoice_id,
        EventKind.PAYMENT_FAILED,
        now,
        channel=str(attempt.channel),
        data={"attempt_id": attempt.id, "amount_minor": attempt.amount_minor, "reason": reason},
    )
    # The biller's systems hear of it through their webhook, in this same transaction (the outbox).
    emit_payment_failed(uow, attempt, now)


def _after_settled(uow: UnitOfWork, attempt: m.PaymentAttempt, invoice: m.Invoice, now: datetime) -> None:
    """In the settling transaction: the link is marked paid and the receipt email queued."""
    if attempt.link_id is not None:
        link = uow.links.get(attempt.link_id)
        if link is not None and link.paid_at is None:
            link.paid_at = now
    customer = invoice.account.customer
    contacts = record_contacts(invoice.account, customer, asked_by_person=True)
    email = next((c.address for c in contacts if c.channel == "email"), None)
    if email is None:
        return
    method = uow.methods.get(attempt.payment_method_id) if attempt.payment_method_id else None
    enqueue(
        uow,
        kind="receipt",
        channel="email",
        recipient=email,
        locale=invoice.account.locale,
        payload={
            "attempt_id": attempt.id,
            "biller": invoice.biller.name,
            **invoice.biller.brand().message_fields(),  # logo and colour for the email
            "amount_minor": attempt.amount_minor,
            "currency": attempt.currency,
            "method": method.label if method else attempt.method,
            "invoice_status": str(invoice.status),
            **receipt_payload(receipt_of(attempt)),  # reference, method, date, invoice number, next step
        },
        now=now,
        customer_id=customer.id,
        invoice_id=invoice.id,
        dedupe_key=f"receipt:attempt:{attempt.id}",
    )


def apply_payment(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    attempt_id: int,
    info: PaymentInfo,
) -> Applied:
    """apply_payment_in in its own transaction, then its follow-ups through the gateway."""
    with uow_factory() as uow:
        applied = apply_payment_in(uow, attempt_id, info, clock)
        uow.commit()
    report_applied(applied)
    follow_up(uow_factory, gateway, clock, applied, info)
    return applied


_CHARGE_STATES: dict[str, PaymentState] = {
    "succeeded": "succeeded",
    "processing": "processing",
    "requires_action": "requires_action",
    "declined": "failed",
}


def record_charge(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    attempt_id: int,
    currency: str,
    result: ChargeResult,
    *,
    payment_method: str | None = None,
    customer: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Applied:
    """Store the provider's answer to a charge we made (settling, with the receipt, when it succeeded).

    payment_method, customer and metadata (what we sent with the charge) let follow_up keep the card when
    the customer asked to save it (billpay_save_method=1).
    """
    state = _CHARGE_STATES[result.status]
    # A refusal before any intent existed has no reference: the attempt just fails.
    info = PaymentInfo(
        result.provider_reference or "",
        state,
        result.amount_minor or 0,
        result.currency or "",
        failure_code=result.failure_code,
        payment_method=payment_method,
        customer=customer,
        metadata=dict(metadata or {}),
    )
    return apply_payment(uow_factory, gateway, clock, attempt_id, info)


def follow_up(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    applied: Applied,
    info: PaymentInfo,
) -> None:
    """After the settling commit: refund any excess, and keep the card if the customer asked to save it."""
    if applied.excess_minor:
        refund_excess(uow_factory, gateway, clock, applied.attempt_id)
    wants_saving = info.metadata.get("billpay_save_method") == "1"
    if applied.newly_settled and wants_saving and info.payment_method and info.customer:
        save_paid_method(
            uow_factory,
            gateway,
            clock,
            customer_id=applied.customer_id,
            payment_method=info.payment_method,
            provider_customer_id=info.customer,
        )


def refund_excess(
    uow_factory: Callable[[], UnitOfWork], gateway: PaymentGateway, clock: Clock, attempt_id: int
) -> int:
    """Give back what an attempt paid beyond the bill (two channels raced). Safe to repeat; returns the amount."""
    with uow_factory() as uow:
        attempt = uow.attempts.get(attempt_id)
        assert attempt is not None
        owed = min(attempt.invoice.refund_due_minor, attempt.amount_minor - attempt.refunded_minor)
        reference, already, key = attempt.provider_reference, attempt.refunded_minor, provider_key(attempt)
    if owed <= 0 or reference is None:
        return 0
    try:
        truth = gateway.retrieve_payment(reference)
        if truth.refunded_minor <= already:  # nothing refunded behind our back: refund now
            gateway.refund(
                reference=reference, amount_minor=owed, idempotency_key=f"{key}-excess", reason="excess"
            )
            truth = gateway.retrieve_payment(reference)
    except GatewayError:
        log.warning("excess refund for attempt %s failed; billpay reconcile retries", attempt_id)
        return 0
    with uow_factory() as uow:
        refunded = ledger.apply_refund_in(uow, attempt_id, truth.refunded_minor, clock, reason="excess")
        uow.commit()
    log.info(
        "refunded %s minor units of excess on attempt %s",
        refunded,
        attempt_id,
        extra={
            "event": "refund",
            "attempt_id": attempt_id,
            "provider_reference": reference,
            "amount_minor": refunded,
            "reason": "excess",
        },
    )
    return refunded
