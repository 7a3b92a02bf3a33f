"""Customer-service questions by voice: whom to talk to, a reminder, paying too much, a dispute, a payment plan."""

from __future__ import annotations

from ask_sdk_model import Response

from ...domain.errors import IllegalTransition
from ...domain.model import OUTSTANDING, Channel, InvoiceStatus
from ...domain.reminders import StepKind
from ...services.billing.results import BillView
from ...services.service_desk.results import (
    BillerContact,
    BillQuery,
    ChooseBill,
    ChooseBiller,
    NoBill,
    Overpayments,
    ReminderStatus,
    RequestRecorded,
)
from ..speech import plain_date, say_date, text
from ..state import Question
from .base import Handler, Turn
from .bills import bill_line
from .choose import bill_type_slot
from .service_words import capitalized, contact_card, contact_speech, either, refund_speech, reply_words
from .words import amount, bill_name


def bill_query(turn: Turn) -> BillQuery:
    return BillQuery(bill_type=bill_type_slot(turn), biller=turn.slot("biller"), focus=turn.conv.focus)


def anything_else(turn: Turn, speech: str, card: tuple[str, str] | None = None) -> Response:
    return turn.ask(f"{speech} {turn.t('reprompt.anything_else')}", turn.t("reprompt.main"), card=card)


def not_chosen(turn: Turn, found: ChooseBill | NoBill, purpose: str) -> Response:
    """Several bills fit: name them and how to ask again; none fits: say so."""
    if isinstance(found, NoBill):
        key = "desk.no_bill_named" if found.named else f"desk.no_bill.{purpose}"
        return turn.ask(f"{turn.t(key)} {turn.t('reprompt.main')}", turn.t("reprompt.main"))
    shown = list(found.candidates)
    turn.conv.hear([b.id for b in shown], reset=True)  # "the second one" then finds it among these
    example = text(shown[0].biller_spoken_name)
    names = [
        turn.t("bill.short", type=turn.t(f"type.{b.bill_type.value}"), biller=text(b.biller_spoken_name))
        for b in shown
    ]
    question = turn.t(f"desk.which.{purpose}", bills=either(turn, names), example=example)
    return turn.ask(question, question)


def unknown_type(turn: Turn) -> Response | None:
    if turn.slot("billType") and bill_type_slot(turn) is None and not turn.slot("biller"):
        return turn.ask(turn.t("bill.unknown_type"), turn.t("reprompt.main"))
    return None


class ContactIntentHandler(Handler):
    intents = ("ContactIntent",)

    def respond(self, turn: Turn) -> Response:
        found = turn.services.service_desk.contact(
            turn.customer_id, biller=turn.slot("biller"), focus=turn.conv.focus
        )
        if isinstance(found, ChooseBiller):
            return which_biller(turn, found)
        return speak_contact(turn, found)


def which_biller(turn: Turn, found: ChooseBiller) -> Response:
    if not found.spoken_names:
        return turn.ask(f"{turn.t('desk.no_billers')} {turn.t('reprompt.main')}", turn.t("reprompt.main"))
    names = [text(n) for n in found.spoken_names]
    question = turn.t("desk.which_biller", billers=either(turn, names), example=names[0])
    preface = turn.t("desk.unknown_biller") + " " if found.unknown_name else ""
    return turn.ask(preface + question, question)


def speak_contact(turn: Turn, found: BillerContact) -> Response:
    biller = text(found.spoken_name)
    if not found.route.configured:
        return anything_else(turn, turn.t("desk.contact.none", biller=biller))
    card = contact_card(turn, found.biller_name, found.route)
    return anything_else(turn, contact_speech(turn, biller, found.route), card)


class ReminderIntentHandler(Handler):
    intents = ("ReminderIntent",)

    def respond(self, turn: Turn) -> Response:
        refused = unknown_type(turn)
        if refused is not None:
            return refused
        found = turn.services.service_desk.reminder_status(turn.customer_id, bill_query(turn))
        if isinstance(found, ChooseBill | NoBill):
            return not_chosen(turn, found, "reminder")
        return speak_reminder(turn, found)


def speak_reminder(turn: Turn, found: ReminderStatus) -> Response:
    bill, today = found.bill, turn.today
    turn.conv.focus = bill.id
    biller = text(bill.biller_spoken_name)
    if bill.status not in OUTSTANDING and bill.status is not InvoiceStatus.DISPUTED:
        key = "desk.reminder.paid" if bill.status is InvoiceStatus.PAID else "desk.reminder.void"
        return anything_else(turn, capitalized(turn.t(key, bill=bill_name(turn, bill))))
    parts = [capitalized(bill_line(turn, bill)), sent_sentence(turn, found)]
    if found.paused:
        parts.append(turn.t("desk.reminder.paused", biller=biller))
        return anything_else(turn, " ".join(parts))
    if found.next is None:
        parts.append(turn.t("desk.next.none", biller=biller))
    else:
        kind = "final" if found.next.step.kind is StepKind.FINAL_NOTICE else "reminder"
        if found.next.on <= today:
            parts.append(turn.t(f"desk.next.{kind}_today"))
        else:
            parts.append(turn.t(f"desk.next.{kind}_on", date=say_date(found.next.on, today)))
    turn.conv.ask(Question.PAY_FOCUS, invoice_id=bill.id)  # "yes" pays it; "send me a link" texts one for it
    parts.append(turn.t("desk.offer_pay"))
    return turn.ask(" ".join(parts), turn.t("desk.offer_pay_reprompt"))


def sent_sentence(turn: Turn, found: ReminderStatus) -> str:
    biller = text(found.bill.biller_spoken_name)
    if not found.sent:
        return turn.t("desk.sent.none", biller=biller)
    last = found.sent[-1]
    values = {
        "biller": biller,
        "what": turn.t(f"desk.what.{last.kind}"),
        "via": turn.t(f"desk.via.{last.channel}") if last.channel in ("email", "sms") else "",
        "date": say_date(last.at.date(), turn.today),
    }
    if len(found.sent) == 1:
        return turn.t("desk.sent.one", **values)
    return turn.t("desk.sent.other", count=len(found.sent), **values)


class OverpaidIntentHandler(Handler):
    intents = ("OverpaidIntent",)

    def respond(self, turn: Turn) -> Response:
        refused = unknown_type(turn)
        if refused is not None:
            return refused
        query = bill_query(turn)
        found = turn.services.service_desk.overpayments(turn.customer_id, query)
        if isinstance(found, NoBill):
            return not_chosen(turn, found, "overpaid")
        return speak_overpayments(turn, found, named=query.named)


def speak_overpayments(turn: Turn, found: Overpayments, *, named: bool) -> Response:
    if found.overpaid:
        return anything_else(turn, " ".join(refund_speech(turn, o, turn.today) for o in found.overpaid))
    bills = {p.bill.id: p.bill for p in found.paid}
    single = next(iter(bills.values())) if named and len(bills) == 1 else None
    if not found.paid:
        if named and len(found.named) == 1:  # nothing paid on the bill named (others may have payments)
            bill = bill_name(turn, found.named[0])
            return anything_else(turn, capitalized(turn.t("desk.overpaid.nothing_paid_on_bill", bill=bill)))
        return anything_else(turn, turn.t("desk.overpaid.nothing_paid"))
    head = (
        capitalized(turn.t("desk.overpaid.none_on_bill", bill=bill_name(turn, single)))
        if single
        else turn.t("desk.overpaid.none")
    )
    lines = [
        turn.t(
            "desk.overpaid.paid_line",
            amount=amount(turn, p.amount_minor, p.currency),
            biller=text(p.bill.biller_spoken_name),
            date=say_date(p.on, turn.today),
        )
        for p in found.paid
    ]
    return anything_else(turn, f"{head} {turn.t('desk.overpaid.paid', lines=turn.t.join(lines))}")


class DisputeIntentHandler(Handler):
    intents = ("DisputeIntent",)

    def respond(self, turn: Turn) -> Response:
        refused = unknown_type(turn)
        if refused is not None:
            return refused
        try:
            found = turn.services.service_desk.open_dispute(
                turn.customer_id, bill_query(turn), via=Channel.ALEXA
            )
        except IllegalTransition:
            return anything_else(turn, turn.t("desk.dispute.void"))
        if isinstance(found, ChooseBill | NoBill):
            return not_chosen(turn, found, "dispute")
        return speak_request(turn, found, "dispute")


class PaymentPlanIntentHandler(Handler):
    intents = ("PaymentPlanIntent",)

    def respond(self, turn: Turn) -> Response:
        refused = unknown_type(turn)
        if refused is not None:
            return refused
        query = bill_query(turn)
        try:
            found = turn.services.service_desk.request_payment_plan(
                turn.customer_id, query, via=Channel.ALEXA
            )
        except IllegalTransition as exc:
            status = str(exc.details.get("status", ""))
            key = "desk.plan.disputed" if status == InvoiceStatus.DISPUTED else "desk.plan.nothing_to_pay"
            return anything_else(turn, turn.t(key))
        if isinstance(found, ChooseBill | NoBill):
            return not_chosen(turn, found, "plan")
        return speak_request(turn, found, "plan")


def speak_request(turn: Turn, found: RequestRecorded, kind: str) -> Response:
    bill: BillView = found.bill
    turn.conv.focus = bill.id
    values = {
        "biller": text(bill.biller_spoken_name),
        "bill": turn.t("desk.your_type", type=turn.t(f"type.{bill.bill_type.value}")),
        "reply": reply_words(turn, found),
        "amount": amount(turn, bill.remaining_minor, bill.currency),
        "date": say_date(found.recorded_at.date(), turn.today),
    }
    speech = turn.t(f"desk.{kind}.{'recorded' if found.new else 'already'}", **values)
    card_text = turn.t(
        "desk.card.request",
        number=bill.number,
        amount=amount(turn, bill.remaining_minor, bill.currency),
        date=plain_date(found.recorded_at.date(), turn.locale),
        biller=bill.biller_name,
        reply=reply_words(turn, found),
    )
    card = (turn.t(f"desk.card.{kind}_title", biller=bill.biller_name), card_text)
    return anything_else(turn, capitalized(speech), card)
