"""The delivery contract between the outbox worker and each channel's sender."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class TransientDeliveryError(Exception):
    """Try again later (timeout, 5xx, rate limit). The worker backs off exponentially."""


class PermanentDeliveryError(Exception):
    """Never going to work (invalid number, rejected address). The message goes to the dead letters."""


class NotAttempted(TransientDeliveryError):
    """A pipelining sender took the message but sent nothing of it (its connection broke first).

    The worker gives it back as it was: pending, due now, the attempt not counted.
    """


class DeliveryOutcomeUnknown(TransientDeliveryError):
    """The request may have reached the provider (e.g. a read timeout after it was sent).

    The worker treats it like a worker that died mid-call: the message stays `sending` until its lease
    expires and is then reconciled (see docs/notifications.md), never blindly resent.
    Error messages of every DeliveryError are stored in outbox.last_error: no recipients, no bodies.
    """


@dataclass(frozen=True)
class OutgoingMessage:
    """One outbox row as a sender sees it. `recipient` is personal data: senders must not log it."""

    id: int
    kind: str  # payment_request | receipt | reminder | otp | webhook | ...
    channel: str  # sms | email | alexa_card | webhook
    recipient: str
    locale: str
    payload: dict[str, Any]


# One message's result: the provider's id (or None) when it was accepted, else the error it failed with.
DeliveryResult = str | None | Exception


class Sender(Protocol):
    channel: str

    def send(self, message: OutgoingMessage) -> str | None:
        """Deliver once; return the provider's message id if it gives one. Raise a DeliveryError on failure."""
        ...


class ReconcilingSender(Sender, Protocol):
    """Optional: a sender that can ask its provider whether a message was accepted (Twilio's message list).

    A sender may also set `resend_is_safe = True` when the provider or the receiver drops a second copy
    carrying the same outbox id (SMTP Message-ID, webhook idempotency key). Senders with neither are never
    resent after an unknown outcome: the message goes to the dead letters with `outcome unknown`.
    """

    def find_sent(self, message: OutgoingMessage, since: datetime) -> str | None:
        """The provider's id of this message if it was accepted after `since`, None if it was not.

        Raise TransientDeliveryError when the provider cannot tell right now.
        """
        ...


class PipeliningSender(Sender, Protocol):
    """Optional: a sender that keeps several messages in flight on one connection (SMTP PIPELINING).

    The worker hands it a batch through `send_all`, which takes messages from the iterator as it sends them and
    yields each one's result as soon as the provider answered, in order; a message it took and did not yield a
    result for is treated like a crash mid-send (it stays `sending` and is reconciled).
    """

    def send_all(
        self, messages: Iterator[OutgoingMessage]
    ) -> Iterator[tuple[OutgoingMessage, DeliveryResult]]: ...
