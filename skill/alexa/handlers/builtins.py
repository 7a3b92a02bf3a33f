"""Amazon's built-in intents and requests: help, stop, cancel, repeat, fallback, home, session end.

Misunderstandings, counted per session and reset by any understood turn:
1. the first says what the customer can do, with examples, and asks what they would like;
2. the second in a row offers help (a question: "yes" hears it);
3. the third in a row ends the session politely rather than looping (what could be paid was not).
An intent no handler knows (sent by an older or newer interaction model) is a misunderstanding like these.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from ..state import Question, Said
from . import answers
from .base import Handler, Turn

log = logging.getLogger("skill.alexa")
OFFER_HELP_AFTER = 2  # misses in a row before help is offered
GIVE_UP_AFTER = 3  # misses in a row before the session ends
_INTENT_NAME = re.compile(r"[A-Za-z0-9_.]{1,80}")  # what an intent name looks like, for the log


class HelpIntentHandler(Handler):
    intents = ("AMAZON.HelpIntent",)
    needs_customer = False

    def respond(self, turn: Turn) -> Response:
        return give_help(turn, {})


def give_help(turn: Turn, data: dict[str, Any]) -> Response:
    turn.conv.pending = None
    return turn.ask(turn.t("help"), turn.t("reprompt.main"))


class StopIntentHandler(Handler):
    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent")
    needs_customer = False

    def respond(self, turn: Turn) -> Response:
        abandoned = was_paying(turn)
        turn.conv.pending = None
        return turn.say(turn.t("goodbye_nothing_paid" if abandoned else "goodbye"), end=True)


def was_paying(turn: Turn) -> bool:
    """The question left unanswered was the payment's read-back or its PIN: nothing was charged."""
    asked = turn.conv.pending.question if turn.conv.pending else None
    return asked in (Question.CONFIRM_PAYMENT, Question.PIN)


class RepeatIntentHandler(Handler):
    """ "Say that again": the last answer, word for word, with its question still pending (and still sealed)."""

    intents = ("AMAZON.RepeatIntent",)

    def respond(self, turn: Turn) -> Response:
        said = Said.load(turn.session, turn.seal)
        if said is None:
            return turn.ask(f"{turn.t('repeat.nothing')} {turn.t('reprompt.main')}", turn.t("reprompt.main"))
        turn.keep_question()
        end = None if said.reprompt else False
        return turn.say(said.speech, reprompt=said.reprompt, end=end, elicit=said.elicit)


class FallbackIntentHandler(Handler):
    """Alexa matched nothing: say what the customer can do; offer help on the second miss, stop on the third."""

    intents = ("AMAZON.FallbackIntent",)
    needs_customer = False

    def respond(self, turn: Turn) -> Response:
        return misunderstood(turn)


class UnknownIntentHandler(Handler):
    """Any other intent (an older or newer model's): answered as a misunderstanding, not as a fault.

    Registered after every other handler (entry.build_skill), so it only takes what nothing else handles.
    """

    needs_customer = False

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("IntentRequest")(handler_input))

    def respond(self, turn: Turn) -> Response:
        name = str(getattr(getattr(turn.hi.request_envelope.request, "intent", None), "name", ""))
        log.info("intent no handler knows: %s", name if _INTENT_NAME.fullmatch(name) else "(unreadable)")
        return misunderstood(turn)


def misunderstood(turn: Turn) -> Response:
    turn.missed = True
    misses = _misses(turn.session) + 1
    turn.session["misses"] = misses
    # A read-back or PIN left unanswered is dropped: the customer hears that nothing was paid.
    sorry = [turn.t("fallback.sorry" if misses == 1 else "fallback.sorry_again")]
    if was_paying(turn):
        sorry.append(turn.t("fallback.nothing_paid"))
    turn.conv.pending = None
    if misses >= GIVE_UP_AFTER:
        return turn.say(" ".join([*sorry, turn.t("fallback.give_up")]), end=True)
    if misses >= OFFER_HELP_AFTER:
        turn.conv.ask(Question.OFFER_HELP)
        speech = " ".join([*sorry, turn.t("fallback.offer_help")])
        return turn.ask(speech, turn.t("fallback.offer_help_reprompt"))
    return turn.ask(" ".join([*sorry, turn.t("fallback.examples")]), turn.t("reprompt.main"))


def _misses(session: dict[str, Any]) -> int:
    """The misses so far in this session (an attribute from the client: anything unreadable counts as none)."""
    value = session.get("misses")
    return value if isinstance(value, int) and 0 <= value < GIVE_UP_AFTER else 0


def help_declined(turn: Turn, data: dict[str, Any]) -> Response:
    return turn.ask(f"{turn.t('no.ok')} {turn.t('reprompt.main')}", turn.t("reprompt.main"))


class SessionEndedRequestHandler(Handler):
    request_types = ("SessionEndedRequest",)
    needs_customer = False

    def respond(self, turn: Turn) -> Response:
        request = turn.hi.request_envelope.request
        reason = getattr(getattr(request, "reason", None), "value", None)
        log.info("session ended: %s", reason)
        return turn.hi.response_builder.response


answers.register(Question.OFFER_HELP, yes=give_help, no=help_declined)
