"""Enqueue a message in the same transaction as the change it announces (transactional outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import models as m
from .uow import UnitOfWork


def enqueue(
    uow: UnitOfWork,
    *,
    kind: str,
    channel: str,
    recipient: str,
    locale: str,
    payload: dict[str, Any],
    now: datetime,
    customer_id: int | None = None,
    invoice_id: int | None = None,
    dedupe_key: str | None = None,
) -> m.OutboxMessage:
    """Add a pending message to the caller's open unit of work; the caller commits.

    kind: payment_request | receipt | reminder | otp | webhook ...; channel: sms | email | alexa_card | webhook.
    With a dedupe_key, a second enqueue of the same message returns the first one.
    """
    if dedupe_key is not None:
        existing = uow.outbox.by_dedupe_key(dedupe_key)
        if existing is not None:
            return existing
    message = m.OutboxMessage(
        kind=kind,
        channel=channel,
        recipient=recipient,
        locale=locale,
        payload=payload,
        dedupe_key=dedupe_key,
        customer_id=customer_id,
        invoice_id=invoice_id,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    uow.outbox.add(message)
    return message
