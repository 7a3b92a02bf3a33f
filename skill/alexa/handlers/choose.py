"""Working out which bill the customer means: slots, ordinals in the list heard, or the bill in focus."""

from __future__ import annotations

from typing import Any

from ask_sdk_model import Response

from ...domain.errors import NotFound
from ...domain.model import BillType
from ...services.billing.results import BillView
from ..state import Question
from . import answers
from .base import Turn
from .words import list_bill_names

CARRIED_SLOTS = ("amount", "cents", "amountKind", "method", "channel")


def bill_type_slot(turn: Turn) -> BillType | None:
    value = turn.slot("billType")
    try:
        return BillType(value) if value else None
    except ValueError:
        return None


def pick_bill(turn: Turn, purpose: str) -> BillView | Response:
    """The one bill meant, or a question back (which one?) as the response."""
    asked = turn.conv.pending
    if asked is not None and asked.question is Question.WHICH_BILL:
        turn.carry(asked.data.get("slots") or {})
    bill_type, biller, ordinal = bill_type_slot(turn), turn.slot("biller"), turn.int_slot("ordinal")
    named = bill_type is not None or biller is not None or ordinal is not None
    if turn.slot("billType") and bill_type is None and not biller and ordinal is None:
        return turn.ask(turn.t("bill.unknown_type"), turn.t("reprompt.main"))
    billing, cid = turn.services.billing, turn.customer_id
    if named:
        matches = billing.find_bills(
            cid, bill_type=bill_type, biller=biller, position=ordinal, last_read=turn.conv.heard
        )
    else:
        matches = [b for b in billing.find_bills(cid) if b.id == turn.conv.focus]
        if not matches:
            matches = billing.find_bills(cid)
            if len(matches) > 1:
                return ask_which(turn, matches, purpose)
    if not matches:
        return turn.ask(turn.t("bill.none_matching") + " " + turn.t("reprompt.main"), turn.t("reprompt.main"))
    if len(matches) > 1:
        return ask_which(turn, matches, purpose)
    turn.conv.focus = matches[0].id
    return matches[0]


def ask_which(turn: Turn, candidates: list[BillView], purpose: str) -> Response:
    shown = candidates[:5]
    turn.conv.hear([b.id for b in shown], reset=True)
    # The answer ("the first one") arrives without the other slots: keep what else was asked for
    # (amount, method, channel) so the payment or link goes on exactly as requested.
    kept = {name: turn.slot(name) for name in CARRIED_SLOTS if turn.slot(name) is not None}
    turn.conv.ask(Question.WHICH_BILL, purpose=purpose, slots=kept)
    names = list_bill_names(turn, shown)
    return turn.ask(turn.t(f"which.{purpose}", bills=names), turn.t("which.reprompt"))


def bill_by_id(turn: Turn, invoice_id: int) -> BillView | None:
    """A bill of this customer's by id (a foreign or unknown id is simply not found)."""
    try:
        return turn.services.billing.bill_details(turn.customer_id, invoice_id).bill
    except NotFound:
        return None


def asked_bill(turn: Turn, data: dict[str, Any]) -> BillView | Response:
    """The bill a pending question was about, or the answer that it is no longer there."""
    bill = bill_by_id(turn, int(data["invoice_id"]))
    return bill if bill is not None else turn.ask(turn.t("bill.none_matching"), turn.t("reprompt.main"))


# "Which one?" is answered by naming a bill (BillDetailsIntent), never by yes or no.
answers.register(Question.WHICH_BILL)
