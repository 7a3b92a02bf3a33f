"""Paying by voice: choose bill, amount and method; confirm aloud; PIN when required; charge once."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ask_sdk_model import Response

from ...domain.errors import DomainError, InvalidAmount, PartialPaymentNotAllowed
from ...domain.model import Channel
from ...domain.money import Money
from ...services.billing.results import BillView
from ..progressive import send_progressive
from ..state import Question
from . import answers
from .base import Handler, Turn
from .choose import asked_bill, pick_bill
from .links import offer_link
from .words import amount, bill_name, method_label

if TYPE_CHECKING:  # annotations only: a payment turn loads the payments service when it pays
    from ...services.payments.mandates import MethodView


class PayBillIntentHandler(Handler):
    intents = ("PayBillIntent",)

    def respond(self, turn: Turn) -> Response:
        chosen = pick_bill(turn, "pay")
        if not isinstance(chosen, BillView):
            return chosen
        return start_payment(turn, chosen)


def start_payment(turn: Turn, bill: BillView) -> Response:
    from .links import send_link

    wanted = turn.slot("method")
    if wanted == "link":
        return send_link(turn, bill)
    amount_minor = requested_amount(turn, bill)
    if isinstance(amount_minor, Response):
        return amount_minor
    if speaker_unrecognized(turn):
        return offer_link(turn, bill, turn.t("pay.voice_not_recognized"), amount_minor=amount_minor)
    methods = turn.services.payments.stored_methods(turn.customer_id)
    method = choose_method(methods, wanted)
    if method is None:
        key = "pay.no_method_of_kind" if wanted and methods else "pay.no_method"
        return offer_link(turn, bill, turn.t(key), amount_minor=amount_minor)
    return confirm(turn, bill, amount_minor, method)


def requested_amount(turn: Turn, bill: BillView) -> int | Response:
    """The remaining amount unless the customer named a part; checked against the biller's rules.

    A number Alexa did not catch ("?") or that is no plain count of units or cents (1e9, NaN, negative, 150
    cents) is asked for again: it never falls back to the full amount.
    """
    kind = turn.slot("amountKind")
    if kind == "minimum" and bill.partial_allowed and bill.partial_min_minor:
        return min(bill.partial_min_minor, bill.remaining_minor)
    raw_whole, raw_cents = turn.slot("amount"), turn.slot("cents")
    if kind in ("full", "remaining", "minimum") or (raw_whole is None and raw_cents is None):
        return bill.remaining_minor
    whole = spoken_count(raw_whole) if raw_whole is not None else 0
    cents = spoken_count(raw_cents) if raw_cents is not None else 0
    if whole is None or cents is None:
        return amount_not_understood(turn, bill)
    try:
        requested = Money.from_parts(whole, cents, bill.currency)
    except InvalidAmount:  # more cents than the currency has: "150 cents", any cents of yen
        return amount_not_understood(turn, bill)
    try:
        return bill.terms.check(requested.amount_minor)
    except (InvalidAmount, PartialPaymentNotAllowed) as error:
        return amount_refused(turn, bill, error)


MAX_SPOKEN_DIGITS = 9  # more than any bill: a longer number is noise, not an amount


def spoken_count(raw: str) -> int | None:
    """An AMAZON.NUMBER value as a count: ASCII digits only, else None ("?", "1e9", "NaN", "-5", "２０")."""
    if not raw or len(raw) > MAX_SPOKEN_DIGITS or not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)


def amount_not_understood(turn: Turn, bill: BillView) -> Response:
    values = {"remaining": amount(turn, bill.remaining_minor, bill.currency)}
    again = turn.t("amount.ask_again", **values)
    return turn.ask(f"{turn.t('amount.invalid')} {again}", again)


def amount_refused(turn: Turn, bill: BillView, error: DomainError) -> Response:
    values = {
        "biller": bill_name(turn, bill),
        "remaining": amount(turn, bill.remaining_minor, bill.currency),
        "minimum": amount(turn, bill.partial_min_minor, bill.currency),
    }
    if isinstance(error, PartialPaymentNotAllowed):
        key = "amount.below_minimum" if bill.partial_allowed else "amount.no_partial"
    else:
        key = "amount.too_much" if error.details.get("remaining") is not None else "amount.invalid"
    return turn.ask(turn.t(key, **values), turn.t("amount.reprompt", **values))


def choose_method(methods: list[MethodView], wanted: str | None) -> MethodView | None:
    usable = [m for m in methods if wanted in (None, m.kind.value)]
    return next((m for m in usable if m.is_default), usable[0] if usable else None)


def confirm(turn: Turn, bill: BillView, amount_minor: int, method: MethodView) -> Response:
    """Restate biller, bill, amount and method before anything is charged (Amazon's purchase policy)."""
    readback = turn.t(
        "pay.confirm",
        amount=amount(turn, amount_minor, bill.currency),
        bill=bill_name(turn, bill),
        method=method_label(turn, method),
    )
    turn.conv.ask(
        Question.CONFIRM_PAYMENT,
        invoice_id=bill.id,
        amount_minor=amount_minor,
        currency=bill.currency,
        method_id=method.id,
        readback=readback,
        confirmation_id=uuid.uuid4().hex,
    )
    return turn.ask(readback, turn.t("pay.confirm_reprompt"))


def needs_pin(turn: Turn, bill: BillView, amount_minor: int) -> bool:
    """The current rules (the biller's threshold, the customer's always-ask), never the session's word."""
    customer = turn.customer
    return bool(
        customer
        and customer.has_voice_pin
        and (customer.always_ask_pin or amount_minor >= bill.pin_threshold_minor)
    )


def confirmed(turn: Turn, data: dict[str, Any]) -> Response:
    """The customer said yes to exactly this payment."""
    customer = turn.customer
    if speaker_unrecognized(turn):  # the "yes" may come from someone else than the request did
        return offer_link_for(turn, data)
    bill = asked_bill(turn, data)
    if isinstance(bill, Response):
        return bill
    if needs_pin(turn, bill, int(data["amount_minor"])) and customer is not None:
        if customer.voice_pin_locked:
            return pin_locked(turn, data)
        return ask_pin(turn, data, turn.t("pin.ask"))
    return charge(turn, data)


PIN_SLOT = ("VoicePinIntent", "pin")  # elicited: the next words are the PIN, with no carrier phrase needed
MAX_UNHEARD_PINS = 2  # answers without four digits in them before the payment is dropped (no PIN try spent)


def ask_pin(turn: Turn, data: dict[str, Any], speech: str) -> Response:
    """Ask for the PIN of the payment in `data`, as the sealed pending question and an elicited slot."""
    turn.conv.ask(Question.PIN, **data)
    return turn.ask(speech, turn.t("pin.reprompt"), elicit=PIN_SLOT)


def speaker_unrecognized(turn: Turn) -> bool:
    """The customer wants voice payments only from a recognized voice, and Alexa sent no personId.

    https://developer.amazon.com/en-US/docs/alexa/custom-skills/add-personalization-to-your-skill.html
    """
    customer = turn.customer
    person = getattr(turn.system, "person", None)
    return bool(customer and customer.require_recognized_speaker and not getattr(person, "person_id", None))


def offer_link_for(turn: Turn, data: dict[str, Any]) -> Response:
    turn.conv.ask(Question.OFFER_LINK, invoice_id=data["invoice_id"], amount_minor=data["amount_minor"])
    speech = f"{turn.t('pay.voice_not_recognized')} {turn.t('link.offer')}"
    return turn.ask(speech, turn.t("link.offer_reprompt"))


def pin_locked(turn: Turn, data: dict[str, Any]) -> Response:
    turn.conv.ask(Question.OFFER_LINK, invoice_id=data["invoice_id"], amount_minor=data["amount_minor"])
    # An address is read out letter by letter: it is said in words, and the card in the Alexa app carries it.
    url = turn.services.settings.public_base_url + "/account"
    card = (turn.t("card.pin_locked_title"), turn.t("card.pin_locked", url=url))
    return turn.ask(turn.t("pin.locked"), turn.t("link.offer_reprompt"), card=card)


def charge(turn: Turn, data: dict[str, Any]) -> Response:
    send_progressive(turn.hi.request_envelope, turn.t("pay.one_moment"))
    system = turn.system
    person = getattr(system, "person", None)
    evidence = {
        "readback": data["readback"],
        "confirmed_at": turn.services.clock.now().isoformat(),
        "person_id": getattr(person, "person_id", None),
        "device_id": getattr(getattr(system, "device", None), "device_id", None),
        "request_id": turn.request_id,
        "locale": turn.locale,
    }
    outcome = turn.services.payments.pay_with_mandate(
        customer_id=turn.customer_id,
        invoice_id=int(data["invoice_id"]),
        amount_minor=int(data["amount_minor"]),
        payment_method_id=int(data["method_id"]),
        idempotency_key=f"alexa:{data['confirmation_id']}",
        channel=Channel.ALEXA,
        evidence=evidence,
    )
    from .outcomes import speak_outcome

    return speak_outcome(turn, data, outcome)


class VoicePinIntentHandler(Handler):
    """The PIN, in whatever dialog state the elicited slot comes back (STARTED, IN_PROGRESS or COMPLETED).

    The skill runs this dialog itself (no Dialog.Delegate: its prompts are the skill's own, in the customer's
    language, and the throttle speaks between tries), so the state changes nothing here: only the sealed
    pending question says a PIN was asked for, and only a spoken PIN is checked against the throttle.
    """

    intents = ("VoicePinIntent",)

    def respond(self, turn: Turn) -> Response:
        pending = turn.conv.take(Question.PIN)
        if pending is None:
            return turn.ask(turn.t("pin.not_asked"), turn.t("reprompt.main"))
        data = pending.data
        pin = turn.slot("pin")
        # Nothing heard as a number ("?" is Alexa's value for what it could not recognise): no try is spent.
        if not pin or pin == "?":
            return pin_not_heard(turn, data)
        check = turn.services.identity.verify_voice_pin(
            turn.customer_id, pin, invoice_id=int(data["invoice_id"])
        )
        if check.ok:
            return charge(turn, data)
        if check.locked:
            return pin_locked(turn, data)
        return ask_pin(turn, data, turn.t.plural("pin.wrong", check.tries_left))


def pin_not_heard(turn: Turn, data: dict[str, Any]) -> Response:
    unheard = int(data.get("unheard", 0)) + 1
    if unheard > MAX_UNHEARD_PINS:
        return turn.ask(f"{turn.t('pin.not_heard_again')} {turn.t('reprompt.main')}", turn.t("reprompt.main"))
    return ask_pin(turn, {**data, "unheard": unheard}, turn.t("pin.not_heard"))


def cancel_payment(turn: Turn, data: dict[str, Any]) -> Response:
    """No to the read-back or to the PIN: nothing is charged."""
    return turn.ask(turn.t("pay.cancelled"), turn.t("reprompt.main"))


answers.register(Question.CONFIRM_PAYMENT, yes=confirmed, no=cancel_payment)
answers.register(Question.PIN, no=cancel_payment)  # the PIN itself is answered by VoicePinIntent
