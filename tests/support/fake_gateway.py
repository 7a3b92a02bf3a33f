"""An in-memory PaymentGateway for unit tests: behaves like Stripe for the cases our services care about."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from skill.domain.model import MethodKind
from skill.payments.gateway import (
    BrowserConfig,
    ChargeInfo,
    ChargeResult,
    GatewayError,
    IntentHandle,
    InvalidSignature,
    MethodDetails,
    PaymentGateway,
    PaymentInfo,
    ProviderObjectMissing,
    RefundResult,
    SetupInfo,
)

WEBHOOK_SECRET = "whsec_fake_for_tests"

# What happens when a method is charged: succeed | processing | authenticate | decline:<reason>
Behaviour = str


@dataclass
class FakeMethod:
    details: MethodDetails
    behaviour: Behaviour = "succeed"


@dataclass
class FakeIntent:
    info: PaymentInfo
    client_secret: str
    idempotency_key: str


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header value (t=...,v1=...) for `payload`."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


@dataclass
class FakeGateway:
    webhook_secret: str | None = WEBHOOK_SECRET
    methods: dict[str, FakeMethod] = field(default_factory=dict)
    intents: dict[str, FakeIntent] = field(default_factory=dict)
    setups: dict[str, SetupInfo] = field(default_factory=dict)
    customers: set[str] = field(default_factory=set)
    refunds: list[tuple[str, int]] = field(default_factory=list)
    unreachable: bool = False  # every call raises GatewayError (outcome unknown)
    charge_then_unreachable: bool = False  # the charge happens, then the answer is lost
    payment_method_types: tuple[str, ...] = ("card",)  # what the account has on (STRIPE_PAYMENT_METHOD_TYPES)
    intent_methods: list[str] = field(default_factory=list)  # the method of each page PaymentIntent created
    charge_kinds: list[MethodKind] = field(default_factory=list)  # the method kind each charge was sent as
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids)}"

    def _call(self) -> None:
        if self.unreachable:
            raise GatewayError("fake provider unreachable")

    # --- test helpers -------------------------------------------------------------------------------
    def add_method(
        self,
        *,
        method_id: str | None = None,
        kind: MethodKind = MethodKind.CARD,
        last4: str = "4242",
        behaviour: Behaviour = "succeed",
        customer: str | None = None,
    ) -> str:
        method_id = method_id or self._id("pm")
        brand = "visa" if kind is MethodKind.CARD else None
        self.methods[method_id] = FakeMethod(
            MethodDetails(method_id, kind, brand, last4, customer), behaviour
        )
        if customer:
            self.customers.add(customer)
        return method_id

    @property
    def charged(self) -> list[PaymentInfo]:
        """Intents that took money (succeeded or still processing)."""
        return [i.info for i in self.intents.values() if i.info.status in ("succeeded", "processing")]

    def finish(
        self, reference: str, *, succeed: bool = True, reason: str = "insufficient_funds"
    ) -> PaymentInfo:
        """A processing (SEPA) payment completes, or the browser pays a link intent."""
        intent = self.intents[reference]
        intent.info = replace(
            intent.info,
            status="succeeded" if succeed else "failed",
            failure_code=None if succeed else reason,
        )
        return intent.info

    def refund_outside(self, reference: str, amount_minor: int) -> PaymentInfo:
        """A refund made in the provider's dashboard."""
        intent = self.intents[reference]
        intent.info = replace(intent.info, refunded_minor=intent.info.refunded_minor + amount_minor)
        return intent.info

    # --- PaymentGateway -----------------------------------------------------------------------------
    def browser_config(self) -> BrowserConfig:
        return BrowserConfig("pk_test_fake", "https://js.stripe.test/v3/", self.payment_method_types)

    def ensure_customer(self, *, existing_id: str | None, our_customer_id: int) -> str:
        self._call()
        if existing_id in self.customers:
            return existing_id
        customer = self._id("cus")
        self.customers.add(customer)
        return customer

    def charge_off_session(
        self,
        *,
        amount_minor: int,
        currency: str,
        customer: str,
        payment_method: str,
        idempotency_key: str,
        metadata: dict[str, str],
        method_kind: MethodKind | None = None,
    ) -> ChargeResult:
        self._call()
        method = self.methods[payment_method]
        self.charge_kinds.append(method_kind or MethodKind.CARD)  # None: charge_on_session's card
        assert method.details.customer == customer, "method not attached to this customer"
        reference = self._id("pi")
        behaviour, _, reason = method.behaviour.partition(":")
        status = {"succeed": "succeeded", "processing": "processing", "authenticate": "requires_action"}.get(
            behaviour, "failed"
        )
        info = PaymentInfo(
            reference,
            status,  # type: ignore[arg-type]
            amount_minor,
            currency,
            failure_code=reason or None,
            payment_method=payment_method,
            customer=customer,
            metadata=dict(metadata),
        )
        self.intents[reference] = FakeIntent(info, f"{reference}_secret", idempotency_key)
        if self.charge_then_unreachable:
            raise GatewayError("answer lost")
        if behaviour == "authenticate":
            failure: str | None = "authentication_required"
            status = "requires_action"
        elif behaviour == "decline":
            failure, status = reason or "card_declined", "declined"
        else:
            failure = None
        return ChargeResult(
            status,  # type: ignore[arg-type]  # the behaviour names a status the port allows
            reference,
            failure,
            amount_minor=amount_minor,
            currency=currency,
        )

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
        result = self.charge_off_session(
            amount_minor=amount_minor,
            currency=currency,
            customer=customer,
            payment_method=payment_method,
            idempotency_key=idempotency_key,
            metadata=metadata,
        )
        if result.status != "requires_action":
            return result
        return replace(result, client_secret=self.intents[result.provider_reference or ""].client_secret)

    def authenticate(self, reference: str, *, succeed: bool = True) -> PaymentInfo:
        """The customer completes (or fails) 3-D Secure in the page."""
        return self.finish(reference, succeed=succeed, reason="authentication_required")

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
        self._call()
        self.intent_methods.append(method)
        reference = self._id("pi")
        meta = {**metadata, "billpay_save_method": "1" if save_method else "0"}
        info = PaymentInfo(reference, "open", amount_minor, currency, customer=customer, metadata=meta)
        self.intents[reference] = FakeIntent(info, f"{reference}_secret", idempotency_key)
        return IntentHandle(reference, f"{reference}_secret")

    def browser_pays(self, reference: str, payment_method: str) -> PaymentInfo:
        intent = self.intents[reference]
        intent.info = replace(intent.info, payment_method=payment_method)
        return self.finish(reference)

    def retrieve_payment(self, reference: str) -> PaymentInfo:
        self._call()
        if reference not in self.intents:
            raise ProviderObjectMissing("no such payment_intent")
        return self.intents[reference].info

    def retrieve_charge(self, charge_id: str) -> ChargeInfo:
        """Each intent that took money has one charge, `charge_id_of(reference)`."""
        self._call()
        for intent in self.intents.values():
            info = intent.info
            if charge_id_of(info.reference) == charge_id and info.status == "succeeded":
                return ChargeInfo(
                    charge_id, info.reference, info.amount_minor, info.currency, info.refunded_minor
                )
        raise ProviderObjectMissing("no such charge")

    def find_payment(self, *, attempt_key: str, created_after: datetime) -> PaymentInfo | None:
        self._call()
        for intent in self.intents.values():
            if intent.info.metadata.get("billpay_key") == attempt_key:
                return intent.info
        return None

    def cancel_payment(self, reference: str) -> PaymentInfo:
        self._call()
        intent = self.intents[reference]
        if intent.info.status in ("open", "requires_action", "failed"):
            intent.info = replace(intent.info, status="canceled")
        return intent.info

    def refund(self, *, reference: str, amount_minor: int, idempotency_key: str, reason: str) -> RefundResult:
        self._call()
        intent = self.intents[reference]
        assert intent.info.status == "succeeded"
        assert intent.info.refunded_minor + amount_minor <= intent.info.amount_minor
        intent.info = replace(intent.info, refunded_minor=intent.info.refunded_minor + amount_minor)
        self.refunds.append((reference, amount_minor))
        return RefundResult(self._id("re"), amount_minor, "succeeded")

    def create_setup_intent(
        self,
        *,
        customer: str,
        kind: MethodKind,
        idempotency_key: str,
        metadata: dict[str, str],
        off_session: bool = True,
    ) -> IntentHandle:
        self._call()
        setup_id = self._id("seti")
        self.setups[setup_id] = SetupInfo(setup_id, "open", customer, None, dict(metadata))
        return IntentHandle(setup_id, f"{setup_id}_secret")

    def browser_sets_up(self, setup_id: str, payment_method: str) -> SetupInfo:
        """The wallet page confirmed the SetupIntent (like Stripe.js confirmCardSetup)."""
        self.setups[setup_id] = replace(
            self.setups[setup_id], status="succeeded", payment_method=payment_method
        )
        return self.setups[setup_id]

    def retrieve_setup_intent(self, setup_intent_id: str) -> SetupInfo:
        self._call()
        return self.setups[setup_intent_id]

    def attach_method(self, *, payment_method: str, customer: str) -> MethodDetails:
        self._call()
        method = self.methods[payment_method]
        method.details = replace(method.details, customer=customer)
        return method.details

    def detach_method(self, payment_method: str) -> None:
        self._call()
        method = self.methods[payment_method]
        method.details = replace(method.details, customer=None)

    def describe_method(self, payment_method: str) -> MethodDetails:
        self._call()
        if payment_method not in self.methods:
            raise ProviderObjectMissing("no such payment_method")
        return self.methods[payment_method].details

    def verify_webhook(self, raw_body: bytes, signature_header: str | None) -> dict[str, Any]:
        if not self.webhook_secret or not signature_header:
            raise InvalidSignature("missing")
        parts = dict(p.split("=", 1) for p in signature_header.split(",") if "=" in p)
        expected = sign(raw_body.decode(), self.webhook_secret, int(parts.get("t", "0")))
        if not hmac.compare_digest(expected, signature_header):
            raise InvalidSignature("bad signature")
        event: dict[str, Any] = json.loads(raw_body)
        return event


_STRIPE_STATUS = {
    "succeeded": "succeeded",
    "processing": "processing",
    "requires_action": "requires_action",
    "open": "requires_payment_method",
    "failed": "requires_payment_method",
    "canceled": "canceled",
}


def intent_json(info: PaymentInfo) -> dict[str, Any]:
    """A fake intent the way Stripe sends a PaymentIntent inside an event."""
    return {
        "id": info.reference,
        "object": "payment_intent",
        "status": _STRIPE_STATUS[info.status],
        "amount": info.amount_minor,
        "currency": info.currency.lower(),
        "customer": info.customer,
        "payment_method": info.payment_method,
        "metadata": dict(info.metadata),
        "last_payment_error": {"code": "card_declined", "decline_code": info.failure_code}
        if info.status == "failed"
        else None,
    }


def charge_id_of(reference: str) -> str:
    return "ch_" + reference.removeprefix("pi_")


def charge_json(info: PaymentInfo) -> dict[str, Any]:
    """The charge behind a succeeded fake intent, the way Stripe sends it inside charge.refunded."""
    return {
        "id": charge_id_of(info.reference),
        "object": "charge",
        "payment_intent": info.reference,
        "amount": info.amount_minor,
        "currency": info.currency.lower(),
        "amount_refunded": info.refunded_minor,
        "refunded": info.refunded_minor >= info.amount_minor,
    }


def event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    event_id = event_id or f"evt_{event_type.replace('.', '_')}_{obj.get('id')}"
    return {"id": event_id, "object": "event", "type": event_type, "data": {"object": obj}}


# mypy checks the fake against the port: a signature that drifts from PaymentGateway fails the type check.
_: PaymentGateway = FakeGateway()
