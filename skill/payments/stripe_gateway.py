"""PaymentGateway over stripe-python's StripeClient (real Stripe, or localstripe through STRIPE_API_BASE).

The only module that imports Stripe; it is imported when the first payment needs the gateway.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import stripe

from ..domain.model import MethodKind
from .gateway import (
    BrowserConfig,
    ChargeInfo,
    ChargeResult,
    GatewayError,
    IntentHandle,
    InvalidSignature,
    MethodDetails,
    PaymentInfo,
    ProviderObjectMissing,
    RefundResult,
    SetupInfo,
    reason_for,
)
from .stripe_objects import (
    charge_info,
    charge_result,
    method_details,
    payment_info,
    setup_info,
    with_money,
)

log = logging.getLogger(__name__)

# Pinned: the version stripe-python 16 is generated for. https://docs.stripe.com/api/versioning
STRIPE_API_VERSION = "2026-10-28.endive"
# Alexa waits about 8 s for a turn: fail fast and let reconcile find out what happened.
TIMEOUT = (3.0, 6.0)


def _dict(obj: Any) -> dict[str, Any]:
    """stripe-python 16 objects are not dicts (no .get): work on plain dicts."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


class StripeGateway:
    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str | None,
        publishable_key: str,
        payment_method_types: tuple[str, ...],
        api_base: str | None = None,
        sends_future_usage: bool = True,
        timeout: tuple[float, float] = TIMEOUT,
        max_network_retries: int = 1,
    ) -> None:
        self._client = stripe.StripeClient(
            api_key,
            stripe_version=STRIPE_API_VERSION,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries,
            http_client=stripe.RequestsClient(timeout=timeout),
        )
        self._webhook_secret = webhook_secret
        self._browser = BrowserConfig(
            publishable_key,
            f"{api_base}/js.stripe.com/v3/" if api_base else "https://js.stripe.com/v3/",
            payment_method_types,
        )
        # localstripe answers 400 to parameters it does not know, setup_future_usage among them.
        self._sends_future_usage = sends_future_usage

    @property
    def _v1(self) -> Any:
        return self._client.v1

    def browser_config(self) -> BrowserConfig:
        return self._browser

    def ensure_customer(self, *, existing_id: str | None, our_customer_id: int) -> str:
        if existing_id:
            with _mapped():
                try:
                    found = _dict(self._v1.customers.retrieve(existing_id))
                    if not found.get("deleted"):
                        return existing_id
                except stripe.InvalidRequestError:
                    log.warning(
                        "provider customer of customer %s is gone; creating a new one", our_customer_id
                    )
        # A fresh key per creation: our ids repeat across environments sharing the account (and after a
        # database reset), and Stripe would hand another person's customer back for a reused key. Concurrent
        # creations for one customer are settled in our database (methods.provider_customer).
        with _mapped():
            created = self._v1.customers.create(
                {"metadata": {"billpay_customer_id": str(our_customer_id)}},
                {"idempotency_key": f"billpay-customer-{our_customer_id}-{uuid.uuid4().hex}"},
            )
        return str(created.id)

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
        # https://docs.stripe.com/payments/save-and-reuse#charge-saved-payment-method
        # payment_method_types is explicit: without it the pinned API version applies the Dashboard's methods
        # (automatic_payment_methods), and confirm=true then demands a return_url for redirect methods
        # (https://docs.stripe.com/upgrades/manage-payment-methods). A SEPA method set up by a SetupIntent carries
        # its mandate, so no mandate_data here (https://docs.stripe.com/payments/sepa-debit/set-up-payment).
        params = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "customer": customer,
            "payment_method": payment_method,
            "payment_method_types": [str(method_kind)],
            "off_session": True,
            "confirm": True,
            "metadata": metadata,
        }
        return self._charge(params, idempotency_key)

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
        # https://docs.stripe.com/payments/accept-a-payment-synchronously : confirm server side, and hand
        # next_action back to Stripe.js (confirmCardPayment) when the bank wants 3-D Secure.
        params = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "customer": customer,
            "payment_method": payment_method,
            "payment_method_types": ["card"],  # a card set up on the page; see charge_off_session
            "confirm": True,
            "metadata": metadata,
        }
        return self._charge(params, idempotency_key)

    def _charge(self, params: dict[str, Any], idempotency_key: str) -> ChargeResult:
        try:
            with _mapped(card_errors=False):
                intent = _dict(self._v1.payment_intents.create(params, {"idempotency_key": idempotency_key}))
        except stripe.CardError as exc:
            return _declined(exc)
        return charge_result(intent)

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
        # The one method the customer chose: the page confirms with that method's Stripe.js call
        # (confirmSepaDebitPayment adds the mandate_data, confirmIdealPayment the return_url).
        params: dict[str, Any] = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "payment_method_types": [method],
            "metadata": {**metadata, "billpay_save_method": "1" if save_method else "0"},
        }
        if customer:
            params["customer"] = customer
        if save_method and self._sends_future_usage:
            params["setup_future_usage"] = "off_session"
        with _mapped():
            intent = _dict(self._v1.payment_intents.create(params, {"idempotency_key": idempotency_key}))
        return IntentHandle(intent["id"], intent["client_secret"])

    def retrieve_payment(self, reference: str) -> PaymentInfo:
        with _mapped():
            intent = self._v1.payment_intents.retrieve(reference, {"expand": ["latest_charge"]})
        return payment_info(_dict(intent))

    def retrieve_charge(self, charge_id: str) -> ChargeInfo:
        with _mapped():
            return charge_info(_dict(self._v1.charges.retrieve(charge_id)))

    def find_payment(self, *, attempt_key: str, created_after: datetime) -> PaymentInfo | None:
        # Search would be shorter but lags by up to a minute and localstripe lacks it: page through the list.
        since = int(created_after.timestamp())
        with _mapped():
            page = _dict(self._v1.payment_intents.list({"limit": 100}))
            while True:
                for intent in page["data"]:
                    if (intent.get("metadata") or {}).get("billpay_key") == attempt_key:
                        return self.retrieve_payment(intent["id"])
                data = page["data"]
                # Stripe lists newest first: a page ending before `since` means the rest is older still.
                newest_first = len(data) > 1 and data[0]["created"] >= data[-1]["created"]
                if not page.get("has_more") or not data or (newest_first and data[-1]["created"] < since):
                    return None
                params = {"limit": 100, "starting_after": page["data"][-1]["id"]}
                page = _dict(self._v1.payment_intents.list(params))

    def cancel_payment(self, reference: str) -> PaymentInfo:
        with _mapped():
            try:
                self._v1.payment_intents.cancel(reference)
            except stripe.InvalidRequestError:
                log.info("intent %s can no longer be canceled", reference)
        return self.retrieve_payment(reference)

    def refund(self, *, reference: str, amount_minor: int, idempotency_key: str, reason: str) -> RefundResult:
        # Stripe's `reason` only takes its own three values; ours travels in metadata.
        params = {"payment_intent": reference, "amount": amount_minor, "metadata": {"billpay_reason": reason}}
        with _mapped():
            refund = _dict(self._v1.refunds.create(params, {"idempotency_key": idempotency_key}))
        return RefundResult(refund["id"], int(refund["amount"]), str(refund.get("status") or "pending"))

    def create_setup_intent(
        self,
        *,
        customer: str,
        kind: MethodKind,
        idempotency_key: str,
        metadata: dict[str, str],
        off_session: bool = True,
    ) -> IntentHandle:
        params = {
            "customer": customer,
            "usage": "off_session" if off_session else "on_session",
            "payment_method_types": [str(kind)],
            "metadata": metadata,
        }
        with _mapped():
            intent = _dict(self._v1.setup_intents.create(params, {"idempotency_key": idempotency_key}))
        return IntentHandle(intent["id"], intent["client_secret"])

    def retrieve_setup_intent(self, setup_intent_id: str) -> SetupInfo:
        with _mapped():
            intent = _dict(self._v1.setup_intents.retrieve(setup_intent_id))
        return setup_info(intent)

    def attach_method(self, *, payment_method: str, customer: str) -> MethodDetails:
        with _mapped():
            method = self._v1.payment_methods.attach(payment_method, {"customer": customer})
        return method_details(_dict(method))

    def detach_method(self, payment_method: str) -> None:
        with _mapped():
            try:
                self._v1.payment_methods.detach(payment_method)
            except stripe.InvalidRequestError:
                log.info("payment method was already detached or is unknown at the provider")

    def describe_method(self, payment_method: str) -> MethodDetails:
        with _mapped():
            return method_details(_dict(self._v1.payment_methods.retrieve(payment_method)))

    def verify_webhook(self, raw_body: bytes, signature_header: str | None) -> dict[str, Any]:
        # https://docs.stripe.com/webhooks#verify-events : over the raw body, never a re-serialised one.
        if not self._webhook_secret:
            raise InvalidSignature("STRIPE_WEBHOOK_SECRET is not set: refusing unsigned webhooks")
        try:
            stripe.WebhookSignature.verify_header(raw_body, signature_header, self._webhook_secret, 300)
            event = json.loads(raw_body)
        except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as exc:
            raise InvalidSignature(str(exc)) from None
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            raise InvalidSignature("not an event")
        return event


@contextmanager
def _mapped(*, card_errors: bool = True) -> Iterator[None]:
    """Provider failures become GatewayError (outcome unknown); a 4xx answer is a bug or a refusal we raise."""
    try:
        yield
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        raise GatewayError(type(exc).__name__) from exc
    except stripe.CardError as exc:
        if not card_errors:
            raise
        raise GatewayError(f"card error {exc.code}") from exc
    except stripe.AuthenticationError as exc:
        raise GatewayError("the provider refused our API key") from exc
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:  # resource_missing: https://docs.stripe.com/error-codes#resource-missing
            raise ProviderObjectMissing(f"{type(exc).__name__} (404)") from exc
        raise GatewayError(f"{type(exc).__name__} ({exc.http_status})") from exc
    except stripe.StripeError as exc:
        # e.g. an id the provider does not know: services never see Stripe's types
        raise GatewayError(f"{type(exc).__name__} ({exc.http_status})") from exc


def _declined(exc: stripe.CardError) -> ChargeResult:
    body: dict[str, Any] = exc.json_body if isinstance(exc.json_body, dict) else {}
    error: dict[str, Any] = body.get("error") or {}
    intent = error.get("payment_intent") or {}
    if not isinstance(intent, dict):
        intent = {}
    reference = intent.get("id") if isinstance(intent.get("id"), str) else None
    code = reason_for(error.get("code"), error.get("decline_code"))
    if code == "authentication_required":
        # Real Stripe answers an off-session 3-D Secure card this way; localstripe returns requires_action.
        return with_money(ChargeResult("requires_action", reference, code), intent)
    return with_money(ChargeResult("declined", reference, code), intent)
