"""Scriptable senders for worker tests, and a helper that queues outbox messages."""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from skill.bootstrap import Services
from skill.notifications.senders import OutgoingMessage
from skill.storage.outbox import enqueue

PAYLOAD = {
    "biller": "Acme Energy",
    "amount_minor": 4250,
    "currency": "EUR",
    "url": "https://pay.example.test/pay/tok",
    "due_date": "2026-03-31",
}


class RecordingSender:
    """Records every send; `script` holds exceptions (or None for success) for the next calls."""

    def __init__(self, channel: str = "sms", *, resend_is_safe: bool = False) -> None:
        self.channel = channel
        self.resend_is_safe = resend_is_safe
        self.sent: list[OutgoingMessage] = []
        self.script: deque[Exception | None] = deque()
        self.before_send: Callable[[OutgoingMessage], None] | None = None
        self.lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> str | None:
        if self.before_send is not None:
            self.before_send(message)
        with self.lock:
            outcome = self.script.popleft() if self.script else None
            self.sent.append(message)
        if outcome is not None:
            raise outcome
        return f"ref-{message.id}-{len(self.sent)}"

    def sent_ids(self) -> list[int]:
        with self.lock:
            return [message.id for message in self.sent]


class ReconcilingRecordingSender(RecordingSender):
    """Also answers `find_sent` from a set of ids the "provider" accepted."""

    def __init__(self, channel: str = "sms") -> None:
        super().__init__(channel)
        self.accepted: dict[int, str] = {}
        self.lookups: list[tuple[int, datetime]] = []
        self.lookup_error: Exception | None = None

    def find_sent(self, message: OutgoingMessage, since: datetime) -> str | None:
        self.lookups.append((message.id, since))
        if self.lookup_error is not None:
            raise self.lookup_error
        return self.accepted.get(message.id)


def queue(
    services: Services,
    count: int = 1,
    *,
    channel: str = "sms",
    kind: str = "payment_request",
    locale: str = "en-US",
    recipient: str = "+15005550006",
    payload: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Enqueue `count` messages in one committed transaction; returns their ids."""
    with services.uow() as uow:
        rows = [
            enqueue(
                uow,
                kind=kind,
                channel=channel,
                recipient=recipient,
                locale=locale,
                payload={
                    **PAYLOAD,
                    "url": f"https://pay.example.test/pay/{uuid.uuid4().hex}",
                    **(payload or {}),
                },
                now=now or services.clock.now(),
            )
            for _ in range(count)
        ]
        uow.flush()
        ids = [row.id for row in rows]
        uow.commit()
    return ids
