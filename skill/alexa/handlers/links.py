"""Payment links by voice: "text me a link", and offering one when a stored method cannot be used."""

from __future__ import annotations

from typing import Any

from ask_sdk_model import Response

from ...domain.model import Channel
from ...services.billing.results import BillView
from ..state import Question
from . import answers
from .base import Handler, Turn
from .choose import asked_bill, pick_bill
from .words import amount, bill_name


class SendLinkIntentHandler(Handler):
    intents = ("SendLinkIntent",)

    def respond(self, turn: Turn) -> Response:
        chosen = pick_bill(turn, "link")
        if not isinstance(chosen, BillView):
            return chosen
        return send_link(turn, chosen, prefer=preferred_channel(turn.slot("channel")))


def preferred_channel(slot_id: str | None) -> Channel | None:
    """The CONTACT_CHANNEL slot's id ("sms", "email") as a channel; None lets the service choose."""
    return {"sms": Channel.SMS, "email": Channel.EMAIL}.get(slot_id or "")


def send_link(
    turn: Turn, bill: BillView, *, amount_minor: int | None = None, prefer: Channel | None = None
) -> Response:
    from ...services.links.payment_links import NoContactChannel  # the links service, loaded on use

    try:
        sent = turn.services.links.send(
            customer_id=turn.customer_id,
            invoice_id=bill.id,
            requested_via=Channel.ALEXA,
            amount_minor=amount_minor,
            prefer=prefer,
        )
    except NoContactChannel:
        return turn.say(turn.t("link.no_contact"), end=True)
    where = (
        turn.t("link.by_sms", last4=sent.masked_destination[-4:])
        if sent.channel is Channel.SMS
        else turn.t("link.by_email")
    )
    owed = amount(turn, amount_minor or bill.remaining_minor, bill.currency)
    speech = turn.t("link.sent", bill=bill_name(turn, bill), where=where, amount=owed)
    card = (turn.t("card.link_title"), turn.t("card.link", biller=bill.biller_name, amount=owed, where=where))
    return turn.ask(speech + " " + turn.t("reprompt.anything_else"), turn.t("reprompt.main"), card=card)


def offer_link(turn: Turn, bill: BillView, preface: str, *, amount_minor: int | None = None) -> Response:
    turn.conv.ask(Question.OFFER_LINK, invoice_id=bill.id, amount_minor=amount_minor)
    return turn.ask(f"{preface} {turn.t('link.offer')}", turn.t("link.offer_reprompt"))


def link_accepted(turn: Turn, data: dict[str, Any]) -> Response:
    bill = asked_bill(turn, data)
    if isinstance(bill, Response):
        return bill
    return send_link(turn, bill, amount_minor=data.get("amount_minor"))


answers.register(Question.OFFER_LINK, yes=link_accepted, no=answers.declined)
