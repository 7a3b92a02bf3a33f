"""One JSON object per log line: time (UTC, ISO 8601), level, logger, message, request id, and the ids passed
in `extra=`. Configured once per process by `configure_logging()` (web, worker, Lambda)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from .context import RequestIdFilter

# Attributes every LogRecord has; anything else on a record came from `extra=` and is written as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}
CONFIGURED_MARK = "_billpay_json_logging"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def json_handler(stream: IO[str] | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())  # on the handler: records of every logger pass through it
    return handler


def configure_logging(level: int = logging.INFO, stream: IO[str] | None = None) -> None:
    """Root logger -> one JSON handler at `level`. Idempotent: a second call in the process changes nothing."""
    root = logging.getLogger()
    if getattr(root, CONFIGURED_MARK, False):
        return
    for handler in list(root.handlers):  # e.g. the Lambda runtime's own plain-text handler
        root.removeHandler(handler)
    root.addHandler(json_handler(stream))
    root.setLevel(level)
    setattr(root, CONFIGURED_MARK, True)
