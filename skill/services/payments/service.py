"""Payments bound once: the process's gateway (built on first use), clock and unit of work behind each call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ...domain.model import Channel

# On the voice path already: paying by voice charges a stored method.
from . import mandates

if TYPE_CHECKING:
    from ...domain.clock import Clock
    from ...domain.model import MethodKind
    from ...payments.gateway import BrowserConfig, PaymentGateway
    from ...storage.uow import UnitOfWork
    from .link_card_payments import LinkCharge
    from .link_payments import LinkPaymentStart, LinkPaymentStatus
    from .reconcile import ReconcileReport
    from .wallet import WalletSetup


class Payments:
    """Charging, settling and wallets. `gateway` is called on the first payment only, so Stripe loads late."""

    def __init__(
        self, uow: Callable[[], UnitOfWork], clock: Clock, gateway: Callable[[], PaymentGateway]
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._gateway = gateway

    def stored_methods(self, customer_id: int) -> list[mandates.MethodView]:
        return mandates.stored_methods(self._uow(), customer_id)

    def pay_with_mandate(
        self,
        *,
        customer_id: int,
        invoice_id: int,
        amount_minor: int,
        payment_method_id: int,
        idempotency_key: str,
        channel: Channel = Channel.ALEXA,
        evidence: dict[str, Any] | None = None,
    ) -> mandates.PaymentOutcome:
        return mandates.pay_with_mandate(
            self._uow,
            self._gateway(),
            self._clock,
            customer_id=customer_id,
            invoice_id=invoice_id,
            amount_minor=amount_minor,
            payment_method_id=payment_method_id,
            idempotency_key=idempotency_key,
            channel=channel,
            evidence=evidence,
        )

    # The pay page
    def browser_config(self) -> BrowserConfig:
        """What Stripe.js needs on a page (the publishable key); builds the gateway if not built yet."""
        return self._gateway().browser_config()

    def offered_methods(self, *, country: str, currency: str) -> tuple[str, ...]:
        """The methods the pay page offers for a bill: the account's enabled ones, narrowed by the bill's rule."""
        from ...domain.payment_methods import offered_methods

        enabled = self._gateway().browser_config().payment_method_types
        return offered_methods(country=country, currency=currency, enabled=enabled)

    def start_link_payment(
        self, *, token: str, amount_minor: int | None = None, method: str = "card", save_method: bool = False
    ) -> LinkPaymentStart:
        from .link_payments import start_link_payment

        return start_link_payment(
            self._uow,
            self._gateway(),
            self._clock,
            token=token,
            amount_minor=amount_minor,
            method=method,
            save_method=save_method,
        )

    def start_link_card_payment(
        self, *, token: str, amount_minor: int | None = None, save_method: bool = False
    ) -> LinkPaymentStart:
        from .link_card_payments import start_link_card_payment

        return start_link_card_payment(
            self._uow,
            self._gateway(),
            self._clock,
            token=token,
            amount_minor=amount_minor,
            save_method=save_method,
        )

    def charge_link_card(self, *, token: str, attempt_id: int, setup_intent_id: str) -> LinkCharge:
        from .link_card_payments import charge_link_card

        return charge_link_card(
            self._uow,
            self._gateway(),
            self._clock,
            token=token,
            attempt_id=attempt_id,
            setup_intent_id=setup_intent_id,
        )

    def link_payment_status(self, *, token: str, attempt_id: int) -> LinkPaymentStatus:
        from .link_payments import link_payment_status

        return link_payment_status(self._uow, self._clock, token=token, attempt_id=attempt_id)

    def confirm_link_payment_from_provider(self, *, token: str, attempt_id: int) -> LinkPaymentStatus:
        from .link_payments import confirm_link_payment_from_provider

        return confirm_link_payment_from_provider(
            self._uow, self._gateway(), self._clock, token=token, attempt_id=attempt_id
        )

    # The wallet
    def start_wallet_setup(self, *, customer_id: int, kind: MethodKind) -> WalletSetup:
        from .wallet import start_wallet_setup

        return start_wallet_setup(self._uow, self._gateway(), self._clock, customer_id=customer_id, kind=kind)

    def complete_wallet_setup(
        self, *, customer_id: int, setup_intent_id: str, make_default: bool = False
    ) -> mandates.MethodView:
        from .wallet import complete_wallet_setup

        return complete_wallet_setup(
            self._uow,
            self._gateway(),
            self._clock,
            customer_id=customer_id,
            setup_intent_id=setup_intent_id,
            make_default=make_default,
        )

    def remove_method(self, *, customer_id: int, method_id: int) -> None:
        from .wallet import remove_method

        remove_method(self._uow, self._gateway(), self._clock, customer_id=customer_id, method_id=method_id)

    def set_default_method(self, *, customer_id: int, method_id: int) -> None:
        from .wallet import set_default_method

        set_default_method(self._uow, self._clock, customer_id=customer_id, method_id=method_id)

    # What the provider reports
    def verify_webhook(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The verified Stripe event (raises InvalidSignature); https://docs.stripe.com/webhooks#verify-events"""
        return self._gateway().verify_webhook(payload, signature)

    def handle_stripe_event(self, event: dict[str, Any]) -> str:
        from .stripe_events import handle_stripe_event

        return handle_stripe_event(self._uow, self._gateway(), self._clock, event)

    def reconcile(self, *, older_than: timedelta) -> ReconcileReport:
        from .reconcile import reconcile_payments

        return reconcile_payments(self._uow, self._gateway(), self._clock, older_than=older_than)
