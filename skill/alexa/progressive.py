"""Progressive responses: "One moment" spoken while we wait on the payment provider.

https://developer.amazon.com/en-US/docs/alexa/custom-skills/send-the-user-a-progressive-response.html
Best effort: a failure here must never block or fail the payment turn.
"""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger("skill.alexa")
TIMEOUT_SECONDS = 1.5


def send_progressive(envelope: Any, speech: str) -> bool:
    """POST a VoicePlayer.Speak directive to the Alexa API endpoint named in the request."""
    import urllib.request  # only payment turns send one: kept off the Lambda cold start

    system = envelope.context.system if envelope.context else None
    endpoint = getattr(system, "api_endpoint", None)
    token = getattr(system, "api_access_token", None)
    if (
        not endpoint
        or not token
        or not endpoint.startswith(("https://", "http://127.0.0.1", "http://localhost"))
    ):
        return False
    body = {
        "header": {"requestId": envelope.request.request_id},
        "directive": {"type": "VoicePlayer.Speak", "speech": f"<speak>{speech}</speak>"},
    }
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        endpoint.rstrip("/") + "/v1/directives",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return 200 <= response.status < 300
    except OSError as exc:
        log.info("progressive response not delivered: %s", type(exc).__name__)
        return False
