"""Stripe webhook events: deduplicated by id, applied idempotently, in any order of delivery.

https://docs.stripe.com/webhooks#handle-duplicate-events and #event-ordering
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...domain.clock import Clock
from ...payments.gateway import ChargeInfo, MethodDetails, PaymentGateway, PaymentInfo, ProviderObjectMissing
from ...payments.stripe_objects import MalformedObject, charge_info, payment_info
from ...storage import models as m
from ...storage.errors import DuplicateKey
from ...storage.uow import UnitOfWork
from ..billing import ledger
from .methods import remove_in, store_method_in
from .settlement import Applied, apply_payment_in, find_attempt_in, follow_up, report_applied

log = logging.getLogger(__name__)

PAYMENT_EVENTS = (
    "payment_intent.succeeded",
    "payment_intent.processing",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
)


@dataclass
class _Effect:
    result: str = "ignored"  # processed | ignored
    applied: Applied | None = None
    payment: PaymentInfo | None = None


@dataclass(frozen=True)
class _ProviderView:
    """What the provider says now about the event's object, read before the transaction."""

    method: MethodDetails | None = None
    payment: PaymentInfo | None = None
    charge: ChargeInfo | None = None


def handle_stripe_event(
    uow_factory: Callable[[], UnitOfWork], gateway: PaymentGateway, clock: Clock, event: dict[str, Any]
) -> str:
    """Apply one verified event once. Returns processed | ignored | duplicate.

    Raises GatewayError when the provider could not be asked (a retry can help). An event whose object is
    malformed, or which names an object the provider does not know, is recorded and ignored: Stripe retries
    every non-2xx answer for days, and the same signed bytes would fail the same way each time.
    """
    event_id, event_type = str(event.get("id") or ""), str(event.get("type") or "")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        obj = {}  # nothing to apply; recorded as processed so that it is not retried forever
    with uow_factory() as uow:
        if not event_id or uow.processed.seen("stripe", event_id):
            return "duplicate"
    try:
        view = _read_provider(uow_factory, gateway, event_type, obj)
    except (MalformedObject, ProviderObjectMissing) as exc:
        log.warning("stripe event %s (%s) ignored: %s", event_id, event_type, type(exc).__name__)
        view, obj = _ProviderView(), {}
    try:
        with uow_factory() as uow:
            if uow.processed.seen("stripe", event_id):
                return "duplicate"
            effect = _dispatch(uow, clock, event_type, obj, view)
            # Same transaction as the effect: a crash leaves neither, and the redelivery does both.
            uow.processed.add(
                m.ProcessedEvent(
                    provider="stripe", event_id=event_id, event_type=event_type, processed_at=clock.now()
                )
            )
            uow.commit()
    except DuplicateKey:
        return "duplicate"  # the same event, delivered concurrently, committed first
    if effect.applied is not None:
        report_applied(effect.applied)
    if effect.applied is not None and effect.payment is not None:
        follow_up(uow_factory, gateway, clock, effect.applied, effect.payment)
    log.info(
        "stripe event %s (%s): %s",
        event_id,
        event_type,
        effect.result,
        extra={"stripe_event_id": event_id, "stripe_event_type": event_type, "outcome": effect.result},
    )
    return effect.result


def _read_provider(
    uow_factory: Callable[[], UnitOfWork], gateway: PaymentGateway, event_type: str, obj: dict[str, Any]
) -> _ProviderView:
    """The event is only a nudge: what we apply is the provider's current state, read here.

    No provider call while rows are locked, so this runs before the transaction.
    https://docs.stripe.com/webhooks#event-ordering
    """
    if "id" not in obj:
        return _ProviderView()
    if event_type in PAYMENT_EVENTS:
        return _ProviderView(payment=_current_payment(uow_factory, gateway, obj))
    if event_type == "charge.refunded":
        return _ProviderView(charge=_current_charge(uow_factory, gateway, obj))
    if event_type == "setup_intent.succeeded":
        return _ProviderView(method=_method_of_setup(gateway, obj))
    return _ProviderView()


def _dispatch(
    uow: UnitOfWork, clock: Clock, event_type: str, obj: dict[str, Any], view: _ProviderView
) -> _Effect:
    if "id" not in obj:
        return _Effect()
    match event_type:
        case t if t in PAYMENT_EVENTS:
            return _payment_event(uow, clock, view.payment)
        case "charge.refunded":
            return _charge_refunded(uow, clock, view.charge)
        case "setup_intent.succeeded":
            return _setup_succeeded(uow, clock, obj, view.method)
        case "payment_method.detached":
            return _method_detached(uow, clock, obj)
        case _:
            return _Effect()


def _payment_event(uow: UnitOfWork, clock: Clock, info: PaymentInfo | None) -> _Effect:
    attempt = find_attempt_in(uow, info) if info is not None else None
    if attempt is None or info is None:
        return _Effect()  # not one of ours (another integration on the same account)
    return _Effect("processed", apply_payment_in(uow, attempt.id, info, clock), info)


def _current_payment(
    uow_factory: Callable[[], UnitOfWork], gateway: PaymentGateway, intent: dict[str, Any]
) -> PaymentInfo | None:
    """One of our intents as the provider sees it now, not as the event's snapshot saw it.

    Deliveries come in any order: a page retried after a failed confirmation must not be failed by the late
    payment_failed of the first try. Raises MalformedObject for a snapshot we cannot read.
    """
    snapshot = payment_info(intent)
    with uow_factory() as uow:
        ours = find_attempt_in(uow, snapshot) is not None
    return gateway.retrieve_payment(snapshot.reference) if ours else None


def _current_charge(
    uow_factory: Callable[[], UnitOfWork], gateway: PaymentGateway, charge: dict[str, Any]
) -> ChargeInfo | None:
    """A refunded charge of ours, re-read: the event's amount_refunded is never what we apply."""
    snapshot = charge_info(charge)
    with uow_factory() as uow:
        reference = snapshot.payment_reference
        ours = reference is not None and uow.attempts.by_reference(reference) is not None
    return gateway.retrieve_charge(snapshot.id) if ours else None


def _charge_refunded(uow: UnitOfWork, clock: Clock, charge: ChargeInfo | None) -> _Effect:
    reference = charge.payment_reference if charge is not None else None
    attempt = uow.attempts.by_reference(reference) if reference else None
    if attempt is None or charge is None:
        return _Effect()
    if charge.currency != attempt.currency:
        log.warning("refund on attempt %s is in another currency; ignored", attempt.id)
        return _Effect()
    # amount_refunded is the charge's running total, so an old or repeated event changes nothing.
    refunded = ledger.apply_refund_in(uow, attempt.id, charge.refunded_minor, clock, reason="provider")
    log.info(
        "refund of %s minor units on attempt %s",
        refunded,
        attempt.id,
        extra={
            "event": "refund",
            "attempt_id": attempt.id,
            "invoice_id": attempt.invoice_id,
            "provider_reference": reference,
            "amount_minor": refunded,
            "reason": "provider",
        },
    )
    return _Effect("processed")


def _method_of_setup(gateway: PaymentGateway, setup: dict[str, Any]) -> MethodDetails | None:
    method = setup.get("payment_method")
    method_id = method.get("id") if isinstance(method, dict) else method
    if not method_id:
        return None
    if not isinstance(method_id, str):
        raise MalformedObject("payment_method")
    # A method the provider does not know raises ProviderObjectMissing: the event is then ignored.
    return gateway.describe_method(method_id)


def _setup_succeeded(
    uow: UnitOfWork, clock: Clock, setup: dict[str, Any], method: MethodDetails | None
) -> _Effect:
    customer = uow.customers.by_stripe_id(str(setup.get("customer") or ""))
    # A method detached since (events out of order) is no longer attached to this customer: not stored.
    if customer is None or method is None or method.customer != customer.stripe_customer_id:
        return _Effect()
    store_method_in(uow, customer.id, method, clock.now())
    return _Effect("processed")


def _method_detached(uow: UnitOfWork, clock: Clock, method: dict[str, Any]) -> _Effect:
    row = uow.methods.by_provider_id("stripe", str(method.get("id")))
    if row is None or row.removed_at is not None:
        return _Effect()
    uow.customers.get_for_update(row.customer_id)
    remove_in(uow, row, clock.now())
    return _Effect("processed")
