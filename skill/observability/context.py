"""The id of the request (or outbox message) being handled, in a contextvar every log line of it carries."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("billpay_request_id", default=None)

# An incoming X-Request-ID is taken only if it is short and printable: it goes into every log line.
MAX_REQUEST_ID_LENGTH = 128


def current_request_id() -> str | None:
    return _request_id.get()


def new_request_id() -> str:
    return str(uuid.uuid4())


def acceptable_request_id(raw: str | None) -> str:
    """The caller's id when it is 1-128 printable ASCII characters without spaces or quotes; a new one otherwise."""
    if raw and len(raw) <= MAX_REQUEST_ID_LENGTH and all(33 <= ord(c) <= 126 and c not in '"\\' for c in raw):
        return raw
    return new_request_id()


def bind_request_id(value: str | None) -> None:
    """Set the id for the rest of this context (a Flask request, one Lambda invocation, one message)."""
    _request_id.set(value)


@contextmanager
def request_id_bound(value: str | None) -> Iterator[None]:
    token = _request_id.set(value)
    try:
        yield
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request id (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True
