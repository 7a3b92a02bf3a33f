"""The PaymentGateway port: what the services need from a payment provider, in plain data (no Stripe types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from ..domain.model import MethodKind

ChargeStatus = Literal["succeeded", "processing", "requires_action", "declined"]
# A payment as the provider sees it now. "open": waiting for the customer (nothing confirmed yet);
# "failed": the last confirmation was refused (the customer may still retry on the same intent).
PaymentState = Literal["succeeded", "processing", "requires_action", "open", "failed", "canceled"]
SetupState = Literal["succeeded", "processing", "requires_action", "open", "canceled"]


class GatewayError(Exception):
    """The provider could not be reached or answered unexpectedly: the outcome of the call is unknown."""


class ProviderObjectMissing(GatewayError):
    """The provider answered that the object (intent, charge, method) does not exist: asking again cannot help."""


class InvalidSignature(Exception):
    """A webhook whose signature is missing, malformed, stale or wrong (or no secret is configured)."""


# Stable, plain reason codes we store and speak about. Provider codes outside this set become "card_declined"
# (cards) or "payment_failed" (anything else). https://docs.stripe.com/declines/codes
REASONS = frozenset(
    {
        "card_declined",
        "insufficient_funds",
        "expired_card",
        "incorrect_cvc",
        "card_not_supported",
        "lost_or_stolen",
        "authentication_required",
        "processing_error",
        "mandate_invalid",
        "payment_failed",
        "canceled",
        "not_submitted",
    }
)
_ALIASES = {
    "lost_card": "lost_or_stolen",
    "stolen_card": "lost_or_stolen",
    "pickup_card": "lost_or_stolen",
    "invalid_cvc": "incorrect_cvc",
    "payment_intent_authentication_failure": "authentication_required",
    "card_velocity_exceeded": "card_declined",
    "generic_decline": "card_declined",
    "do_not_honor": "card_declined",
    "sepa_unsupported_account": "mandate_invalid",
    "debit_not_authorized": "mandate_invalid",
    "account_closed": "mandate_invalid",
    "no_account": "mandate_invalid",
    "insufficient_funds_sepa": "insufficient_funds",
}


def reason_for(code: str | None, decline_code: str | None = None) -> str:
    """Map a provider's error code (and the card network's decline code) to one of REASONS."""
    for candidate in (decline_code, code):
        mapped = _ALIASES.get(candidate or "", candidate)
        if mapped in REASONS:
            return mapped
    return "payment_failed"


@dataclass(frozen=True)
class ChargeResult:
    """The answer to an off-session charge. provider_reference is None when no intent was created."""

    status: ChargeStatus
    provider_reference: str | None
    failure_code: str | None = None  # one of REASONS when status is declined or requires_action
    # On-session charges only: what the page hands to Stripe.js to authenticate (3-D Secure).
    client_secret: str | None = field(default=None, repr=False)
    # What the provider's intent says it is for; None when no intent came back. Settlement compares them
    # with the attempt: money lands only on an exact match.
    amount_minor: int | None = None
    currency: str | None = None  # ISO 4217, upper case


@dataclass(frozen=True)
class PaymentInfo:
    """A payment (PaymentIntent) retrieved from the provider: the truth we settle on."""

    reference: str
    status: PaymentState
    amount_minor: int
    currency: str  # ISO 4217, upper case
    refunded_minor: int = 0
    failure_code: str | None = None  # one of REASONS
    payment_method: str | None = None
    customer: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChargeInfo:
    """A charge (the money movement behind a payment) as the provider reports it now."""

    id: str
    payment_reference: str | None  # the PaymentIntent it belongs to
    amount_minor: int
    currency: str  # ISO 4217, upper case
    refunded_minor: int  # running total, never negative


@dataclass(frozen=True)
class IntentHandle:
    """A PaymentIntent or SetupIntent the browser completes with Stripe.js. The secret goes to that page only."""

    id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class SetupInfo:
    id: str
    status: SetupState
    customer: str | None
    payment_method: str | None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MethodDetails:
    """What we keep about a stored method: never a card number, only brand and last four."""

    id: str
    kind: MethodKind
    brand: str | None
    last4: str
    customer: str | None

    @property
    def label(self) -> str:
        if self.kind is MethodKind.SEPA_DEBIT:
            return f"IBAN ending {self.last4}"
        return f"{(self.brand or 'Card').replace('_', ' ').title()} ending {self.last4}"


@dataclass(frozen=True)
class RefundResult:
    reference: str
    amount_minor: int
    status: str  # succeeded | pending | failed | canceled


@dataclass(frozen=True)
class BrowserConfig:
    """What a page needs to load Stripe.js (or localstripe's shim) and confirm an intent."""

    publishable_key: str
    js_url: str
    payment_method_types: tuple[str, ...]


class PaymentGateway(Protocol):
    """A payment provider. Every method either answers or raises GatewayError (outcome unknown)."""

    def browser_config(self) -> BrowserConfig: ...

    def ensure_customer(self, *, existing_id: str | None, our_customer_id: int) -> str:
        """The provider's customer id: `existing_id` if it still exists, else a new customer (no personal data)."""
        ...

    def charge_off_session(
        self,
        *,
        amount_minor: int,
        currency: str,
        customer: str,
        payment_method: str,
        method_kind: MethodKind,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ChargeResult:
        """Create and confirm an off-session PaymentIntent on a stored card or SEPA mandate (of `method_kind`)."""
        ...

    def charge_on_session(
        self,
        *,
        amount_minor: int,
        currency: str,
        customer: str,
        payment_method: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ChargeResult:
        """Create and confirm a PaymentIntent while the customer is on the page (they can authenticate)."""
        ...

    def create_payment_intent(
        self,
        *,
        amount_minor: int,
        currency: str,
        customer: str | None,
        method: str,
        save_method: bool,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> IntentHandle:
        """An unconfirmed PaymentIntent for the payment-link page, for one `method` the browser confirms."""
        ...

    def retrieve_payment(self, reference: str) -> PaymentInfo:
        """The intent now; ProviderObjectMissing if the provider does not know `reference`."""
        ...

    def retrieve_charge(self, charge_id: str) -> ChargeInfo:
        """The charge now (refunds included); ProviderObjectMissing if the provider does not know it."""
        ...

    def find_payment(self, *, attempt_key: str, created_after: datetime) -> PaymentInfo | None:
        """The PaymentIntent whose metadata carries `attempt_key`, for when we never stored its id (a crash)."""
        ...

    def cancel_payment(self, reference: str) -> PaymentInfo:
        """Cancel an intent that has not been paid; returns the current state if it can no longer be canceled."""
        ...

    def refund(self, *, reference: str, amount_minor: int, idempotency_key: str, reason: str) -> RefundResult:
        """Refund part or all of a succeeded payment."""
        ...

    def create_setup_intent(
        self,
        *,
        customer: str,
        kind: MethodKind,
        idempotency_key: str,
        metadata: dict[str, str],
        off_session: bool = True,
    ) -> IntentHandle:
        """A SetupIntent to save a card or a SEPA Direct Debit mandate (off_session: usable by voice later)."""
        ...

    def retrieve_setup_intent(self, setup_intent_id: str) -> SetupInfo: ...

    def attach_method(self, *, payment_method: str, customer: str) -> MethodDetails: ...

    def detach_method(self, payment_method: str) -> None: ...

    def describe_method(self, payment_method: str) -> MethodDetails:
        """The method now; ProviderObjectMissing if the provider does not know it."""
        ...

    def verify_webhook(self, raw_body: bytes, signature_header: str | None) -> dict[str, Any]:
        """The event as a plain dict, or InvalidSignature. Never trusts an unsigned body."""
        ...
