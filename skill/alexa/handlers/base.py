"""What every handler shares: the turn (locale, customer, conversation state) and account-linking guard."""

from __future__ import annotations

import logging
from datetime import date
from functools import cached_property
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import Intent, IntentConfirmationStatus, Response, Slot, SlotConfirmationStatus
from ask_sdk_model.dialog import ElicitSlotDirective
from ask_sdk_model.interfaces.system import SystemState
from ask_sdk_model.ui import LinkAccountCard, SimpleCard

from ...bootstrap import Services
from ...services.identity.link_tokens import LinkedCustomer
from ..i18n import Translator, request_locale
from ..speech import MAX_CARD_CHARS, clip
from ..state import Conversation, Said, Seal

log = logging.getLogger("skill.alexa")
TURN_ATTRIBUTE = "billpay.turn"  # the request attribute that holds the Turn (for the exception handlers)


class Turn:
    """One request: who is asking, in which language, and what the conversation knows so far."""

    def __init__(self, handler_input: HandlerInput, services: Services) -> None:
        self.hi = handler_input
        self.services = services
        self.t = Translator(request_locale(handler_input, services.settings.default_locale))
        self.locale = self.t.locale
        manager = handler_input.attributes_manager
        session = manager.session_attributes
        if session is None:  # requests outside a session carry no attributes
            session = manager.session_attributes = {}
        self.session: dict[str, Any] = session
        linked = self.customer
        self.seal = Seal.for_customer(services.settings.secret_key, linked.customer_id if linked else None)
        self.conv = Conversation.load(self.session, self.seal)
        self._asked_last_turn = self.conv.pending
        self._carried: dict[str, str] = {}
        self.missed = False  # this turn did not understand the customer (the fallback): misses are not reset
        handler_input.attributes_manager.request_attributes[TURN_ATTRIBUTE] = self

    @cached_property
    def customer(self) -> LinkedCustomer | None:
        """Resolved from the account-linking token through the store the web pages use."""
        token = self.system.user.access_token if self.system.user else None
        return self.services.identity.resolve_access_token(token)

    @property
    def system(self) -> SystemState:
        context = self.hi.request_envelope.context
        assert context is not None and context.system is not None, "Alexa always sends context.System"
        return context.system

    @property
    def request_id(self) -> str:
        return str(getattr(self.hi.request_envelope.request, "request_id", ""))

    @property
    def customer_id(self) -> int:
        assert self.customer is not None
        return self.customer.customer_id

    @property
    def today(self) -> date:
        return self.services.clock.today()

    def carry(self, slots: dict[str, Any]) -> None:
        """Slots the customer gave before a clarifying question; this turn's own slots still win."""
        self._carried = {str(k): str(v) for k, v in slots.items() if v is not None}

    def slot(self, name: str) -> str | None:
        """The resolved entity id of a slot (custom types), else its spoken value, else a carried value."""
        value = self._slot_now(name)
        return value if value is not None else self._carried.get(name)

    def _slot_now(self, name: str) -> str | None:
        intent = getattr(self.hi.request_envelope.request, "intent", None)
        slot = (intent.slots or {}).get(name) if intent else None
        if slot is None or not slot.value:
            return None
        authorities = slot.resolutions.resolutions_per_authority if slot.resolutions else None
        for authority in authorities or []:
            if authority.status.code.value == "ER_SUCCESS_MATCH" and authority.values:
                return str(authority.values[0].value.id or authority.values[0].value.name)
        return str(slot.value)

    def int_slot(self, name: str) -> int | None:
        raw = self.slot(name)
        try:
            return int(raw) if raw is not None else None
        except ValueError:
            return None

    def say(
        self,
        speech: str,
        *,
        reprompt: str | None = None,
        end: bool | None = None,
        card: tuple[str, str] | None = None,
        elicit: tuple[str, str] | None = None,
    ) -> Response:
        """Build the response and persist the conversation state into the session.

        `elicit` (intent, slot) has Alexa hear the customer's next words as that slot's value.
        """
        if self.conv.pending is self._asked_last_turn:
            # A question stands for one turn only: a "yes" after any other answer must not confirm it.
            self.conv.pending = None
        self.conv.save(self.session, self.seal)
        if not self.missed:
            self.session.pop("misses", None)  # understood: the next misunderstanding is a first one again
        builder = self.hi.response_builder.speak(speech)
        if reprompt:
            builder.ask(reprompt)
        elif end is None:
            end = True
        if card:
            builder.set_card(SimpleCard(title=clip(card[0], 100), content=clip(card[1], MAX_CARD_CHARS)))
        if elicit:
            assert not end, "a slot is elicited in an open session only"
            builder.add_directive(elicit_slot(*elicit))
        if end is not None:
            builder.set_should_end_session(end)
        if not end:
            Said(speech, reprompt, elicit).save(self.session, self.seal)  # what "say that again" says
        return builder.response

    def keep_question(self) -> None:
        """The question asked last turn stays pending through this one (the answer repeats it)."""
        self._asked_last_turn = None

    def ask(self, speech: str, reprompt: str | None = None, **kwargs: Any) -> Response:
        return self.say(speech, reprompt=reprompt or speech, **kwargs)

    def link_account(self) -> Response:
        """https://developer.amazon.com/en-US/docs/alexa/account-linking/add-account-linking-logic-custom-skill.html"""
        self.conv = Conversation()
        builder = self.hi.response_builder.speak(self.t("link.needed")).set_card(LinkAccountCard())
        return builder.set_should_end_session(True).response


def elicit_slot(intent: str, slot: str) -> ElicitSlotDirective:
    """Alexa takes the next utterance as `slot` of `intent`, which may differ from the request's intent: the
    updated intent names the intent whose slot is elicited (it needs a dialog model, with the slot's samples).

    https://developer.amazon.com/en-US/docs/alexa/custom-skills/dialog-interface-reference.html#elicitslot
    """
    updated = Intent(
        name=intent,
        confirmation_status=IntentConfirmationStatus.NONE,
        slots={
            slot: Slot(name=slot, confirmation_status=SlotConfirmationStatus.NONE)
        },  # no value: asked afresh
    )
    return ElicitSlotDirective(slot_to_elicit=slot, updated_intent=updated)


class Handler(AbstractRequestHandler):
    """A handler for some intents or request types. Subclasses implement `respond(turn)`."""

    intents: tuple[str, ...] = ()
    request_types: tuple[str, ...] = ()
    needs_customer = True

    def __init__(self, services: Services) -> None:
        self.services = services

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_intent_name(n)(handler_input) for n in self.intents) or any(
            is_request_type(r)(handler_input) for r in self.request_types
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = Turn(handler_input, self.services)
        if self.needs_customer and turn.customer is None:
            return turn.link_account()
        return self.respond(turn)

    def respond(self, turn: Turn) -> Response:
        raise NotImplementedError
