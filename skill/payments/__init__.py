"""Payment providers behind the PaymentGateway interface (Stripe in production, localstripe in tests)."""

from __future__ import annotations

from typing import Any

from ..config import Settings


def build_gateway(settings: Settings) -> Any:
    """Chosen by configuration; the Stripe implementation arrives with the payments issue (#4)."""
    raise NotImplementedError("no payment gateway is configured yet")
