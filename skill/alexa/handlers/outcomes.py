"""What the customer hears after a charge: success with a card, or a plain reason and a link offer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ask_sdk_model import Response

from ...domain.model import MethodKind
from .base import Turn
from .choose import bill_by_id
from .links import offer_link
from .words import amount

if TYPE_CHECKING:  # annotations only: a payment turn loads the payments service when it pays
    from ...services.payments.mandates import PaymentOutcome


def speak_outcome(turn: Turn, data: dict[str, Any], outcome: PaymentOutcome) -> Response:
    paid = amount(turn, outcome.amount_minor, outcome.currency)
    bill = bill_by_id(turn, int(data["invoice_id"]))
    biller = bill.biller_spoken_name if bill else ""
    if outcome.status == "succeeded":
        # The receipt email is promised only when one was queued (not without an email address on file).
        emailed = outcome.attempt_id is not None and turn.services.billing.receipt_emailed(outcome.attempt_id)
        suffix = "" if emailed else "_no_email"
        speech = turn.t(f"pay.succeeded{suffix}", amount=paid, biller=biller)
        card = (turn.t("card.paid_title"), turn.t(f"card.paid{suffix}", amount=paid, biller=biller))
        return turn.ask(f"{speech} {turn.t('reprompt.anything_else')}", turn.t("reprompt.main"), card=card)
    if outcome.status == "processing":
        speech = turn.t(processing_key(turn, data), amount=paid, biller=biller)
        return turn.ask(speech, turn.t("reprompt.main"))
    if outcome.status == "already_paid":
        return turn.ask(turn.t("pay.already_paid"), turn.t("reprompt.main"))
    if bill is None:
        return turn.ask(turn.t("pay.failed_generic"), turn.t("reprompt.main"))
    key = "pay.requires_action" if outcome.status == "requires_action" else "pay.declined"
    reason = (
        turn.t(f"decline.{outcome.failure_reason}") if turn.t.has(f"decline.{outcome.failure_reason}") else ""
    )
    return offer_link(turn, bill, turn.t(key, reason=reason).strip(), amount_minor=outcome.amount_minor)


def processing_key(turn: Turn, data: dict[str, Any]) -> str:
    """How a payment not yet confirmed is worded, by the kind of method charged.

    A direct debit takes days at the bank; a card charge still waiting (the provider's answer is pending, or
    did not match the attempt and waits for review) is no direct debit, and anything else is said plainly.
    """
    kind = charged_kind(turn, int(data["method_id"]))
    key = f"pay.processing.{kind.value}" if kind else ""
    return key if turn.t.has(key) else "pay.processing.other"


def charged_kind(turn: Turn, method_id: int) -> MethodKind | None:
    """The kind of the stored method this payment was confirmed with (the one pay_with_mandate charged)."""
    methods = turn.services.payments.stored_methods(turn.customer_id)
    return next((m.kind for m in methods if m.id == method_id), None)
