"""A customer's recent payments, for "did my payment go through" and "what did I pay last"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...domain.model import PaymentStatus
from ...storage.uow import UnitOfWork


@dataclass(frozen=True)
class PaymentView:
    attempt_id: int
    invoice_id: int
    biller_name: str
    amount_minor: int
    currency: str
    status: PaymentStatus
    method: str
    at: datetime
    failure_reason: str | None
    refunded_minor: int = 0  # how much of it went back to the customer (all of it when status is refunded)

    @property
    def fully_refunded(self) -> bool:
        return self.status is PaymentStatus.REFUNDED or self.refunded_minor >= self.amount_minor


def recent_payments(uow: UnitOfWork, customer_id: int, limit: int = 5) -> list[PaymentView]:
    """Newest first, across all of the customer's billers and channels."""
    with uow:
        return [
            PaymentView(
                attempt_id=a.id,
                invoice_id=a.invoice_id,
                biller_name=a.invoice.biller.spoken_name,
                amount_minor=a.amount_minor,
                currency=a.currency,
                status=PaymentStatus(a.status),
                method=a.method,
                at=a.created_at,
                failure_reason=a.failure_reason,
                refunded_minor=a.refunded_minor or 0,
            )
            for a in uow.attempts.for_customer(customer_id, limit)
        ]


def receipt_emailed(uow: UnitOfWork, attempt_id: int) -> bool:
    """Was a receipt email queued for this payment? (None is when the customer has no email address on file.)

    The key is the one settlement gives the receipt it queues (payments/settlement.py, _after_settled).
    """
    with uow:
        return uow.outbox.by_dedupe_key(f"receipt:attempt:{attempt_id}") is not None
