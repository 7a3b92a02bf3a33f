"""Paying a bill with a stored mandate (card on file or SEPA Direct Debit), exactly once per idempotency key.

Contract used by the Alexa skill:

    pay_with_mandate(uow_factory, gateway, clock, *, customer_id, invoice_id, amount_minor,
                     payment_method_id, idempotency_key, channel=Channel.ALEXA, evidence=None)
        -> PaymentOutcome

    stored_methods(uow, customer_id) -> list[MethodView]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.clock import Clock
from ..domain.errors import Conflict
from ..domain.model import Channel, InvoiceStatus, MethodKind
from ..payments.gateway import PaymentGateway
from ..storage.uow import UnitOfWork


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
    raise NotImplementedError


def stored_methods(uow: UnitOfWork, customer_id: int) -> list[MethodView]:
    """The customer's active stored methods, default first."""
    with uow:
        return [
            MethodView(row.id, MethodKind(row.kind), row.label, row.brand, row.last4, row.is_default)
            for row in uow.methods.active_for_customer(customer_id)
        ]
