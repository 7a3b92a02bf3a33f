"""Hearing bills: all, by type, biller or status, three at a time; and one bill's details."""

from __future__ import annotations

from typing import Any

from ask_sdk_model import Response

from ...domain.model import BillType
from ...services.billing.results import BillView
from ..speech import plain_date, say_date, sentence
from ..state import Listing, Question
from . import answers
from .base import Handler, Turn
from .choose import asked_bill, bill_type_slot, pick_bill
from .words import amount, bill_name

PAGE_SIZE = 3
DUE_SOON_DAYS = 7


def bill_line(turn: Turn, bill: BillView) -> str:
    when = say_date(bill.due_date, turn.today)
    owed = amount(turn, bill.remaining_minor, bill.currency)
    key = "bill.line_overdue" if bill.overdue else "bill.line"
    line = turn.t(key, name=bill_name(turn, bill), amount=owed, date=when)
    if bill.amount_paid_minor:
        line += " " + turn.t("bill.part_paid", paid=amount(turn, bill.amount_paid_minor, bill.currency))
    return sentence(line)  # each line is a sentence of its own, after the intro's full stop


def read_page(turn: Turn, listing: Listing) -> Response:
    """Read the next three bills of a listing; the listing's filter is re-run so the store has the last word."""
    result = turn.services.billing.list_outstanding(
        turn.customer_id,
        bill_type=BillType(listing.bill_type) if listing.bill_type else None,
        biller=listing.biller,
        overdue_only=listing.status == "overdue",
        due_within_days=DUE_SOON_DAYS if listing.status == "due_soon" else None,
    )
    bills = result.bills
    if not bills:
        turn.conv.listing = None
        key = "list.none_filtered" if (listing.bill_type or listing.biller or listing.status) else "list.none"
        return turn.ask(turn.t(key) + " " + turn.t("reprompt.main"), turn.t("reprompt.main"))
    page = list(bills[listing.offset : listing.offset + PAGE_SIZE])
    if not page:
        # Read to the end already: "more" says so (the listing stays exhausted), never starts over.
        return turn.ask(turn.t("list.end") + " " + turn.t("reprompt.main"), turn.t("reprompt.main"))
    intro = {"overdue": "list.intro_overdue", "due_soon": "list.intro_due_soon"}.get(
        listing.status or "", "list.intro"
    )
    parts = [turn.t.plural(intro, len(bills))] if listing.offset == 0 else []
    parts += [bill_line(turn, bill) for bill in page]
    turn.conv.hear([b.id for b in page], reset=listing.offset == 0)
    listing.offset += len(page)
    turn.conv.listing = listing
    if listing.offset < len(bills):
        turn.conv.ask(Question.MORE)
        parts.append(turn.t("list.more", left=len(bills) - listing.offset))
        return turn.ask(" ".join(parts), turn.t("list.more_reprompt"))
    # The last page: the listing is kept, exhausted, so that a "more" after it is answered "that's all".
    if len(bills) == 1:
        turn.conv.focus = bills[0].id
        turn.conv.ask(Question.PAY_FOCUS, invoice_id=bills[0].id)
        parts.append(turn.t("list.pay_it"))
    else:
        parts.append(turn.t("list.pay_which"))
    return turn.ask(" ".join(parts), turn.t("list.pay_which"))


class ListBillsIntentHandler(Handler):
    intents = ("ListBillsIntent",)

    def respond(self, turn: Turn) -> Response:
        bill_type = bill_type_slot(turn)
        status = turn.slot("billStatus")
        listing = Listing(
            bill_type=bill_type.value if bill_type else None,
            biller=turn.slot("biller"),
            status=status if status in ("overdue", "due_soon") else None,
        )
        return read_page(turn, listing)


class MoreIntentHandler(Handler):
    intents = ("AMAZON.MoreIntent", "AMAZON.NextIntent")

    def respond(self, turn: Turn) -> Response:
        listing = turn.conv.listing or Listing()
        turn.conv.pending = None
        return read_page(turn, listing)


class BillDetailsIntentHandler(Handler):
    intents = ("BillDetailsIntent",)

    def respond(self, turn: Turn) -> Response:
        # A bare answer to "which one would you like to pay?" ("the second one") arrives here:
        # carry on with what the customer was doing.
        pending = turn.conv.take(Question.WHICH_BILL)
        purpose = str(pending.data.get("purpose")) if pending else "details"
        if pending:
            turn.carry(pending.data.get("slots") or {})
        chosen = pick_bill(turn, purpose)
        if not isinstance(chosen, BillView):
            return chosen
        if purpose in ("pay", "link"):
            from .links import preferred_channel, send_link
            from .pay import start_payment

            if purpose == "pay":
                return start_payment(turn, chosen)
            return send_link(turn, chosen, prefer=preferred_channel(turn.slot("channel")))
        details = turn.services.billing.bill_details(turn.customer_id, chosen.id)
        bill = details.bill
        parts = [bill_line(turn, bill)]
        if bill.description:
            parts.append(turn.t("details.for", description=details.bill.description))
        if details.change_minor:
            key = "details.up" if details.change_minor > 0 else "details.down"
            parts.append(turn.t(key, change=amount(turn, abs(details.change_minor), bill.currency)))
        elif details.change_minor == 0:
            parts.append(turn.t("details.same"))
        turn.conv.ask(Question.PAY_FOCUS, invoice_id=bill.id)
        parts.append(turn.t("list.pay_it"))
        card = (turn.t("card.details_title"), details_card(turn, bill))
        return turn.ask(" ".join(parts), turn.t("list.pay_it"), card=card)


def details_card(turn: Turn, bill: BillView) -> str:
    return turn.t(
        "card.details",
        biller=bill.biller_name,
        number=bill.number,
        amount=amount(turn, bill.remaining_minor, bill.currency),
        due=plain_date(bill.due_date, turn.locale),
    )


def hear_more(turn: Turn, data: dict[str, Any]) -> Response:
    return read_page(turn, turn.conv.listing or Listing())


def pay_the_bill_heard(turn: Turn, data: dict[str, Any]) -> Response:
    from .pay import start_payment

    bill = asked_bill(turn, data)
    return bill if isinstance(bill, Response) else start_payment(turn, bill)


answers.register(Question.MORE, yes=hear_more, no=answers.declined)
answers.register(Question.PAY_FOCUS, yes=pay_the_bill_heard, no=answers.declined)
