"""The delivery contract between the outbox worker and each channel's sender."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class TransientDeliveryError(Exception):
    """Try again later (timeout, 5xx, rate limit). The worker backs off exponentially."""


class PermanentDeliveryError(Exception):
    """Never going to work (invalid number, rejected address). The message goes to the dead letters."""


@dataclass(frozen=True)
class OutgoingMessage:
    """One outbox row as a sender sees it. `recipient` is personal data: senders must not log it."""

    id: int
    kind: str  # payment_request | receipt | reminder | otp | webhook | ...
    channel: str  # sms | email | alexa_card | webhook
    recipient: str
    locale: str
    payload: dict[str, Any]


class Sender(Protocol):
    channel: str

    def send(self, message: OutgoingMessage) -> str | None:
        """Deliver once; return the provider's message id if it gives one. Raise a DeliveryError on failure."""
        ...
