"""Build the skill once per process and dispatch one request envelope (Lambda and Flask share this)."""

from __future__ import annotations

import logging
import weakref
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder

from ..bootstrap import Services
from ..observability import metrics
from ..observability.context import bind_request_id
from .envelope import MalformedRequest, check_shape
from .handlers import build_handlers
from .handlers.builtins import UnknownIntentHandler
from .handlers.errors import DomainErrorHandler, UnexpectedErrorHandler

log = logging.getLogger("skill.alexa")
# The intent names and request types the skill's handlers answer: the only values the turn metric's label takes.
_TURN_LABELS: weakref.WeakKeyDictionary[CustomSkill, frozenset[str]] = weakref.WeakKeyDictionary()


def build_skill(services: Services) -> CustomSkill:
    builder = SkillBuilder()
    labels: set[str] = set()
    for handler in build_handlers(services):
        builder.add_request_handler(handler)
        labels.update(getattr(handler, "intents", ()), getattr(handler, "request_types", ()))
    # Last, whatever handlers come before it: an intent none of them knows is a misunderstanding, answered
    # with what the customer can do; the exception handlers are for refusals and faults only.
    builder.add_request_handler(UnknownIntentHandler(services))
    builder.add_exception_handler(DomainErrorHandler())
    builder.add_exception_handler(UnexpectedErrorHandler())
    if services.settings.alexa_skill_id:
        # Lambda is invoked only by its trigger, but the skill id is still checked, as Amazon recommends.
        builder.skill_id = services.settings.alexa_skill_id  # type: ignore[assignment]
    skill = builder.create()
    _TURN_LABELS[skill] = frozenset(labels)
    return skill


def skill_for(services: Services) -> CustomSkill:
    """The skill built for these services, once: it is kept on them, so it lives and dies with them."""
    skill: CustomSkill | None = services.alexa_skill
    if skill is None:
        skill = services.alexa_skill = build_skill(services)
    return skill


def dispatch(services: Services, event: dict[str, Any]) -> dict[str, Any]:
    """One request envelope (already parsed JSON) in, one response envelope out.

    Raises MalformedRequest, before any handler runs, for an event of the wrong shape: no context, an unknown
    request type, an intent or slots of the wrong type (the SDK's deserialiser refuses those).
    """
    from ask_sdk_core.exceptions import SerializationException
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    request = event.get("request")
    request_id = request.get("requestId") if isinstance(request, dict) else None
    # Alexa's id, in every line of the turn.
    bind_request_id(request_id if isinstance(request_id, str) else None)
    try:
        check_shape(event, skill_id=services.settings.alexa_skill_id)
    except MalformedRequest:
        metrics.record_turn("other", "malformed")
        raise
    skill = skill_for(services)
    serializer = DefaultSerializer()
    try:
        envelope = _envelope_of(serializer, event, RequestEnvelope)
    except (SerializationException, ValueError, TypeError, AttributeError, RecursionError):
        raise MalformedRequest("unreadable") from None
    if envelope is None or envelope.request is None or envelope.context is None:
        raise MalformedRequest("unreadable")
    with metrics.turn_outcome() as outcome:
        response = skill.invoke(request_envelope=envelope, context=None)
    metrics.record_turn(_turn_label(skill, envelope.request), outcome[0])
    result = serializer.serialize(response)
    assert isinstance(result, dict)
    return result


def _turn_label(skill: CustomSkill, request: Any) -> str:
    intent = getattr(request, "intent", None)
    name = getattr(intent, "name", None) or getattr(request, "object_type", None)
    return name if name in _TURN_LABELS.get(skill, frozenset()) else "other"


def _envelope_of(serializer: Any, event: dict[str, Any], envelope_type: type) -> Any:
    """The envelope built from the parsed event itself. `DefaultSerializer.deserialize` takes JSON text only, so
    the dict would be written out and parsed again (json.dumps + json.loads of every turn); its own model builder
    behind it takes the parsed payload, and refuses the same shapes. The envelope may share the event's nested
    dicts and lists (session attributes): the caller hands the event over and does not read it afterwards.
    """
    build = getattr(serializer, "_DefaultSerializer__deserialize", None)
    if build is None:  # a future ask-sdk-core without it: the documented path, one round trip
        import json

        return serializer.deserialize(payload=json.dumps(event), obj_type=envelope_type)
    return build(event, envelope_type)


def build_lambda_handler() -> Any:
    """The Lambda entry: settings from the environment, services once per container."""
    from ..bootstrap import bootstrap
    from ..settings import ConfigError, Settings

    try:
        services = bootstrap(Settings.from_env())
    except ConfigError as exc:
        # At cold start, once, in words an operator can act on (a ConfigError names the variable, never a value);
        # Lambda then reports the init error instead of answering every turn "something went wrong".
        log.critical("the skill cannot start: %s", exc)
        raise

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            return dispatch(services, event)
        except MalformedRequest as exc:
            # Lambda reports a raised error with its message and frames: ours carry a fixed code only.
            log.warning("refused an event the skill cannot read: %s", exc.reason)
            raise

    return handle
