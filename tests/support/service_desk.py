"""Factories for service-desk tests: reminders sent, payments that raced, webhook endpoints, on the demo store."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select

from skill.bootstrap import Services
from skill.domain.model import Channel, EventKind, PaymentStatus
from skill.notifications.senders import OutgoingMessage
from skill.notifications.webhook import WebhookSender
from skill.services.billing import ledger
from skill.services.billing.results import TimelineEntry
from skill.storage import models as m
from skill.storage.outbox import enqueue
from tests.support.recording_server import Recorded, recording_server


def invoice_id(services: Services, number: str) -> int:
    with services.uow() as uow:
        found = next(i for b in uow.billers.all() if (i := uow.invoices.by_number(b.id, number)) is not None)
        return found.id


def biller_id(services: Services, slug: str) -> int:
    with services.uow() as uow:
        biller = uow.billers.by_slug(slug)
        assert biller is not None
        return biller.id


def remind(services: Services, invoice: int, step: str, via: str, on: date) -> None:
    """A reminder step as dunning (issue 13) records it on the timeline."""
    at = datetime(on.year, on.month, on.day, 8, 0, tzinfo=services.clock.now().tzinfo)
    with services.uow() as uow:
        uow.events.record(invoice, EventKind.REMINDED, at, channel=via, data={"step": step, "sent_via": via})
        uow.commit()


def queue_reminder(services: Services, customer_id: int, invoice: int, step: str) -> None:
    """A reminder message queued in the outbox that no timeline entry names (yet)."""
    with services.uow() as uow:
        enqueue(
            uow,
            kind="reminder",
            channel="email",
            recipient="alex@example.com",
            locale="en-US",
            payload={"step": step},
            now=services.clock.now(),
            customer_id=customer_id,
            invoice_id=invoice,
        )
        uow.commit()


def provider_payment(services: Services, invoice: int, amount_minor: int, reference: str) -> int:
    """A card payment the provider confirmed (two channels may race: the second one is excess)."""
    now = services.clock.now()
    with services.uow() as uow:
        attempt = m.PaymentAttempt(
            invoice_id=invoice,
            amount_minor=amount_minor,
            currency="EUR",
            channel=Channel.LINK,
            method="card",
            status=PaymentStatus.PROCESSING,
            idempotency_key=f"test-{reference}",
            provider_reference=reference,
            created_at=now,
            updated_at=now,
        )
        uow.attempts.add(attempt)
        uow.commit()
        attempt_id = attempt.id
    ledger.settle_attempt(services.uow(), attempt_id, services.clock)
    return attempt_id


def bank_transfer(services: Services, invoice: int, amount_minor: int, key: str) -> None:
    ledger.record_payment(
        services.uow(),
        invoice,
        amount_minor,
        "EUR",
        idempotency_key=key,
        clock=services.clock,
        method="bank_transfer",
    )


def hook(services: Services, slug: str, events: list[str]) -> int:
    return services.biller_api.register_webhook(
        biller_id(services, slug), f"https://hooks.{slug}.example/x", events
    ).id


def webhooks(services: Services, event_type: str) -> list[OutgoingMessage]:
    """The queued deliveries of one event type, as the delivery worker hands them to the sender."""
    with services.uow() as uow:
        rows = uow.session.scalars(select(m.OutboxMessage).where(m.OutboxMessage.kind == "webhook")).all()
        return [
            OutgoingMessage(r.id, r.kind, r.channel, r.recipient, r.locale, dict(r.payload))
            for r in rows
            if r.payload.get("event_type") == event_type
        ]


def events(services: Services, invoice: int, kind: str) -> list[TimelineEntry]:
    with services.uow() as uow:
        return [
            TimelineEntry(e.kind, e.at, e.channel, dict(e.data))
            for e in uow.events.for_invoice(invoice)
            if e.kind == kind
        ]


def deliver(services: Services, message: OutgoingMessage) -> Recorded:
    """Send a queued delivery with the real webhook sender to a local receiver; the request it received."""
    sender = WebhookSender(services.biller_api.signing_secret, services.clock, allow_private=True)
    with recording_server(status=200) as receiver:
        sender.send(replace(message, recipient=receiver.url))  # the signature covers the body, not the URL
        [received] = receiver.requests
    return received
