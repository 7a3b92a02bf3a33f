"""Card payments on the link page in two steps (confirmCardSetup, then a server-side charge).

This flow works with real Stripe.js and with localstripe's shim alike (the shim cannot confirm an unconfirmed
PaymentIntent). iDEAL and SEPA on the page use start_link_payment's PaymentIntent instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from ...domain.clock import Clock
from ...domain.errors import InvalidInput, NotFound
from ...domain.model import PAYABLE, MethodKind, PaymentStatus
from ...payments.gateway import GatewayError, MethodDetails, PaymentGateway
from ...settings import ConfigError
from ...storage.uow import UnitOfWork
from ..links.payment_links import resolve_link
from .link_payments import (
    LinkNotPayable,
    LinkPaymentStart,
    LinkPaymentStatus,
    begin_link_attempt,
    check_link_amount,
    link_attempt_in,
    link_payment_status,
    status_of,
)
from .mandates import check_amount_available
from .methods import provider_customer
from .settlement import provider_key, provider_metadata, record_charge

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkCharge:
    """The answer to charge_link_card. With authentication_client_secret the page calls Stripe.js
    confirmCardPayment(secret) for 3-D Secure, then confirm_link_payment_from_provider."""

    status: LinkPaymentStatus
    authentication_client_secret: str | None = field(default=None, repr=False)


def start_link_card_payment(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    *,
    token: str,
    amount_minor: int | None = None,
    save_method: bool = False,
) -> LinkPaymentStart:
    """Card payment in two steps, which works with real Stripe.js and with localstripe's shim alike.

    The returned client_secret is a SetupIntent's: the page calls stripe.confirmCardSetup(client_secret, card),
    then POSTs the SetupIntent id to a view that calls charge_link_card. Same refusals as start_link_payment.
    """
    state = resolve_link(uow_factory(), token, clock)
    if not state.payable:
        raise LinkNotPayable("this link can no longer be paid", status=str(state.invoice_status))
    browser = gateway.browser_config()
    if not browser.publishable_key:
        raise ConfigError("STRIPE_PUBLISHABLE_KEY is not set: the payment page needs it")
    check_link_amount(uow_factory(), state.link_id, amount_minor)  # before anything reaches the provider
    customer = provider_customer(uow_factory, gateway, state.customer_id)
    attempt_id, amount, currency, key, metadata = begin_link_attempt(
        uow_factory(), clock, state.link_id, amount_minor, method="card"
    )
    handle = gateway.create_setup_intent(
        customer=customer,
        kind=MethodKind.CARD,
        idempotency_key=f"{key}-setup",
        metadata={**metadata, "billpay_save_method": "1" if save_method else "0"},
        off_session=save_method,
    )
    return LinkPaymentStart(
        attempt_id, handle.client_secret, browser.publishable_key, browser.js_url, ("card",), amount, currency
    )


def charge_link_card(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    *,
    token: str,
    attempt_id: int,
    setup_intent_id: str,
) -> LinkCharge:
    """Charge the card the page just set up (read from the provider, never from the browser). Idempotent.

    Raises NotFound (not this link's attempt or setup), InvalidInput (the setup has not succeeded),
    LinkNotPayable / PaymentInProgress (paid or being paid meanwhile: nothing is charged).
    """
    with uow_factory() as uow:
        attempt = link_attempt_in(uow, token, attempt_id)
        if attempt.status is not PaymentStatus.PENDING:
            return LinkCharge(status_of(attempt))
        key, metadata, currency = provider_key(attempt), provider_metadata(attempt), attempt.currency
    setup = gateway.retrieve_setup_intent(setup_intent_id)
    if setup.metadata.get("billpay_key") != key or not setup.customer:
        raise NotFound("unknown setup", setup_intent_id=setup_intent_id)
    if setup.status != "succeeded" or setup.payment_method is None:
        raise InvalidInput("the card has not been set up", field="setup_intent", status=setup.status)
    card = gateway.attach_method(
        payment_method=setup.payment_method, customer=setup.customer
    )  # localstripe: not yet
    if not _reserve(uow_factory(), clock, attempt_id, card):
        return LinkCharge(link_payment_status(uow_factory, clock, token=token, attempt_id=attempt_id))
    save = setup.metadata.get("billpay_save_method", "0")
    try:
        result = gateway.charge_on_session(
            amount_minor=_amount(uow_factory(), attempt_id),
            currency=currency,
            customer=setup.customer,
            payment_method=setup.payment_method,
            idempotency_key=key,
            metadata={**metadata, "billpay_save_method": save},
        )
    except GatewayError:
        log.warning("provider unreachable charging link attempt %s; left for reconcile", attempt_id)
        return LinkCharge(link_payment_status(uow_factory, clock, token=token, attempt_id=attempt_id))
    record_charge(
        uow_factory,
        gateway,
        clock,
        attempt_id,
        currency,
        result,
        payment_method=setup.payment_method,
        customer=setup.customer,
        metadata={**metadata, "billpay_save_method": save},
    )
    status = link_payment_status(uow_factory, clock, token=token, attempt_id=attempt_id)
    return LinkCharge(status, result.client_secret if result.status == "requires_action" else None)


def _reserve(uow: UnitOfWork, clock: Clock, attempt_id: int, card: MethodDetails) -> bool:
    """Under the invoice lock: this attempt becomes money in flight (processing), if it still fits the bill.

    The card's brand and last four are kept on the attempt for its receipt ("Visa ending 4242").
    """
    with uow:
        unlocked = uow.attempts.get(attempt_id)
        assert unlocked is not None
        invoice = uow.invoices.get_for_update(unlocked.invoice_id)
        attempt = uow.attempts.get_for_update(attempt_id)
        assert invoice is not None and attempt is not None
        if attempt.status is not PaymentStatus.PENDING:
            return False  # a concurrent call for the same attempt got here first
        if invoice.status not in PAYABLE:
            raise LinkNotPayable("this bill is no longer payable", status=str(invoice.status))
        check_amount_available(uow, invoice, attempt.amount_minor)
        attempt.status = PaymentStatus.PROCESSING
        attempt.method_brand, attempt.method_last4 = card.brand, card.last4
        attempt.updated_at = clock.now()
        uow.commit()
        return True


def _amount(uow: UnitOfWork, attempt_id: int) -> int:
    with uow:
        attempt = uow.attempts.get(attempt_id)
        assert attempt is not None
        return attempt.amount_minor
