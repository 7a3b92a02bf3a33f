"""Spoken pieces of the service desk's answers: opening hours, a contact route, who replies where, refunds."""

from __future__ import annotations

from datetime import date, time

from ...domain.contact import ContactRoute, OpeningHours, day_runs
from ...domain.model import Channel
from ...domain.refunds import RefundState
from ...services.service_desk.results import Overpayment, RequestRecorded
from ..speech import say_date, text
from .base import Turn
from .words import amount, bill_name

_METHOD_WORDS = {"card": "desk.method.card", "sepa_debit": "desk.method.bank", "ideal": "desk.method.bank"}


def capitalized(value: str) -> str:
    """The sentence with its first character outside SSML tags in upper case ("your water bill ..." opens one);
    a sentence that opens with an amount ("€45.60 ...") or a digit stays as it is."""
    in_tag = False
    for index, char in enumerate(value):
        if char in "<>":
            in_tag = char == "<"
        elif not in_tag and not char.isspace():
            return value[:index] + char.upper() + value[index + 1 :] if char.isalpha() else value
    return value


def either(turn: Turn, items: list[str]) -> str:
    """'a, b or c' in the locale's words."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + turn.t("desk.or") + items[-1]


def opening_hours(turn: Turn, hours: tuple[OpeningHours, ...]) -> str:
    """'Monday to Friday from 8:00 AM to 6:00 PM and Saturday from 9:00 AM to 1:00 PM', in the locale."""
    from babel.dates import get_day_names

    babel_locale = turn.locale.replace("-", "_")
    names = get_day_names("wide", locale=babel_locale)
    weekday = {
        key: str(names[index]) for index, key in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    }

    def run(first: str, last: str) -> str:
        if first == last:
            return weekday[first]
        key = "desk.hours.two_days" if _next_day(first) == last else "desk.hours.days_run"
        return turn.t(key, first=weekday[first], last=weekday[last])

    phrases = [
        turn.t(
            "desk.hours.range",
            days=turn.t.join([run(first, last) for first, last in day_runs(h.days)]),
            opens=clock_time(turn, h.opens),
            closes=clock_time(turn, h.closes),
        )
        for h in hours
    ]
    return turn.t.join(phrases)


def clock_time(turn: Turn, value: time) -> str:
    from babel.dates import format_time

    formatted = format_time(value, turn.t("desk.hours.time_pattern"), locale=turn.locale.replace("-", "_"))
    return str(formatted).replace("\u202f", " ").replace("\xa0", " ")


def _next_day(day: str) -> str:
    order = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return order[(order.index(day) + 1) % 7]


def contact_speech(turn: Turn, biller: str, route: ContactRoute) -> str:
    """The ways to reach a person, phone first (with its hours), then email; a web page only as the last resort."""
    parts = []
    if route.phone:
        phone = f'<say-as interpret-as="telephone">{text(route.phone)}</say-as>'
        if route.hours:
            hours = opening_hours(turn, route.hours)
            parts.append(turn.t("desk.contact.call_hours", biller=biller, phone=phone, hours=text(hours)))
        else:
            parts.append(turn.t("desk.contact.call", biller=biller, phone=phone))
    if route.email:
        key = "desk.contact.email_also" if route.phone else "desk.contact.email"
        parts.append(turn.t(key, biller=biller, email=text(route.email)))
    if route.url and not (route.phone or route.email):
        parts.append(turn.t("desk.contact.web_only", biller=biller))
    parts.append(turn.t("desk.contact.in_app"))
    return " ".join(capitalized(p) for p in parts)


def contact_card(turn: Turn, biller: str, route: ContactRoute) -> tuple[str, str]:
    lines = []
    if route.phone:
        lines.append(turn.t("desk.card.phone", phone=route.phone))
    if route.hours:
        lines.append(turn.t("desk.card.hours", hours=capitalized(opening_hours(turn, route.hours))))
    if route.email:
        lines.append(turn.t("desk.card.email", email=route.email))
    if route.url:
        lines.append(turn.t("desk.card.web", url=route.url))
    return turn.t("desk.card.contact_title", biller=biller), "\n".join(lines)


def reply_words(turn: Turn, recorded: RequestRecorded) -> str:
    """How the biller will answer: 'by email', 'by text message to your number ending in 5678'."""
    if recorded.reply_channel is Channel.EMAIL:
        return turn.t("desk.reply.email")
    if recorded.reply_channel is Channel.SMS and recorded.reply_to:
        return turn.t("desk.reply.sms", last4=recorded.reply_to[-4:])
    return turn.t("desk.reply.none")


def refund_speech(turn: Turn, found: Overpayment, today: date) -> str:
    bill = found.bill
    biller, name = text(bill.biller_spoken_name), bill_name(turn, bill)
    short = turn.t("desk.your_type", type=turn.t(f"type.{bill.bill_type.value}"))  # once the biller is named
    method = turn.t(_METHOD_WORDS.get(found.method or "", "desk.method.other"))
    parts = []
    if found.payments > 1:
        parts.append(turn.t("desk.refund.payments", count=found.payments, bill=name))
        name = short
    state, expected = found.standing.state, found.standing.expected_by
    if state is RefundState.DUE:
        owed = amount(turn, found.owed_minor, bill.currency)
        parts.append(turn.t("desk.refund.due", biller=biller, amount=owed, bill=short))
    elif found.owed_minor > 0 and expected is not None:
        owed = amount(turn, found.owed_minor, bill.currency)
        when = say_date(expected, today)
        parts.append(turn.t("desk.refund.automatic", amount=owed, bill=name, method=method, date=when))
    elif found.refunded_on is not None:
        refunded = amount(turn, found.refunded_minor, bill.currency)
        on = say_date(found.refunded_on, today)
        if state is RefundState.UNDER_WAY and expected is not None:
            by = say_date(expected, today)
            parts.append(
                turn.t(
                    "desk.refund.under_way", amount=refunded, bill=name, method=method, date=on, expected=by
                )
            )
        else:
            parts.append(turn.t("desk.refund.done", amount=refunded, bill=name, method=method, date=on))
    return " ".join(capitalized(p) for p in parts)
