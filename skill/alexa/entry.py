"""Build the skill once per process and dispatch one request envelope (Lambda and Flask share this)."""

from __future__ import annotations

import logging
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder

from ..bootstrap import Services
from .handlers import build_handlers
from .handlers.errors import DomainErrorHandler, UnexpectedErrorHandler

log = logging.getLogger("skill.alexa")


def build_skill(services: Services) -> CustomSkill:
    builder = SkillBuilder()
    for handler in build_handlers(services):
        builder.add_request_handler(handler)
    builder.add_exception_handler(DomainErrorHandler())
    builder.add_exception_handler(UnexpectedErrorHandler())
    if services.settings.alexa_skill_id:
        # Lambda is invoked only by its trigger, but the skill id is still checked, as Amazon recommends.
        builder.skill_id = services.settings.alexa_skill_id  # type: ignore[assignment]
    return builder.create()


_skills: dict[int, CustomSkill] = {}


def dispatch(services: Services, event: dict[str, Any]) -> dict[str, Any]:
    """One request envelope (already parsed JSON) in, one response envelope out."""
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    skill = _skills.get(id(services))
    if skill is None:
        skill = _skills[id(services)] = build_skill(services)
    serializer = DefaultSerializer()
    envelope = serializer.deserialize(payload=_json(event), obj_type=RequestEnvelope)
    response = skill.invoke(request_envelope=envelope, context=None)
    result = serializer.serialize(response)
    assert isinstance(result, dict)
    return result


def _json(event: dict[str, Any]) -> str:
    import json

    return json.dumps(event)


def build_lambda_handler() -> Any:
    """The Lambda entry: settings from the environment, services once per container."""
    from ..bootstrap import bootstrap
    from ..config import Settings

    services = bootstrap(Settings.from_env())

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return dispatch(services, event)

    return handle
