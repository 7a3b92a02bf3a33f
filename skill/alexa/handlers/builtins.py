"""Amazon's built-in intents and requests: help, stop, cancel, fallback, home, session end."""

from __future__ import annotations

import logging

from ask_sdk_model import Response

from ..state import Question
from .base import Handler, Turn

log = logging.getLogger("skill.alexa")


class HelpIntentHandler(Handler):
    intents = ("AMAZON.HelpIntent",)
    needs_customer = False

    def respond(self, turn: Turn) -> Response:
        turn.conv.pending = None
        return turn.ask(turn.t("help"), turn.t("reprompt.main"))


class StopIntentHandler(Handler):
    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent")
    needs_customer = False

    def respond(self, turn: Turn) -> Response:
        asked = turn.conv.pending.question if turn.conv.pending else None
        abandoned = asked in (Question.CONFIRM_PAYMENT, Question.PIN)
        turn.conv.pending = None
        return turn.say(turn.t("goodbye_nothing_paid" if abandoned else "goodbye"), end=True)


class FallbackIntentHandler(Handler):
    """After repeated misunderstandings, explain what the skill expects, with examples."""

    intents = ("AMAZON.FallbackIntent",)
    needs_customer = False

    def respond(self, turn: Turn) -> Response:
        misses = int(turn.session.get("misses", 0)) + 1
        turn.session["misses"] = misses
        turn.conv.pending = None
        key = "fallback.first" if misses < 2 else "fallback.again"
        return turn.ask(turn.t(key), turn.t("reprompt.main"))


class SessionEndedRequestHandler(Handler):
    request_types = ("SessionEndedRequest",)
    needs_customer = False

    def respond(self, turn: Turn) -> Response:
        request = turn.hi.request_envelope.request
        reason = getattr(getattr(request, "reason", None), "value", None)
        log.info("session ended: %s", reason)
        return turn.hi.response_builder.response
