"""LaunchRequest and "start over": a greeting and a one-sentence summary of what is owed."""

from __future__ import annotations

from typing import Any

from ask_sdk_model import Response

from ..state import Conversation, Listing, Question
from ..vocabulary import biller_entities
from . import answers
from .base import Handler, Turn
from .bills import read_page
from .words import amount


class LaunchRequestHandler(Handler):
    request_types = ("LaunchRequest",)

    def respond(self, turn: Turn) -> Response:
        return welcome(turn)


class StartOverIntentHandler(Handler):
    """ "Start over": the conversation is forgotten (listing, bills heard, focus, pending question) and the
    skill starts again as a launch does."""

    intents = ("AMAZON.StartOverIntent",)

    def respond(self, turn: Turn) -> Response:
        turn.conv = Conversation()
        return welcome(turn)


def welcome(turn: Turn) -> Response:
    """The greeting, what is owed in one sentence, and whether to hear the bills."""
    overview = turn.services.billing.overview(turn.customer_id)  # one read for both
    summary, billers = overview.outstanding, overview.billers
    if billers:
        turn.hi.response_builder.add_directive(biller_entities(billers))
    first_name = (turn.customer.name.split() or [""])[0] if turn.customer else ""
    greeting = turn.t("launch.greeting", name=first_name)
    if not summary.bills:
        return turn.ask(f"{greeting} {turn.t('launch.no_bills')}", turn.t("reprompt.main"))
    totals = turn.t.join([amount(turn, v, c) for c, v in sorted(summary.totals.items())])
    count = turn.t.plural("launch.count", len(summary.bills))
    overdue = turn.t.plural("launch.overdue", summary.overdue_count) if summary.overdue_count else ""
    line = turn.t("launch.summary", count=count, overdue=overdue, total=totals)
    turn.conv.ask(Question.HEAR_OR_PAY)
    return turn.ask(f"{greeting} {line} {turn.t('launch.question')}", turn.t("launch.question"))


def hear_bills(turn: Turn, data: dict[str, Any]) -> Response:
    return read_page(turn, Listing())


answers.register(Question.HEAR_OR_PAY, yes=hear_bills, no=answers.declined)
