"""Paying a bill with a stored mandate (card on file or SEPA Direct Debit). Implemented with issue #4.

Contract used by the Alexa skill:

    pay_with_mandate(uow_factory, gateway, clock, *, customer_id, invoice_id, amount_minor,
                     payment_method_id, idempotency_key, channel=Channel.ALEXA, evidence=None)
        -> PaymentOutcome

    stored_methods(uow, customer_id) -> list[MethodView]
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.model import InvoiceStatus, MethodKind
from ..storage.uow import UnitOfWork


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
    """status: succeeded | processing | requires_action | declined | already_paid."""

    status: str
    attempt_id: int | None
    amount_minor: int
    currency: str
    invoice_status: InvoiceStatus
    failure_reason: str | None = None


def stored_methods(uow: UnitOfWork, customer_id: int) -> list[MethodView]:
    """The customer's active stored methods, default first."""
    with uow:
        return [
            MethodView(row.id, MethodKind(row.kind), row.label, row.brand, row.last4, row.is_default)
            for row in uow.methods.active_for_customer(customer_id)
        ]
