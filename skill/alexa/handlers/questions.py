"""Questions about the balance: "how much do I owe in total", "what's due next", "how much is left", "I paid too little"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ask_sdk_model import Response

from ...domain.errors import NotFound
from ...domain.model import BillType, InvoiceStatus
from ...services.billing.bills import AmbiguousBill
from ...services.billing.results import BillView
from ..speech import say_date, text
from ..state import Listing, Question
from . import answers
from .base import Handler, Turn
from .bills import read_page
from .choose import ask_which, bill_type_slot
from .words import amount, bill_name

if TYPE_CHECKING:  # annotations only: the launch and listing path never loads the ORM
    from ...services.billing.questions import Balance, NextDue, PartPaid, TotalOwed

Card = tuple[str, str]  # a simple card's title and text


def sentence(value: str) -> str:
    """A sentence starts upper case, also when it opens with a bill's name ("your water bill ...", "uw ...")."""
    return value[:1].upper() + value[1:]


@dataclass(frozen=True)
class Named:
    """The bill type and biller the customer named (slots), if any."""

    bill_type: BillType | None
    biller: str | None

    @property
    def any(self) -> bool:
        return self.bill_type is not None or self.biller is not None


def named_in(turn: Turn) -> Named | Response:
    """The named bill type and biller, or the answer that this kind of bill is unknown."""
    bill_type = bill_type_slot(turn)
    if turn.slot("billType") and bill_type is None:
        return turn.ask(turn.t("bill.unknown_type"), turn.t("reprompt.main"))
    return Named(bill_type, turn.slot("biller"))


def main_menu(turn: Turn, *lines: str) -> Response:
    """Say `lines`, then what the customer can do: the session stays open."""
    return turn.ask(" ".join([*lines, turn.t("reprompt.main")]), turn.t("reprompt.main"))


def offer_to_pay(
    turn: Turn, lines: list[str], bill: BillView, offer: str | None = None, card: Card | None = None
) -> Response:
    """End on "would you like to pay it?" (Question.PAY_FOCUS, whose yes and no the bills flow registers)."""
    turn.conv.focus = bill.id
    turn.conv.ask(Question.PAY_FOCUS, invoice_id=bill.id)
    offer = offer or turn.t("list.pay_it")
    return turn.ask(" ".join([*lines, offer]), offer, card=card)


def offer_to_pay_one_of(turn: Turn, lines: list[str], bills: list[BillView]) -> Response:
    """Several bills were named: "pay the first one" refers to them in the order they were said."""
    turn.conv.hear([b.id for b in bills], reset=True)
    return turn.ask(" ".join([*lines, turn.t("list.pay_which")]), turn.t("list.pay_which"))


def bill_values(turn: Turn, bill: BillView) -> dict[str, str]:
    """What sentences about one bill say: its name, what is left, paid and due on it, and its due date."""
    return {
        "name": bill_name(turn, bill),
        "bill": turn.t(
            "bill.short", type=turn.t(f"type.{bill.bill_type.value}"), biller=text(bill.biller_spoken_name)
        ),
        "left": amount(turn, bill.remaining_minor, bill.currency),
        "paid": amount(turn, bill.amount_paid_minor, bill.currency),
        "due": amount(turn, bill.amount_due_minor, bill.currency),
        "date": say_date(bill.due_date, turn.today),
    }


def bill_sentence(turn: Turn, key: str, bill: BillView, **values: str) -> str:
    """`key` about `bill`, or `<key>_overdue` when the bill is overdue and that wording exists."""
    overdue = f"{key}_overdue"
    chosen = overdue if bill.overdue and turn.t.has(overdue) else key
    return sentence(turn.t(chosen, **{**bill_values(turn, bill), **values}))


class TotalOwedIntentHandler(Handler):
    intents = ("TotalOwedIntent",)

    def respond(self, turn: Turn) -> Response:
        owed = turn.services.billing.total_owed(turn.customer_id, biller=turn.slot("biller"))
        if owed.unknown_biller:
            return main_menu(turn, turn.t("total.unknown_biller"))
        if not owed.bills:
            nothing = (
                turn.t("total.none_biller", biller=text(owed.biller)) if owed.biller else turn.t("total.none")
            )
            return main_menu(turn, nothing)
        return speak_total(turn, owed, turn.slot("biller"))


def speak_total(turn: Turn, owed: TotalOwed, biller_slot: str | None) -> Response:
    count, bill = len(owed.bills), owed.bills[0]
    total = turn.t.join([amount(turn, minor, currency) for currency, minor in owed.totals])
    kind = turn.t(f"type.{bill.bill_type.value}")
    key = "total.biller" if owed.biller else "total.sum"
    values = {**bill_values(turn, bill), "total": total, "biller": text(owed.biller or ""), "type": kind}
    lines = [turn.t.plural(key, count, **values)]
    if count == 1:
        lines.append(bill_sentence(turn, "total.overdue_since" if bill.overdue else "total.due", bill))
        return offer_to_pay(turn, lines, bill)
    overdue = owed.overdue_count
    lines.append(turn.t.plural("total.overdue", overdue) if overdue else turn.t("total.overdue_none"))
    turn.conv.ask(Question.HEAR_TOTALLED, biller=biller_slot)
    return turn.ask(" ".join([*lines, turn.t("launch.question")]), turn.t("launch.question"))


def hear_totalled(turn: Turn, data: dict[str, Any]) -> Response:
    """Yes to "hear them?": the bills behind the total, from the same biller if one was named."""
    return read_page(turn, Listing(biller=data.get("biller")))


class NextDueIntentHandler(Handler):
    intents = ("NextDueIntent",)

    def respond(self, turn: Turn) -> Response:
        named = named_in(turn)
        if isinstance(named, Response):
            return named
        due = turn.services.billing.next_due(turn.customer_id, bill_type=named.bill_type, biller=named.biller)
        if due.bill is None and not due.overdue:
            return main_menu(turn, turn.t("next_due.none_filtered" if named.any else "next_due.none"))
        return speak_next_due(turn, due)


def speak_next_due(turn: Turn, due: NextDue) -> Response:
    """The next bill and when, then any overdue ones; the offer is to pay the next one (or the one overdue)."""
    lines = [bill_sentence(turn, "next_due.line", due.bill) if due.bill else turn.t("next_due.none_upcoming")]
    if due.overdue:
        items = [turn.t("next_due.item", **bill_values(turn, b)) for b in due.overdue]
        lines.append(turn.t.plural("next_due.overdue", len(due.overdue), bills=turn.t.join(items)))
    said = [*([due.bill] if due.bill else []), *due.overdue]
    turn.conv.hear([b.id for b in said], reset=True)
    if due.bill is not None and due.overdue:  # "pay it?" would be unclear after the overdue ones
        return offer_to_pay(
            turn, lines, due.bill, turn.t("next_due.pay_next", name=bill_name(turn, due.bill))
        )
    if len(said) == 1:
        return offer_to_pay(turn, lines, said[0])
    return offer_to_pay_one_of(turn, lines, said)


class AmountLeftIntentHandler(Handler):
    intents = ("AmountLeftIntent",)

    def respond(self, turn: Turn) -> Response:
        named = named_in(turn)
        if isinstance(named, Response):
            return named
        try:
            balance = balance_asked(turn, named)
        except AmbiguousBill as several:
            return ask_which(turn, list(several.candidates), "left")
        except NotFound:
            asked = named.any or turn.int_slot("ordinal") is not None
            return main_menu(turn, turn.t("questions.none_matching" if asked else "left.none"))
        return speak_balance(turn, balance)


def balance_asked(turn: Turn, named: Named) -> Balance:
    """The balance of the bill named, the nth one heard ("the second one"), or the one in focus ("on it")."""
    return turn.services.billing.bill_balance(
        turn.customer_id,
        bill_type=named.bill_type,
        biller=named.biller,
        position=turn.int_slot("ordinal"),
        last_read=turn.conv.heard,
        focus=turn.conv.focus,
    )


def speak_balance(turn: Turn, balance: Balance) -> Response:
    """Left, paid and due on an open bill with the offer to pay the rest; a settled bill says it is paid, and when."""
    bill = balance.bill
    if bill.status is InvoiceStatus.PAID:
        if balance.paid_on is None:
            line = bill_sentence(turn, "left.paid_in_full", bill)
        else:
            line = bill_sentence(
                turn, "left.paid_in_full_on", bill, date=say_date(balance.paid_on, turn.today)
            )
        return turn.ask(f"{line} {turn.t('reprompt.anything_else')}", turn.t("reprompt.main"))
    if bill.status is InvoiceStatus.DISPUTED:
        return main_menu(turn, bill_sentence(turn, "left.disputed", bill))
    if not bill.amount_paid_minor:
        return offer_to_pay(turn, [bill_sentence(turn, "left.open", bill), turn.t("left.paid_nothing")], bill)
    paid = turn.t("left.paid_part", **bill_values(turn, bill))
    return offer_to_pay(turn, [bill_sentence(turn, "left.open", bill), paid], bill, turn.t("left.pay_rest"))


class UnderpaidIntentHandler(Handler):
    intents = ("UnderpaidIntent",)

    def respond(self, turn: Turn) -> Response:
        named = named_in(turn)
        if isinstance(named, Response):
            return named
        found = turn.services.billing.part_paid(
            turn.customer_id, bill_type=named.bill_type, biller=named.biller
        )
        return speak_part_paid(turn, found)


def speak_part_paid(turn: Turn, found: PartPaid) -> Response:
    """What is left after a part payment and how to pay it; without one, what is open (in full) instead."""
    bills = list(found.part_paid)
    if len(bills) == 1:
        bill = bills[0]
        lines = [bill_sentence(turn, "underpaid.one", bill), turn.t("underpaid.how")]
        return offer_to_pay(
            turn, lines, bill, turn.t("underpaid.offer", left=bill_values(turn, bill)["left"])
        )
    if bills:
        items = turn.t.join([turn.t("underpaid.item", **bill_values(turn, b)) for b in bills])
        line = turn.t("underpaid.several", count=len(bills), items=items)
        return offer_to_pay_one_of(turn, [line, turn.t("underpaid.how_several")], bills)
    if len(found.unpaid) == 1:
        bill = found.unpaid[0]
        return offer_to_pay(turn, [turn.t("underpaid.none"), bill_sentence(turn, "left.open", bill)], bill)
    return main_menu(turn, turn.t("underpaid.none" if found.unpaid else "left.none"))


answers.register(Question.HEAR_TOTALLED, yes=hear_totalled, no=answers.declined)
