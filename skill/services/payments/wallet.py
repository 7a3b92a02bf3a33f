"""The wallet: save a card or SEPA mandate through a SetupIntent, list, remove and choose the default."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from ...domain.clock import Clock
from ...domain.errors import InvalidInput, NotFound
from ...domain.model import MethodKind
from ...payments.gateway import PaymentGateway
from ...settings import ConfigError
from ...storage import models as m
from ...storage.uow import UnitOfWork
from .link_payments import MAX_ROW_ID
from .mandates import MethodView
from .methods import provider_customer, remove_in, store_method_in

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WalletSetup:
    """What the wallet page needs to confirm a SetupIntent with Stripe.js (confirmCardSetup / SEPA)."""

    setup_intent_id: str
    client_secret: str = field(repr=False)
    publishable_key: str
    js_url: str
    kind: MethodKind


def start_wallet_setup(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    *,
    customer_id: int,
    kind: MethodKind,
) -> WalletSetup:
    """Create (once) the customer at the provider and a SetupIntent for off-session use of `kind`."""
    customer = provider_customer(uow_factory, gateway, customer_id)
    browser = gateway.browser_config()
    if not browser.publishable_key:
        raise ConfigError("STRIPE_PUBLISHABLE_KEY is not set: the wallet page needs it")
    handle = gateway.create_setup_intent(
        customer=customer,
        kind=kind,
        idempotency_key=f"billpay-setup-{customer_id}-{uuid.uuid4().hex}",
        metadata={"billpay_customer_id": str(customer_id)},
    )
    return WalletSetup(handle.id, handle.client_secret, browser.publishable_key, browser.js_url, kind)


def complete_wallet_setup(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    *,
    customer_id: int,
    setup_intent_id: str,
    make_default: bool = False,
) -> MethodView:
    """Store the method of a succeeded SetupIntent (retrieved server side), attached to the customer.

    Labels read "Visa ending 4242" / "IBAN ending 3000". The first method becomes the default. Idempotent:
    completing twice (or after the setup_intent.succeeded webhook) returns the same row. Raises NotFound
    when the SetupIntent is not this customer's, InvalidInput when it has not succeeded.
    """
    info = gateway.retrieve_setup_intent(setup_intent_id)
    with uow_factory() as uow:
        customer = uow.customers.get(customer_id)
        if customer is None or not info.customer or customer.stripe_customer_id != info.customer:
            raise NotFound("unknown setup", setup_intent_id=setup_intent_id)
    if info.status != "succeeded" or info.payment_method is None:
        raise InvalidInput("the method has not been set up", field="setup_intent", status=info.status)
    # localstripe does not attach on confirm (Stripe does); attaching an attached method is harmless.
    details = gateway.attach_method(payment_method=info.payment_method, customer=info.customer)
    with uow_factory() as uow:
        row = store_method_in(uow, customer_id, details, clock.now(), make_default=make_default)
        uow.commit()
        return _view(row)


def remove_method(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    *,
    customer_id: int,
    method_id: int,
) -> None:
    """Detach at the provider and mark removed; if it was the default, the oldest remaining one takes over."""
    with uow_factory() as uow:
        row = _own_active(uow, customer_id, method_id)
        provider_id = row.provider_method_id
    gateway.detach_method(provider_id)  # first: if it fails nothing changed; the webhook covers a crash after
    with uow_factory() as uow:
        uow.customers.get_for_update(customer_id)  # one wallet change at a time
        remove_in(uow, _own_active(uow, customer_id, method_id), clock.now())
        uow.commit()


def set_default_method(
    uow_factory: Callable[[], UnitOfWork], clock: Clock, *, customer_id: int, method_id: int
) -> None:
    """Make one of the customer's active methods the default (exactly one default at a time)."""
    with uow_factory() as uow:
        uow.customers.get_for_update(customer_id)
        chosen = _own_active(uow, customer_id, method_id)
        for row in uow.methods.active_for_customer(customer_id):
            row.is_default = row.id == chosen.id
        uow.commit()


def _own_active(uow: UnitOfWork, customer_id: int, method_id: int) -> m.PaymentMethod:
    # An id no row can have is unknown, not an integer overflow (SQLite) or a DataError (PostgreSQL).
    row = uow.methods.get(method_id) if 0 < method_id <= MAX_ROW_ID else None
    if row is None or row.customer_id != customer_id or row.removed_at is not None:
        raise NotFound("unknown payment method", payment_method_id=method_id)
    return row


def _view(row: m.PaymentMethod) -> MethodView:
    return MethodView(row.id, MethodKind(row.kind), row.label, row.brand, row.last4, row.is_default)
