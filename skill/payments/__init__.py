"""Payment providers behind the PaymentGateway interface (Stripe in production, localstripe in tests)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..settings import ConfigError, Settings

if TYPE_CHECKING:
    from .gateway import PaymentGateway

LOCALSTRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"


def build_gateway(settings: Settings) -> PaymentGateway:
    """The Stripe gateway. Called on the first payment only, so the Alexa cold start never imports Stripe."""
    if not settings.stripe_api_key:
        raise ConfigError(
            "STRIPE_API_KEY is not set: payments need a Stripe secret key (sk_test_... for localstripe)"
        )
    from .stripe_gateway import StripeGateway

    local = settings.stripe_api_base is not None
    return StripeGateway(
        api_key=settings.stripe_api_key,
        webhook_secret=settings.stripe_webhook_secret,
        publishable_key=settings.stripe_publishable_key or (LOCALSTRIPE_PUBLISHABLE_KEY if local else ""),
        payment_method_types=settings.stripe_payment_method_types,
        api_base=settings.stripe_api_base,
        sends_future_usage=not local,
        # localstripe pickles its whole state on every write (slow under load) and ignores idempotency keys,
        # so a retried request could charge twice: wait longer and never retry against it.
        timeout=(3.0, 30.0) if local else (3.0, 6.0),
        max_network_retries=0 if local else 1,
    )
