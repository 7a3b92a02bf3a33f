"""Log filters: no payment-link or wallet token, and no exception text, in access or error logs."""

from __future__ import annotations

import logging
import re
import traceback

from flask import Flask


class RedactLinkTokens(logging.Filter):
    """Access logs (werkzeug, gunicorn) never show a payment-link or wallet token: they are bearer secrets."""

    _PATTERN = re.compile(r"(/pay/)[^/\s?\"]+|([?&]t=)[^&\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = self._PATTERN.sub(lambda m: (m.group(1) or m.group(2)) + "<redacted>", str(record.msg))
        return True


def redact_tokens_in_access_logs() -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinkTokens) for f in logger.filters):
            logger.addFilter(RedactLinkTokens())


class ScrubExceptionText(logging.Filter):
    """Keep a logged traceback's frames and the exception's type, drop its text: it can carry SQL parameters."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            frames = "".join(traceback.format_tb(exc.__traceback__))
            record.exc_text = f"Traceback (most recent call last):\n{frames}{type(exc).__name__}"
            record.exc_info = None
        return True


def scrub_unhandled_error_logs(app: Flask) -> None:
    """Flask logs an unhandled error as "Exception on <path> [<method>]" with its traceback, on app.logger:
    the path may hold a payment-link token and the exception text personal data."""
    for kind in (RedactLinkTokens, ScrubExceptionText):
        if not any(isinstance(f, kind) for f in app.logger.filters):
            app.logger.addFilter(kind())
