"""The shape an Alexa request envelope must have before the SDK reads it; MalformedRequest otherwise.

Kept apart from entry.py (which loads ask-sdk) so the web endpoint can name the error without loading the skill.
"""

from __future__ import annotations


class MalformedRequest(ValueError):
    """The event is not a request envelope the skill can read. `reason` is a fixed code: no request data.

    Raised `from None`, so neither the SDK's error text nor the event's values reach a log or Lambda's report.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"not an Alexa request envelope ({reason})")
        self.reason = reason


def check_shape(event: object, *, skill_id: str | None) -> None:
    """What the SDK and our handlers read unconditionally must be there: a typed request and context.System."""
    if not isinstance(event, dict) or not isinstance(event.get("request"), dict):
        raise MalformedRequest("no_request")
    if not isinstance(event["request"].get("type"), str):
        raise MalformedRequest("no_request_type")
    system = event.get("context", {}).get("System") if isinstance(event.get("context"), dict) else None
    application = system.get("application") if isinstance(system, dict) else None
    if not isinstance(application, dict) or not isinstance(application.get("applicationId"), str):
        raise MalformedRequest("no_context")
    if skill_id and application["applicationId"] != skill_id:
        raise MalformedRequest("other_skill")
