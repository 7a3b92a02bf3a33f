"""A real aiosmtpd server on a free loopback port that keeps every envelope it accepts."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class CollectingHandler:
    """aiosmtpd handler: accepts and records, or answers with a scripted SMTP reply ("451 ...", "550 ...")."""

    envelopes: list[Envelope] = field(default_factory=list)
    _rcpt_replies: deque[str] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refuse_next_recipient(self, reply: str, times: int = 1) -> None:
        with self.lock:
            self._rcpt_replies.extend([reply] * times)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        with self.lock:
            if self._rcpt_replies:
                return self._rcpt_replies.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.envelopes.append(Envelope(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [envelope.parsed() for envelope in self.envelopes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    """Context manager around aiosmtpd's threaded Controller; `.host`, `.port`, `.handler` while running."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.handler = CollectingHandler()
        self.port = free_port()
        self._controller = Controller(self.handler, hostname=self.host, port=self.port)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()
