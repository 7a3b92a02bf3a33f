"""The wallet: save a card or SEPA mandate through a SetupIntent, list, remove and choose the default."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..domain.clock import Clock
from ..domain.model import MethodKind
from ..payments.gateway import PaymentGateway
from ..storage.uow import UnitOfWork
from .payments import MethodView


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
    raise NotImplementedError


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
    raise NotImplementedError


def remove_method(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    *,
    customer_id: int,
    method_id: int,
) -> None:
    """Detach at the provider and mark removed; if it was the default, the oldest remaining one takes over."""
    raise NotImplementedError


def set_default_method(
    uow_factory: Callable[[], UnitOfWork], clock: Clock, *, customer_id: int, method_id: int
) -> None:
    """Make one of the customer's active methods the default (exactly one default at a time)."""
    raise NotImplementedError
