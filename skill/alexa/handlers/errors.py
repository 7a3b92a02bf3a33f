"""Exception handlers: a refused request gets a localized explanation; a fault gets a localized apology."""

from __future__ import annotations

import logging
import traceback

from ask_sdk_core.dispatch_components import AbstractExceptionHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from ...domain.errors import DomainError
from ...observability.metrics import note_turn_outcome
from ..i18n import Translator, request_locale
from .base import TURN_ATTRIBUTE, Turn

log = logging.getLogger("skill.alexa")


class DomainErrorHandler(AbstractExceptionHandler):
    """A service refused (bill already paid, link expired...): say why; nothing was written."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return isinstance(exception, DomainError)

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        t = Translator(request_locale(handler_input))
        code = getattr(exception, "code", "domain_error")
        log.info("request refused: %s", code)
        note_turn_outcome("refused")
        key = f"error.{code}" if t.has(f"error.{code}") else "error.refused"
        turn = handler_input.attributes_manager.request_attributes.get(TURN_ATTRIBUTE)
        if isinstance(turn, Turn):
            # The turn the refusal interrupted answers, without a question pending (a later "yes" confirms
            # nothing), and the refusal is what "say that again" repeats.
            turn.conv.pending = None
            return turn.ask(turn.t(key), turn.t("reprompt.main"))
        _forget_question(handler_input)
        return handler_input.response_builder.speak(t(key)).ask(t("reprompt.main")).response


class UnexpectedErrorHandler(AbstractExceptionHandler):
    """Last resort: log the fault for us (no personal data) and apologise in the customer's language."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        # The frames and the type only: an exception's text can carry what the customer said or SQL values.
        frames = "".join(traceback.format_tb(exception.__traceback__))
        log.error("skill fault: %s\n%s", type(exception).__name__, frames)
        note_turn_outcome("fault")
        t = Translator(request_locale(handler_input))
        return handler_input.response_builder.speak(t("error.fault")).set_should_end_session(True).response


def _forget_question(handler_input: HandlerInput) -> None:
    """After a refusal no question is pending: a later "yes" must not confirm what was asked before it."""
    session = handler_input.attributes_manager.session_attributes
    conv = session.get("conv") if session else None
    if isinstance(conv, dict):
        conv["pending"] = None
