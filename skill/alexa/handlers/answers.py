"""Yes, No and the voice PIN: each answers only the question that was actually asked."""

from __future__ import annotations

from ask_sdk_model import Response

from ...services.identity.voice_pin import verify_voice_pin
from ..state import Listing
from .base import Handler, Turn
from .bills import read_page
from .choose import bill_by_id
from .links import send_link
from .pay import charge, confirmed, pin_locked, start_payment


class YesIntentHandler(Handler):
    intents = ("AMAZON.YesIntent",)

    def respond(self, turn: Turn) -> Response:
        pending = turn.conv.pending
        turn.conv.pending = None
        question = pending.question if pending else None
        data = pending.data if pending else {}
        if question == "hear_or_pay":
            return read_page(turn, Listing())
        if question == "more":
            return read_page(turn, turn.conv.listing or Listing())
        if question == "confirm_payment":
            return confirmed(turn, data)
        if question in ("offer_link", "pay_focus"):
            bill = bill_by_id(turn, int(data["invoice_id"]))
            if bill is None:
                return turn.ask(turn.t("bill.none_matching"), turn.t("reprompt.main"))
            if question == "offer_link":
                return send_link(turn, bill, amount_minor=data.get("amount_minor"))
            return start_payment(turn, bill)
        return turn.ask(turn.t("yes.out_of_context"), turn.t("reprompt.main"))


class NoIntentHandler(Handler):
    intents = ("AMAZON.NoIntent",)

    def respond(self, turn: Turn) -> Response:
        pending = turn.conv.pending
        turn.conv.pending = None
        question = pending.question if pending else None
        if question in ("confirm_payment", "pin"):
            return turn.ask(turn.t("pay.cancelled"), turn.t("reprompt.main"))
        if question in ("offer_link", "pay_focus", "hear_or_pay", "more"):
            turn.conv.listing = None
            return turn.ask(turn.t("no.ok"), turn.t("reprompt.main"))
        return turn.ask(turn.t("no.out_of_context"), turn.t("reprompt.main"))


class VoicePinIntentHandler(Handler):
    intents = ("VoicePinIntent",)

    def respond(self, turn: Turn) -> Response:
        pending = turn.conv.take("pin")
        if pending is None:
            return turn.ask(turn.t("pin.not_asked"), turn.t("reprompt.main"))
        data = pending.data
        pin = turn.slot("pin")
        check = verify_voice_pin(
            turn.services.uow(),
            turn.customer_id,
            pin,
            turn.services.clock,
            pepper=turn.services.settings.voice_pin_pepper,
            invoice_id=int(data["invoice_id"]),
        )
        if check.ok:
            return charge(turn, data)
        if check.locked:
            return pin_locked(turn, data)
        turn.conv.ask("pin", **data)
        return turn.ask(turn.t.plural("pin.wrong", check.tries_left), turn.t("pin.reprompt"))
