"""The demo customer's stored card, provisioned for real at the configured provider (localstripe or Stripe test)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..domain.clock import Clock
from ..domain.errors import NotFound
from ..payments.gateway import PaymentGateway
from ..storage.uow import UnitOfWork
from .seed import DEMO_EMAIL

if TYPE_CHECKING:
    from ..bootstrap import Services

PLACEHOLDER_CUSTOMER = "cus_demo_unprovisioned"
PLACEHOLDER_CARD = "pm_demo_visa_4242"
# Stripe's test token for a Visa 4242 (localstripe knows it too): no card number ever passes through us.
# https://docs.stripe.com/testing#cards
TEST_VISA_METHOD = "pm_card_visa"


def provision_services_card(services: Services, *, force: bool = False) -> str | None:
    """provision_demo_card with the process's own unit of work, gateway (built here) and clock."""
    return provision_demo_card(services.uow, services.gateway, services.clock, force=force)


def provision_demo_card(
    uow_factory: Callable[[], UnitOfWork], gateway: PaymentGateway, clock: Clock, *, force: bool = False
) -> str | None:
    """Give the demo card a real customer and payment method at the provider. Returns its label, or None.

    Without `force` only the seed's placeholder ids are replaced, so re-running against the same Stripe test
    account changes nothing; with it (a fresh localstripe) the card is provisioned again.
    """
    with uow_factory() as uow:
        customer = uow.customers.by_email(DEMO_EMAIL)
        if customer is None:
            raise NotFound("no demo customer: run billpay demo seed first")
        card = next((r for r in uow.methods.active_for_customer(customer.id) if r.last4 == "4242"), None)
        if card is None or (not force and card.provider_customer_id != PLACEHOLDER_CUSTOMER):
            return None
        customer_id, card_id = customer.id, card.id
    provider_customer = gateway.ensure_customer(existing_id=None, our_customer_id=customer_id)
    details = gateway.attach_method(payment_method=TEST_VISA_METHOD, customer=provider_customer)
    with uow_factory() as uow:
        row = uow.methods.get(card_id)
        customer = uow.customers.get_for_update(customer_id)
        assert row is not None and customer is not None
        row.provider_customer_id = provider_customer
        row.provider_method_id = details.id
        row.brand, row.last4, row.label = details.brand, details.last4, details.label
        customer.stripe_customer_id = provider_customer
        uow.commit()
    return details.label
