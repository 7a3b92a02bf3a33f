"""Metric events, independent of where they go: Prometheus in the web service and the worker, EMF lines on
Lambda. Callers record; each process installs the sinks it wants (none: recording costs nothing).

Label values are bounded: intents from the interaction model (else "other"), outcomes and channels from the
fixed sets below. Never an id of a customer, bill or message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

TURN_OUTCOMES = ("ok", "refused", "fault", "malformed")
PAYMENT_OUTCOMES = (
    "succeeded",
    "processing",
    "requires_action",
    "failed",
    "refunded",
    "needs_review",
    "pending",
)
WEBHOOK_OUTCOMES = ("sent", "retry", "dead", "unknown")


class MetricSink(Protocol):
    def turn(self, intent: str, outcome: str) -> None: ...

    def payment(self, channel: str, outcome: str) -> None: ...

    def webhook_delivery(self, seconds: float, outcome: str) -> None: ...


_sinks: list[MetricSink] = []
_turn_outcome: ContextVar[list[str] | None] = ContextVar("billpay_turn_outcome", default=None)


def install(sink: MetricSink) -> None:
    """Add a sink once (by type): the same process may build several apps or handlers."""
    if not any(type(existing) is type(sink) for existing in _sinks):
        _sinks.append(sink)


def uninstall(sink_type: type) -> None:
    _sinks[:] = [s for s in _sinks if type(s) is not sink_type]


def _bounded(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else "other"


def record_turn(intent: str, outcome: str) -> None:
    for sink in _sinks:
        sink.turn(intent, _bounded(outcome, TURN_OUTCOMES))


def record_payment(channel: str, outcome: str) -> None:
    for sink in _sinks:
        sink.payment(channel, _bounded(outcome, PAYMENT_OUTCOMES))


def record_webhook_delivery(seconds: float, outcome: str) -> None:
    for sink in _sinks:
        sink.webhook_delivery(seconds, _bounded(outcome, WEBHOOK_OUTCOMES))


@contextmanager
def turn_outcome() -> Iterator[list[str]]:
    """Collects the outcome of one skill turn: the exception handlers call `note_turn_outcome`."""
    holder = ["ok"]
    token = _turn_outcome.set(holder)
    try:
        yield holder
    finally:
        _turn_outcome.reset(token)


def note_turn_outcome(outcome: str) -> None:
    holder = _turn_outcome.get()
    if holder is not None:
        holder[0] = outcome
