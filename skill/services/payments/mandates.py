"""Paying a bill with a stored mandate (card on file or SEPA Direct Debit), exactly once per idempotency key.

Contract used by the Alexa skill:

    pay_with_mandate(uow_factory, gateway, clock, *, customer_id, invoice_id, amount_minor,
                     payment_method_id, idempotency_key, channel=Channel.ALEXA, evidence=None)
        -> PaymentOutcome

    stored_methods(uow, customer_id) -> list[MethodView]
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...domain.clock import Clock
from ...domain.errors import Conflict, InvalidInput, NotFound
from ...domain.model import (
    Channel,
    InvoiceStatus,
    MandateStatus,
    MethodKind,
    PaymentStatus,
)
from ...domain.money import require_minor_units
from ...payments.gateway import ChargeResult, GatewayError, PaymentGateway
from ...storage import models as m
from ...storage.uow import UnitOfWork
from ..billing.results import payment_terms
from .attempts import open_attempt
from .settlement import provider_key, provider_metadata, record_charge

log = logging.getLogger(__name__)


class PaymentInProgress(Conflict):
    """Another payment for this bill is in flight and covers what is due; nothing was charged."""

    code = "payment_in_progress"


@dataclass(frozen=True)
class MethodView:
    id: int
    kind: MethodKind
    label: str
    brand: str | None
    last4: str
    is_default: bool


@dataclass(frozen=True)
class PaymentOutcome:
    """status: succeeded | processing | requires_action | declined | already_paid.

    failure_reason is a stable code (see skill.payments.gateway.REASONS) for declined and requires_action.
    """

    status: str
    attempt_id: int | None
    amount_minor: int
    currency: str
    invoice_status: InvoiceStatus
    failure_reason: str | None = None


def pay_with_mandate(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    *,
    customer_id: int,
    invoice_id: int,
    amount_minor: int,
    payment_method_id: int,
    idempotency_key: str,
    channel: Channel = Channel.ALEXA,
    evidence: dict[str, Any] | None = None,
) -> PaymentOutcome:
    """Charge a stored method off-session for (part of) a bill, at most once per `idempotency_key`.

    1. Under the invoice lock: the same key again returns the first attempt's outcome without charging;
       otherwise the amount is checked against what is due minus in-flight attempts, and the attempt and a
       `payment_started` timeline entry carrying `evidence` (what was read back, confirmed_at, personId,
       deviceId) are committed before the provider is called.
    2. The provider is called with a key derived from the attempt.
    3. succeeded: the bill is settled and a receipt email queued in one transaction; processing (SEPA): the
       webhook settles later; requires_action: nothing charged (offer a link); declined: a plain reason.

    Raises NotFound (bill or method not the customer's), InvalidAmount / PartialPaymentNotAllowed,
    PaymentInProgress, ConfigError (no STRIPE_API_KEY). If the provider cannot be reached the attempt stays
    pending and the outcome is `processing`: `billpay reconcile` and the webhook resolve it.
    """
    require_minor_units(amount_minor)
    if not idempotency_key:
        raise InvalidInput("idempotency key is required", field="idempotency_key")
    request = _MandateRequest(
        customer_id, invoice_id, amount_minor, payment_method_id, idempotency_key, channel, evidence or {}
    )
    begun = _begin_attempt(uow_factory(), clock, request)
    if isinstance(begun, PaymentOutcome):
        return begun
    try:
        result = gateway.charge_off_session(
            amount_minor=amount_minor,
            currency=begun.currency,
            customer=begun.provider_customer,
            payment_method=begun.provider_method,
            method_kind=begun.method_kind,
            idempotency_key=begun.provider_key,
            metadata=begun.metadata,
        )
    except GatewayError:
        log.warning("provider unreachable for attempt %s; left pending for reconcile", begun.attempt_id)
        return _outcome_of(uow_factory(), begun.attempt_id)
    _record_charge(uow_factory, gateway, clock, begun, result)
    return _outcome_of(uow_factory(), begun.attempt_id)


@dataclass(frozen=True)
class _MandateRequest:
    customer_id: int
    invoice_id: int
    amount_minor: int
    payment_method_id: int
    idempotency_key: str
    channel: Channel
    evidence: dict[str, Any]


@dataclass(frozen=True)
class _Begun:
    attempt_id: int
    currency: str
    provider_customer: str
    provider_method: str
    method_kind: MethodKind
    provider_key: str
    metadata: dict[str, str]


def _begin_attempt(uow: UnitOfWork, clock: Clock, req: _MandateRequest) -> _Begun | PaymentOutcome:
    """Under the invoice lock: replay a known key, or reserve the amount and commit a pending attempt."""
    with uow:
        invoice = uow.invoices.get_for_update(req.invoice_id)
        if invoice is None or invoice.account.customer_id != req.customer_id:
            raise NotFound("unknown invoice", invoice_id=req.invoice_id)
        existing = uow.attempts.by_key(req.idempotency_key)  # after the lock: a concurrent twin has committed
        if existing is not None:
            if (existing.invoice_id, existing.amount_minor) != (req.invoice_id, req.amount_minor):
                raise InvalidInput("idempotency key reused for a different payment", field="idempotency_key")
            return _outcome(existing, invoice)
        method = uow.methods.get(req.payment_method_id)
        usable = (
            method is not None and method.removed_at is None and method.mandate_status is MandateStatus.ACTIVE
        )
        if method is None or method.customer_id != req.customer_id or not usable:
            raise NotFound("unknown payment method", payment_method_id=req.payment_method_id)
        if invoice.status is InvoiceStatus.PAID:
            return PaymentOutcome("already_paid", None, req.amount_minor, invoice.currency, invoice.status)
        check_amount_available(uow, invoice, req.amount_minor)
        now = clock.now()
        attempt = open_attempt(
            uow,
            invoice,
            amount_minor=req.amount_minor,
            channel=req.channel,
            method=str(method.kind),
            idempotency_key=req.idempotency_key,
            now=now,
            payment_method_id=method.id,
            event_data={"method": method.label, "evidence": req.evidence},
        )
        begun = _Begun(
            attempt.id,
            invoice.currency,
            method.provider_customer_id,
            method.provider_method_id,
            MethodKind(method.kind),
            provider_key(attempt),
            provider_metadata(attempt),
        )
        uow.commit()
        return begun


def check_amount_available(uow: UnitOfWork, invoice: m.Invoice, amount_minor: int) -> None:
    """What is due minus what other in-flight attempts may still bring in must cover this amount.

    A link attempt the browser has not confirmed yet is not counted: its page may never be used, and once the
    client secret is out we cannot stop it anyway. If both land, the excess is refunded (settlement.py).
    """
    reserved = sum(
        a.amount_minor
        for a in uow.attempts.open_for_invoice(invoice.id)
        if not (a.channel is Channel.LINK and a.status is PaymentStatus.PENDING)
    )
    if reserved and amount_minor > invoice.amount_due_minor - invoice.amount_paid_minor - reserved:
        raise PaymentInProgress("another payment for this bill is in progress", reserved_minor=reserved)
    payment_terms(invoice).reserving(reserved).check(amount_minor)


def _record_charge(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    begun: _Begun,
    result: ChargeResult,
) -> None:
    """Store the provider's answer to the charge (settling, with the receipt, when it succeeded)."""
    record_charge(uow_factory, gateway, clock, begun.attempt_id, begun.currency, result)
    if result.status == "requires_action" and result.provider_reference:
        # Nobody can authenticate an off-session charge: cancel it so that it can never complete later.
        try:
            gateway.cancel_payment(result.provider_reference)
        except GatewayError:
            log.warning("could not cancel intent of attempt %s; reconcile will", begun.attempt_id)


def _outcome_of(uow: UnitOfWork, attempt_id: int) -> PaymentOutcome:
    with uow:
        attempt = uow.attempts.get(attempt_id)
        assert attempt is not None
        return _outcome(attempt, attempt.invoice)


_OUTCOME = {
    PaymentStatus.SUCCEEDED: "succeeded",
    PaymentStatus.REFUNDED: "succeeded",
    PaymentStatus.PENDING: "processing",
    PaymentStatus.PROCESSING: "processing",
    PaymentStatus.REQUIRES_ACTION: "requires_action",
    PaymentStatus.FAILED: "declined",
    # The provider's answer did not match the attempt: not paid as far as we know, and not declined either.
    PaymentStatus.NEEDS_REVIEW: "processing",
}


def _outcome(attempt: m.PaymentAttempt, invoice: m.Invoice) -> PaymentOutcome:
    return PaymentOutcome(
        _OUTCOME[PaymentStatus(attempt.status)],
        attempt.id,
        attempt.amount_minor,
        attempt.currency,
        InvoiceStatus(invoice.status),
        attempt.failure_reason,
    )


def stored_methods(uow: UnitOfWork, customer_id: int) -> list[MethodView]:
    """The customer's active stored methods, default first."""
    with uow:
        return [
            MethodView(row.id, MethodKind(row.kind), row.label, row.brand, row.last4, row.is_default)
            for row in uow.methods.active_for_customer(customer_id)
        ]
