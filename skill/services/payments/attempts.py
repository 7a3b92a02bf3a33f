"""Opening a payment attempt: the row written before the provider is called, and its timeline entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...domain.model import Channel, EventKind, PaymentStatus
from ...storage import models as m
from ...storage.uow import UnitOfWork


def open_attempt(
    uow: UnitOfWork,
    invoice: m.Invoice,
    *,
    amount_minor: int,
    channel: Channel,
    method: str,
    idempotency_key: str,
    now: datetime,
    payment_method_id: int | None = None,
    link_id: int | None = None,
    event_data: dict[str, Any] | None = None,
) -> m.PaymentAttempt:
    """A pending attempt in the caller's transaction (under the invoice lock), and `payment_started` on the timeline.

    Written before any provider call, so that a crash between the provider's answer and our commit leaves a row
    for `billpay reconcile` to find (docs/architecture.md, Locking and idempotency).
    """
    attempt = m.PaymentAttempt(
        invoice_id=invoice.id,
        amount_minor=amount_minor,
        currency=invoice.currency,
        channel=channel,
        method=method,
        payment_method_id=payment_method_id,
        link_id=link_id,
        status=PaymentStatus.PENDING,
        idempotency_key=idempotency_key,
        created_at=now,
        updated_at=now,
    )
    uow.attempts.add(attempt)
    uow.flush()
    uow.events.record(
        invoice.id,
        EventKind.PAYMENT_STARTED,
        now,
        channel=str(channel),
        data={"attempt_id": attempt.id, "amount_minor": amount_minor, **(event_data or {})},
    )
    return attempt
