"""Paying a bill from its payment link: the page confirms with Stripe.js, we settle on the provider's word."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from ...domain.clock import Clock
from ...domain.errors import IllegalTransition, InvalidInput, NotFound
from ...domain.model import PAYABLE, Channel, InvoiceStatus, PaymentStatus
from ...domain.payment_methods import offered_methods
from ...domain.receipts import Receipt
from ...domain.tokens import hash_token
from ...payments.gateway import PaymentGateway
from ...settings import ConfigError
from ...storage import models as m
from ...storage.uow import UnitOfWork
from ..links.payment_links import resolve_link
from .attempts import open_attempt
from .mandates import check_amount_available
from .methods import provider_customer
from .receipts import receipt_of
from .settlement import IN_FLIGHT, apply_payment, provider_key, provider_metadata

MAX_ROW_ID = 2_147_483_647  # ids are 32-bit INTEGER columns on PostgreSQL


class LinkNotPayable(IllegalTransition):
    """The link expired, or its bill is paid or void: the page says so and never charges."""

    code = "link_not_payable"


class MethodNotOffered(InvalidInput):
    """The page sent a method this bill is not offered in (its biller's country or currency rules it out)."""

    code = "method_not_offered"


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
    receipt: Receipt | None = None  # reference, method, date and invoice (services/payments/receipts.py)

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
    method: str = "card",
    save_method: bool = False,
) -> LinkPaymentStart:
    """Start paying a link: the link's amount, or `amount_minor` where the biller accepts partial payments.

    Writes a pending attempt (channel link) first, then creates an unconfirmed PaymentIntent for `method`
    (sepa_debit, ideal; card where the browser confirms the card itself), which must be one the page offers
    for this bill (domain/payment_methods.py). With `save_method` the card is saved for paying by voice once
    paid. Raises NotFound (unknown token), LinkNotPayable (expired, paid, void), MethodNotOffered,
    InvalidAmount / PartialPaymentNotAllowed, PaymentInProgress (a voice payment already covers the bill).
    """
    state = resolve_link(uow_factory(), token, clock)
    if not state.payable:
        raise LinkNotPayable("this link can no longer be paid", status=str(state.invoice_status))
    browser = gateway.browser_config()
    if not browser.publishable_key:
        raise ConfigError("STRIPE_PUBLISHABLE_KEY is not set: the payment page needs it")
    check_link_amount(uow_factory(), state.link_id, amount_minor)  # before anything reaches the provider
    if method not in link_methods(uow_factory(), state.link_id, browser.payment_method_types):
        raise MethodNotOffered("this payment method is not offered for this bill", method=method)
    customer = provider_customer(uow_factory, gateway, state.customer_id) if save_method else None
    attempt_id, amount, currency, key, metadata = begin_link_attempt(
        uow_factory(), clock, state.link_id, amount_minor
    )
    handle = gateway.create_payment_intent(
        amount_minor=amount,
        currency=currency,
        customer=customer,
        method=method,
        save_method=save_method,
        idempotency_key=key,
        metadata=metadata,
    )
    with uow_factory() as uow:
        attempt = uow.attempts.get(attempt_id)
        assert attempt is not None
        if attempt.provider_reference is None:
            attempt.provider_reference = handle.id
        uow.commit()
    return LinkPaymentStart(
        attempt_id,
        handle.client_secret,
        browser.publishable_key,
        browser.js_url,
        browser.payment_method_types,
        amount,
        currency,
    )


def link_payment_status(
    uow_factory: Callable[[], UnitOfWork], clock: Clock, *, token: str, attempt_id: int
) -> LinkPaymentStatus:
    """What we know about one of this link's attempts (database only; cheap enough to poll)."""
    with uow_factory() as uow:
        return status_of(link_attempt_in(uow, token, attempt_id))


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
    with uow_factory() as uow:
        attempt = link_attempt_in(uow, token, attempt_id)
        reference = attempt.provider_reference
        unsettled = attempt.applied_at is None and attempt.status in (*IN_FLIGHT, PaymentStatus.FAILED)
    if reference is not None and unsettled:
        apply_payment(uow_factory, gateway, clock, attempt_id, gateway.retrieve_payment(reference))
    return link_payment_status(uow_factory, clock, token=token, attempt_id=attempt_id)


def link_methods(uow: UnitOfWork, link_id: int, enabled: tuple[str, ...]) -> tuple[str, ...]:
    """The methods the page offers for this link's bill: its biller's country and the bill's currency."""
    with uow:
        link = uow.links.get(link_id)
        invoice = uow.invoices.get(link.invoice_id) if link is not None else None
        if invoice is None:
            return ()
        return offered_methods(country=invoice.biller.country, currency=invoice.currency, enabled=enabled)


def check_link_amount(uow: UnitOfWork, link_id: int, amount_minor: int | None) -> None:
    """The refusals begin_link_attempt would give for this amount, read without a lock and without writing."""
    with uow:
        link = uow.links.get(link_id)
        invoice = uow.invoices.get(link.invoice_id) if link is not None else None
        if link is None or invoice is None or invoice.status not in PAYABLE:
            raise LinkNotPayable("this link can no longer be paid")
        remaining = invoice.amount_due_minor - invoice.amount_paid_minor
        amount = amount_minor if amount_minor is not None else min(link.amount_minor, remaining)
        check_amount_available(uow, invoice, amount)


def begin_link_attempt(
    uow: UnitOfWork, clock: Clock, link_id: int, amount_minor: int | None, *, method: str = "link"
) -> tuple[int, int, str, str, dict[str, str]]:
    """Under the invoice lock: check the link and the amount, and commit a pending link attempt."""
    with uow:
        link = uow.links.get(link_id)
        assert link is not None
        invoice = uow.invoices.get_for_update(link.invoice_id)
        assert invoice is not None
        now = clock.now()
        if link.expires_at <= now or invoice.status not in PAYABLE:
            raise LinkNotPayable("this link can no longer be paid", status=str(invoice.status))
        remaining = invoice.amount_due_minor - invoice.amount_paid_minor
        amount = amount_minor if amount_minor is not None else min(link.amount_minor, remaining)
        check_amount_available(uow, invoice, amount)
        attempt = open_attempt(
            uow,
            invoice,
            amount_minor=amount,
            channel=Channel.LINK,
            method=method,
            idempotency_key=f"link:{link.id}:{uuid.uuid4().hex}",
            now=now,
            link_id=link.id,
            event_data={"link_id": link.id},
        )
        begun = (attempt.id, amount, invoice.currency, provider_key(attempt), provider_metadata(attempt))
        uow.commit()
        return begun


def link_attempt_in(uow: UnitOfWork, token: str, attempt_id: int) -> m.PaymentAttempt:
    link = uow.links.by_token_hash(hash_token(token)) if token and len(token) <= 128 else None
    # An id no row can have is unknown, not an integer overflow (SQLite) or a DataError (PostgreSQL).
    known = isinstance(attempt_id, int) and 0 < attempt_id <= MAX_ROW_ID
    attempt = uow.attempts.get(attempt_id) if link is not None and known else None
    if link is None or attempt is None or attempt.link_id != link.id:
        raise NotFound("unknown payment")
    return attempt


def status_of(attempt: m.PaymentAttempt) -> LinkPaymentStatus:
    return LinkPaymentStatus(
        attempt.id,
        PaymentStatus(attempt.status),
        InvoiceStatus(attempt.invoice.status),
        attempt.amount_minor,
        attempt.currency,
        attempt.failure_reason,
        receipt_of(attempt),
    )
