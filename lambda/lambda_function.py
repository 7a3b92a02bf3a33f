"""AWS Lambda entry point: settings -> services -> the skill's handler. Built once per container."""

from __future__ import annotations

from typing import Any

_handler: Any = None


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _handler
    if _handler is None:
        from skill.alexa.entry import build_lambda_handler
        from skill.observability import metrics
        from skill.observability.emf import EmfSink
        from skill.observability.logs import configure_logging

        configure_logging()  # JSON lines to CloudWatch Logs, each with the Alexa request id
        metrics.install(EmfSink())  # an EMF line per turn and payment on stdout: CloudWatch makes the metrics
        _handler = build_lambda_handler()
    result: dict[str, Any] = _handler(event, context)
    return result
