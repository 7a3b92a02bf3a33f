"""A test-side Alexa client: builds real request envelopes and carries session attributes between turns."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000001"


def slot(name: str, value: str, resolved_id: str | None = None) -> dict[str, Any]:
    """A slot as Alexa sends it; with resolved_id, entity resolution matched a custom value."""
    body: dict[str, Any] = {"name": name, "value": value, "confirmationStatus": "NONE"}
    if resolved_id is not None:
        body["resolutions"] = {
            "resolutionsPerAuthority": [
                {
                    "authority": f"amzn1.er-authority.echo-sdk.{SKILL_ID}.X",
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [{"value": {"name": value, "id": resolved_id}}],
                }
            ]
        }
    return body


@dataclass
class AlexaClient:
    """Send requests through `send` (dispatch or HTTP) the way an Echo would, one session at a time."""

    send: Callable[[dict[str, Any]], dict[str, Any]]
    locale: str = "en-US"
    access_token: str | None = None
    person_id: str | None = None
    api_endpoint: str = "https://api.amazonalexa.com"
    session_id: str = field(default_factory=lambda: f"amzn1.echo-api.session.{uuid.uuid4()}")
    attributes: dict[str, Any] = field(default_factory=dict)
    new: bool = True
    last: dict[str, Any] = field(default_factory=dict)

    def envelope(self, request: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
        system: dict[str, Any] = {
            "application": {"applicationId": SKILL_ID},
            "user": {"userId": "amzn1.ask.account.TESTUSER"},
            "device": {"deviceId": "amzn1.ask.device.TESTDEVICE", "supportedInterfaces": {}},
            "apiEndpoint": self.api_endpoint,
            "apiAccessToken": "test-api-access-token",
        }
        if self.access_token:
            system["user"]["accessToken"] = self.access_token
        if self.person_id:
            system["person"] = {"personId": self.person_id}
        request = {
            "requestId": request_id or f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": "2026-03-10T09:30:00Z",
            "locale": self.locale,
            **request,
        }
        return {
            "version": "1.0",
            "session": {
                "new": self.new,
                "sessionId": self.session_id,
                "application": {"applicationId": SKILL_ID},
                "attributes": dict(self.attributes),
                "user": dict(system["user"]),
            },
            "context": {"System": system},
            "request": request,
        }

    def _send(self, request: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
        self.last = self.send(self.envelope(request, request_id))
        self.new = False
        self.attributes = self.last.get("sessionAttributes") or {}
        return self.last

    def launch(self) -> dict[str, Any]:
        return self._send({"type": "LaunchRequest"})

    def intent(self, name: str, *slots: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
        body = {
            "type": "IntentRequest",
            "dialogState": "COMPLETED",
            "intent": {"name": name, "confirmationStatus": "NONE", "slots": {s["name"]: s for s in slots}},
        }
        return self._send(body, request_id)

    def end(self, reason: str = "USER_INITIATED") -> dict[str, Any]:
        return self._send({"type": "SessionEndedRequest", "reason": reason})

    @property
    def speech(self) -> str:
        ssml = (self.last.get("response") or {}).get("outputSpeech", {}).get("ssml", "")
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", ssml)).strip()

    @property
    def ssml(self) -> str:
        return str((self.last.get("response") or {}).get("outputSpeech", {}).get("ssml", ""))

    @property
    def card(self) -> dict[str, Any] | None:
        card: dict[str, Any] | None = (self.last.get("response") or {}).get("card")
        return card

    @property
    def ended(self) -> bool:
        return bool((self.last.get("response") or {}).get("shouldEndSession"))
