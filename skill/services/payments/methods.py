"""Stored methods as rows: the provider customer, storing and removing methods (shared by wallet, link and webhooks)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from ...domain.clock import Clock
from ...domain.errors import NotFound
from ...domain.model import MandateStatus
from ...payments.gateway import GatewayError, MethodDetails, PaymentGateway
from ...storage import models as m
from ...storage.uow import UnitOfWork

log = logging.getLogger(__name__)


def provider_customer(
    uow_factory: Callable[[], UnitOfWork], gateway: PaymentGateway, customer_id: int
) -> str:
    """The customer's id at the provider, created once and stored (existing stored methods keep theirs)."""
    with uow_factory() as uow:
        customer = uow.customers.get(customer_id)
        if customer is None:
            raise NotFound("unknown customer", customer_id=customer_id)
        methods = uow.methods.active_for_customer(customer_id)
        known = customer.stripe_customer_id or next((r.provider_customer_id for r in methods), None)
    ensured = gateway.ensure_customer(existing_id=known, our_customer_id=customer_id)
    with uow_factory() as uow:
        customer = uow.customers.get_for_update(customer_id)
        assert customer is not None
        if customer.stripe_customer_id and customer.stripe_customer_id != known:
            return customer.stripe_customer_id  # a concurrent request stored one first; ours stays unused
        customer.stripe_customer_id = ensured
        uow.commit()
    return ensured


def store_method_in(
    uow: UnitOfWork, customer_id: int, details: MethodDetails, now: datetime, *, make_default: bool = False
) -> m.PaymentMethod:
    """Insert (or reactivate) a stored method for the customer, inside the caller's transaction."""
    uow.customers.get_for_update(customer_id)
    active = uow.methods.active_for_customer(customer_id)
    row = uow.methods.by_provider_id("stripe", details.id)
    if row is not None and row.customer_id != customer_id:
        raise NotFound("unknown payment method")
    if row is None:
        row = m.PaymentMethod(
            customer_id=customer_id, provider="stripe", provider_method_id=details.id, created_at=now
        )
        uow.methods.add(row)
    elif row.removed_at is None:
        return row
    row.provider_customer_id = details.customer or ""
    row.kind = details.kind
    row.brand = details.brand
    row.last4 = details.last4
    row.label = details.label
    row.mandate_status = MandateStatus.ACTIVE
    row.removed_at = None
    row.is_default = make_default or not active
    if row.is_default:
        for other in active:
            other.is_default = False
    uow.flush()
    return row


def remove_in(uow: UnitOfWork, row: m.PaymentMethod, now: datetime) -> None:
    """Mark a method removed; the oldest remaining one becomes the default if this one was."""
    was_default = row.is_default
    row.removed_at = now
    row.is_default = False
    row.mandate_status = MandateStatus.REVOKED
    uow.flush()
    remaining = uow.methods.active_for_customer(row.customer_id)
    if was_default and remaining:
        min(remaining, key=lambda r: r.id).is_default = True


def save_paid_method(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    *,
    customer_id: int,
    payment_method: str,
    provider_customer_id: str,
) -> int | None:
    """Keep the card a link payment used ("save this card for paying by voice"). Returns the row id."""
    try:
        details = gateway.attach_method(payment_method=payment_method, customer=provider_customer_id)
    except GatewayError:
        log.warning("could not save the method of customer %s after a link payment", customer_id)
        return None
    with uow_factory() as uow:
        row = store_method_in(uow, customer_id, details, clock.now())
        uow.commit()
        return row.id
