"""Questions about the invoice itself: "why is my bill so high" and "where is my latest invoice"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ask_sdk_model import Response

from ...domain.errors import NotFound
from ...domain.model import OUTSTANDING, Channel
from ...services.billing.bills import AmbiguousBill
from ...services.billing.results import BillView
from ..speech import plain_date, say_date, text
from .base import Handler, Turn
from .choose import ask_which
from .links import preferred_channel
from .questions import Card, Named, main_menu, named_in, offer_to_pay, sentence
from .words import amount, bill_name

if TYPE_CHECKING:  # annotations only: the launch and listing path never loads the ORM
    from ...services.billing.comparison import BillComparison, LineChange
    from ...services.billing.invoice_copies import InvoiceCopySent

SPOKEN_LINE_CHANGES = 3  # the largest changes are read; the rest are counted


class WhyHigherIntentHandler(Handler):
    intents = ("WhyHigherIntent",)

    def respond(self, turn: Turn) -> Response:
        named = named_in(turn)
        if isinstance(named, Response):
            return named
        try:
            compared = turn.services.billing.compare_with_previous(
                turn.customer_id, bill_type=named.bill_type, biller=named.biller, focus=turn.conv.focus
            )
        except AmbiguousBill as several:
            return ask_which(turn, list(several.candidates), "higher")
        except NotFound:
            return main_menu(turn, turn.t("questions.none_matching" if named.any else "questions.no_bills"))
        return speak_comparison(turn, compared)


def speak_comparison(turn: Turn, compared: BillComparison) -> Response:
    """The bill against the one before it (amount and direction), then the lines that changed most."""
    bill, difference = compared.bill, compared.difference_minor
    values = {
        "name": bill_name(turn, bill),
        "amount": amount(turn, bill.amount_due_minor, bill.currency),
        "type": turn.t(f"type.{bill.bill_type.value}"),
        "biller": text(bill.biller_spoken_name),
        "date": say_date(compared.previous_issue_date, turn.today) if compared.previous_issue_date else "",
        "previous": amount(turn, compared.previous_amount_minor or 0, bill.currency),
        "change": amount(turn, abs(difference or 0), bill.currency),
    }
    if difference is None:
        key = "higher.other_currency" if compared.previous_issue_date else "higher.no_previous"
    else:
        key = "higher.up" if difference > 0 else "higher.down" if difference < 0 else "higher.same"
    lines = [sentence(turn.t(key, **values))]
    changes = compared.changes
    if changes:
        spoken = [line_change(turn, change, bill.currency) for change in changes[:SPOKEN_LINE_CHANGES]]
        lines.append(turn.t("higher.changes", changes=turn.t.join(spoken)))
    if len(changes) > SPOKEN_LINE_CHANGES:
        lines.append(turn.t.plural("higher.more", len(changes) - SPOKEN_LINE_CHANGES))
    return offer_to_pay_if_open(turn, lines, bill)


def line_change(turn: Turn, change: LineChange, currency: str) -> str:
    before = amount(turn, change.before_minor or 0, currency)
    after = amount(turn, change.after_minor or 0, currency)
    if change.before_minor is None:
        key = "higher.line_new"
    elif change.after_minor is None:
        key = "higher.line_gone"
    else:
        key = "higher.line_up" if change.change_minor > 0 else "higher.line_down"
    return turn.t(key, item=text(change.description), before=before, after=after)


def offer_to_pay_if_open(turn: Turn, lines: list[str], bill: BillView, card: Card | None = None) -> Response:
    if bill.status in OUTSTANDING and bill.remaining_minor > 0:
        return offer_to_pay(turn, lines, bill, card=card)
    return turn.ask(" ".join([*lines, turn.t("reprompt.anything_else")]), turn.t("reprompt.main"), card=card)


class LatestInvoiceIntentHandler(Handler):
    intents = ("LatestInvoiceIntent",)

    def respond(self, turn: Turn) -> Response:
        named = named_in(turn)
        if isinstance(named, Response):
            return named
        from ...services.links.payment_links import NoContactChannel  # the links service, loaded on use

        try:
            sent = send_copy(turn, named)
        except NotFound:
            return main_menu(turn, turn.t("questions.none_matching" if named.any else "questions.no_bills"))
        except NoContactChannel:
            return main_menu(turn, turn.t("invoice_copy.no_contact"))
        return speak_copy_sent(turn, sent)


def send_copy(turn: Turn, named: Named) -> InvoiceCopySent:
    """The latest bill named (or the one in focus: "send me a copy of it"), by the channel asked for if any."""
    return turn.services.billing.send_invoice_copy(
        turn.customer_id,
        requested_via=Channel.ALEXA,
        bill_type=named.bill_type,
        biller=named.biller,
        focus=turn.conv.focus,
        prefer=preferred_channel(turn.slot("channel")),
    )


def speak_copy_sent(turn: Turn, sent: InvoiceCopySent) -> Response:
    """Where the copy went, in words that match the channel it really went by."""
    bill = sent.bill
    if sent.channel is Channel.SMS:
        where = turn.t("invoice_copy.by_sms", last4=sent.masked_destination[-4:])
    else:
        where = turn.t("invoice_copy.by_email")
    key = "invoice_copy.sent"
    if sent.instead:
        key = "invoice_copy.instead_sms" if sent.channel is Channel.SMS else "invoice_copy.instead_email"
    owed = amount(turn, bill.amount_due_minor, bill.currency)
    about = turn.t("invoice_copy.about", date=say_date(bill.issue_date, turn.today), amount=owed)
    lines = [sentence(turn.t(key, bill=bill_name(turn, bill), where=where)), about]
    card_text = turn.t(
        "card.invoice_copy",
        biller=bill.biller_name,
        number=bill.number,
        amount=owed,
        issued=plain_date(bill.issue_date, turn.locale),
        where=where,
    )
    return offer_to_pay_if_open(turn, lines, bill, card=(turn.t("card.invoice_copy_title"), card_text))
