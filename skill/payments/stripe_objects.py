"""Reading Stripe's JSON objects (API answers and event payloads) into the gateway's plain data. No Stripe import."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain.model import MethodKind
from .gateway import (
    ChargeInfo,
    ChargeResult,
    MethodDetails,
    PaymentInfo,
    PaymentState,
    SetupInfo,
    SetupState,
    reason_for,
)


class MalformedObject(ValueError):
    """A provider object without the fields we rely on, or with fields of the wrong type or sign."""


def charge_result(intent: dict[str, Any]) -> ChargeResult:
    status = intent["status"]
    if status == "succeeded":
        return with_money(ChargeResult("succeeded", intent["id"]), intent)
    if status == "processing":
        return with_money(ChargeResult("processing", intent["id"]), intent)
    if status in ("requires_action", "requires_confirmation"):
        secret = intent.get("client_secret")
        result = ChargeResult("requires_action", intent["id"], "authentication_required", secret)
        return with_money(result, intent)
    error = intent.get("last_payment_error") or {}
    code = reason_for(error.get("code"), error.get("decline_code"))
    return with_money(ChargeResult("declined", intent["id"], code), intent)


def with_money(result: ChargeResult, intent: dict[str, Any]) -> ChargeResult:
    """The charge answer with the amount and currency the intent itself carries (None where unusable)."""
    return replace(
        result, amount_minor=minor_units(intent.get("amount")), currency=currency_of(intent.get("currency"))
    )


_PAYMENT_STATES: dict[str, PaymentState] = {
    "succeeded": "succeeded",
    "processing": "processing",
    "requires_action": "requires_action",
    "requires_confirmation": "open",
    "requires_capture": "processing",
    "canceled": "canceled",
}


def payment_info(intent: dict[str, Any]) -> PaymentInfo:
    """An intent (an API answer or an event's snapshot); MalformedObject if a field we rely on is wrong."""
    error = intent.get("last_payment_error") or {}
    if not isinstance(error, dict) or not isinstance(intent.get("status"), str):
        raise MalformedObject("payment intent status or error")
    status = _PAYMENT_STATES.get(intent["status"], "failed" if error else "open")
    charge = intent.get("latest_charge")
    refunded = _required_minor(charge.get("amount_refunded") or 0) if isinstance(charge, dict) else 0
    return PaymentInfo(
        reference=_required_id(intent.get("id")),
        status=status,
        amount_minor=_required_minor(intent.get("amount")),
        currency=_required_currency(intent.get("currency")),
        refunded_minor=refunded,
        failure_code=reason_for(error.get("code"), error.get("decline_code")) if error else None,
        payment_method=_id_of(intent.get("payment_method")),
        customer=_id_of(intent.get("customer")),
        metadata=metadata_of(intent.get("metadata")),
    )


def charge_info(charge: dict[str, Any]) -> ChargeInfo:
    """A charge; MalformedObject if a field we rely on is missing or wrong (e.g. a negative refund total)."""
    refunded = _required_minor(charge.get("amount_refunded"))
    amount = _required_minor(charge.get("amount"))
    if refunded > amount:
        raise MalformedObject("refunded more than charged")
    return ChargeInfo(
        id=_required_id(charge.get("id")),
        payment_reference=_id_of(charge.get("payment_intent")),
        amount_minor=amount,
        currency=_required_currency(charge.get("currency")),
        refunded_minor=refunded,
    )


def minor_units(value: Any) -> int | None:
    """A non-negative integer amount (Stripe's minor units), or None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def currency_of(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) != 3 or not value.isascii() or not value.isalpha():
        return None
    return value.upper()


def metadata_of(value: Any) -> dict[str, str]:
    """Stripe metadata: string keys and string values. Anything else is malformed, not silently dropped."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise MalformedObject("metadata")
    return dict(value)


def _required_minor(value: Any) -> int:
    amount = minor_units(value)
    if amount is None:
        raise MalformedObject("amount")
    return amount


def _required_currency(value: Any) -> str:
    currency = currency_of(value)
    if currency is None:
        raise MalformedObject("currency")
    return currency


def _required_id(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedObject("id")
    return value


def setup_info(intent: dict[str, Any]) -> SetupInfo:
    states: dict[str, SetupState] = {
        "succeeded": "succeeded",
        "processing": "processing",
        "requires_action": "requires_action",
        "canceled": "canceled",
    }
    method = intent.get("payment_method")
    return SetupInfo(
        intent["id"],
        states.get(intent["status"], "open"),
        _id_of(intent.get("customer")),
        _id_of(method),
        metadata_of(intent.get("metadata")),
    )


def method_details(method: dict[str, Any]) -> MethodDetails:
    if method["type"] == "sepa_debit":
        return MethodDetails(
            method["id"],
            MethodKind.SEPA_DEBIT,
            None,
            method["sepa_debit"]["last4"],
            _id_of(method.get("customer")),
        )
    card = method.get("card") or {}
    return MethodDetails(
        method["id"],
        MethodKind.CARD,
        card.get("brand"),
        card.get("last4", ""),
        _id_of(method.get("customer")),
    )


def _id_of(value: Any) -> str | None:
    """An id field, whether the object was expanded or not."""
    if isinstance(value, dict):
        value = value.get("id")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MalformedObject("id")
    return value
