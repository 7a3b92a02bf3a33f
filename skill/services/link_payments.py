"""Paying a bill from its payment link: the page confirms with Stripe.js, we settle on the provider's word."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..domain.clock import Clock
from ..domain.errors import IllegalTransition
from ..domain.model import InvoiceStatus, PaymentStatus
from ..payments.gateway import PaymentGateway
from ..storage.uow import UnitOfWork


class LinkNotPayable(IllegalTransition):
    """The link expired, or its bill is paid or void: the page says so and never charges."""

    code = "link_not_payable"


@dataclass(frozen=True)
class LinkPaymentStart:
    """Everything the page needs to confirm the payment in the browser. client_secret goes to that page only."""

    attempt_id: int
    client_secret: str = field(repr=False)
    publishable_key: str
    js_url: str  # https://js.stripe.com/v3/ (or localstripe's shim in tests and the demo)
    payment_method_types: tuple[str, ...]
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class LinkPaymentStatus:
    attempt_id: int
    status: PaymentStatus  # pending | processing | succeeded | failed | requires_action | refunded
    invoice_status: InvoiceStatus
    amount_minor: int
    currency: str
    failure_reason: str | None = None

    @property
    def finished(self) -> bool:
        return self.status not in (PaymentStatus.PENDING, PaymentStatus.PROCESSING)


def start_link_payment(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    *,
    token: str,
    amount_minor: int | None = None,
    save_method: bool = False,
) -> LinkPaymentStart:
    """Start paying a link: the link's amount, or `amount_minor` where the biller accepts partial payments.

    Writes a pending attempt (channel link) first, then creates an unconfirmed PaymentIntent with the
    configured payment_method_types. With `save_method` the card is saved for paying by voice once paid.
    Raises NotFound (unknown token), LinkNotPayable (expired, paid, void), InvalidAmount /
    PartialPaymentNotAllowed, PaymentInProgress (a voice payment already covers the bill).
    """
    raise NotImplementedError


def link_payment_status(
    uow_factory: Callable[[], UnitOfWork], clock: Clock, *, token: str, attempt_id: int
) -> LinkPaymentStatus:
    """What we know about one of this link's attempts (database only; cheap enough to poll)."""
    raise NotImplementedError


def confirm_link_payment_from_provider(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    *,
    token: str,
    attempt_id: int,
) -> LinkPaymentStatus:
    """Ask the provider (server side, never the browser's word) and apply its answer; then the status.

    Call it when the browser says it finished (success page, or while polling). Idempotent; the webhook
    applies the same truth independently.
    """
    raise NotImplementedError
