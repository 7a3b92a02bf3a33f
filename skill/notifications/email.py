"""Email over SMTP: multipart/alternative (text + HTML), localized, with a Message-ID derived from the outbox id.

One persistent connection per worker thread, pipelined where the server allows it (notifications/smtp.py); the
message bytes come from a template compiled once (notifications/mime.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from ..settings.notifications import NotifySettings
from .mime import Email, EmailTemplate, message_id
from .senders import DeliveryResult, OutgoingMessage
from .smtp import SmtpConnection

__all__ = ["SmtpSender", "message_id"]


class SmtpSender:
    """SMTP_HOST/PORT, optional STARTTLS and login. Resending carries the same Message-ID (see the docs)."""

    channel = "email"
    resend_is_safe = True

    def __init__(self, settings: NotifySettings, *, base_url: str = "") -> None:
        assert settings.smtp_host is not None and settings.smtp_from is not None
        self._settings = settings
        self._template = EmailTemplate(settings.smtp_from, base_url=base_url)
        self._local = threading.local()  # worker threads share a sender, never a connection

    def send(self, message: OutgoingMessage) -> str | None:
        [(_, result)] = list(self.send_all(iter([message])))
        if isinstance(result, Exception):
            raise result
        return result

    def send_all(
        self, messages: Iterator[OutgoingMessage]
    ) -> Iterator[tuple[OutgoingMessage, DeliveryResult]]:
        """Each message's Message-ID once the server accepted it, or its error; see smtp.SmtpConnection."""
        refused: list[tuple[OutgoingMessage, Exception]] = []
        yield from self._connection().stream(self._rendered(messages, refused))
        yield from refused

    def close(self) -> None:
        """QUIT this thread's connection, if it has one."""
        connection: SmtpConnection | None = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()

    def _connection(self) -> SmtpConnection:
        connection: SmtpConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = SmtpConnection(self._settings)
        return connection

    def _rendered(
        self, messages: Iterator[OutgoingMessage], refused: list[tuple[OutgoingMessage, Exception]]
    ) -> Iterator[tuple[OutgoingMessage, Email]]:
        for message in messages:
            try:
                yield message, self._template.render(message)
            except (
                Exception
            ) as exc:  # a message that cannot be written (a kind without wording, a bad address)
                refused.append((message, exc))
