"""Reading Stripe's JSON objects (API answers and event payloads) into the gateway's plain data. No Stripe import."""

from __future__ import annotations

from typing import Any

from ..domain.model import MethodKind
from .gateway import ChargeResult, MethodDetails, PaymentInfo, PaymentState, SetupInfo, SetupState, reason_for


def charge_result(intent: dict[str, Any]) -> ChargeResult:
    status = intent["status"]
    if status == "succeeded":
        return ChargeResult("succeeded", intent["id"])
    if status == "processing":
        return ChargeResult("processing", intent["id"])
    if status in ("requires_action", "requires_confirmation"):
        secret = intent.get("client_secret")
        return ChargeResult("requires_action", intent["id"], "authentication_required", secret)
    error = intent.get("last_payment_error") or {}
    return ChargeResult("declined", intent["id"], reason_for(error.get("code"), error.get("decline_code")))


_PAYMENT_STATES: dict[str, PaymentState] = {
    "succeeded": "succeeded",
    "processing": "processing",
    "requires_action": "requires_action",
    "requires_confirmation": "open",
    "requires_capture": "processing",
    "canceled": "canceled",
}


def payment_info(intent: dict[str, Any]) -> PaymentInfo:
    error = intent.get("last_payment_error") or {}
    status = _PAYMENT_STATES.get(intent["status"], "failed" if error else "open")
    charge = intent.get("latest_charge")
    refunded = int(charge.get("amount_refunded") or 0) if isinstance(charge, dict) else 0
    method = intent.get("payment_method")
    return PaymentInfo(
        reference=intent["id"],
        status=status,
        amount_minor=int(intent["amount"]),
        currency=str(intent["currency"]).upper(),
        refunded_minor=refunded,
        failure_code=reason_for(error.get("code"), error.get("decline_code")) if error else None,
        payment_method=_id_of(method),
        customer=_id_of(intent.get("customer")),
        metadata=dict(intent.get("metadata") or {}),
    )


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
        dict(intent.get("metadata") or {}),
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
        return str(value["id"])
    return str(value) if value else None
