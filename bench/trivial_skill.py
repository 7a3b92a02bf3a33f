"""The baseline: a trivial ask-sdk-core skill, one handler per request type, through `sb.lambda_handler()`."""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import Response


class LaunchRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = "Hi. You have 3 open bills. Would you like to hear them?"
        return handler_input.response_builder.speak(speech).ask(speech).response


class ListBillsIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("ListBillsIntent")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = "You have 3 open bills. Your water bill is due tomorrow."
        return handler_input.response_builder.speak(speech).ask("Which one?").response


sb = SkillBuilder()
sb.add_request_handler(LaunchRequestHandler())
sb.add_request_handler(ListBillsIntentHandler())
lambda_handler = sb.lambda_handler()
