"""An SMTP client for a stream of messages: one persistent connection, RFC 2920 PIPELINING when the server offers it.

Per message the client sends MAIL, RCPT and DATA, and after the server's 354 the content. With PIPELINING, the
content of one message and the commands of the next travel together, so a message costs one round trip instead of
four (https://www.rfc-editor.org/rfc/rfc2920#section-3.1: the message content may be the first "command" of a
group, DATA must be its last). Without it, the same commands go one at a time.

A message counts as sent only when the server answered 250 to its content. A connection that breaks (reset,
timeout, a 421) fails every message still waiting for an answer with a TransientDeliveryError: they are retried
with the same Message-ID, which mail systems use to drop a second copy. A connection kept between batches is
checked with RSET before it is used again, and opened again if it was closed meanwhile.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable, Iterator
from typing import TypeVar

from ..settings.notifications import NotifySettings
from .mime import Email
from .senders import DeliveryResult, PermanentDeliveryError, TransientDeliveryError

T = TypeVar("T")
_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


class ConnectionLost(Exception):
    """The connection broke: nothing more can be sent or heard on it."""


class SmtpConnection:
    def __init__(self, settings: NotifySettings) -> None:
        assert settings.smtp_host is not None
        self._settings = settings
        self._host = settings.smtp_host
        self._smtp: smtplib.SMTP | None = None

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def stream(self, mails: Iterator[tuple[T, Email]]) -> Iterator[tuple[T, DeliveryResult]]:
        """Send each mail; yield each one's Message-ID or error, in order, as soon as the server answered it."""
        try:
            self._ready()
        except (smtplib.SMTPException, OSError) as exc:
            error = _connect_error(exc)
            for key, _ in mails:  # one failed connection fails the batch: no new attempt per message
                yield key, error
            return
        assert self._smtp is not None
        transactions = _Transactions(self._smtp, pipelining=self._smtp.has_extn("pipelining"))
        yield from transactions.run(mails, self._drop)

    def _ready(self) -> None:
        if self._smtp is not None:
            try:
                code, _ = self._smtp.rset()  # it may have been closed while idle
                if code == 250:
                    return
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()
        self._smtp = self._open()

    def _open(self) -> smtplib.SMTP:
        settings = self._settings
        smtp = smtplib.SMTP(self._host, settings.smtp_port, timeout=settings.send_timeout_seconds)
        try:
            smtp.ehlo()
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_user and settings.smtp_password:
                smtp.login(settings.smtp_user, settings.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()


class _Transactions:
    """The commands of a stream of messages and the replies owed to them, in the order the commands went out."""

    def __init__(self, smtp: smtplib.SMTP, *, pipelining: bool) -> None:
        self._smtp = smtp
        self._pipelining = pipelining
        self._utf8 = smtp.has_extn("smtputf8")

    def run(
        self, mails: Iterator[tuple[T, Email]], on_lost: Callable[[], None]
    ) -> Iterator[tuple[T, DeliveryResult]]:
        accepted: tuple[T, Email] | None = None  # its DATA was answered 354: its content goes out next
        reset = False
        try:
            for key, mail in mails:
                if mail.smtputf8 and not self._utf8:
                    yield key, TransientDeliveryError("smtp SMTPNotSupportedError")
                    continue
                commands = self._head(accepted, reset) + _envelope(mail)
                try:
                    replies = self._exchange(commands)
                    yield from _content_result(accepted, replies)
                    accepted = None
                    accepted, reset, failure = self._opened(key, mail, replies[-3:])
                except ConnectionLost as lost:
                    on_lost()
                    if accepted is not None:  # its content went out, its answer did not come back
                        yield accepted[0], TransientDeliveryError(f"smtp {lost}")
                        accepted = None
                    yield key, TransientDeliveryError(f"smtp {lost}")
                    return
                if failure is not None:
                    yield key, failure
            if accepted is not None:
                last, accepted = accepted, None
                try:
                    yield from _content_result(last, self._exchange(self._head(last, False)))
                except ConnectionLost as lost:
                    on_lost()
                    yield last[0], TransientDeliveryError(f"smtp {lost}")
        finally:
            if accepted is not None:
                on_lost()  # abandoned in the middle of DATA (the caller stopped early): start afresh next time

    def _head(self, accepted: tuple[T, Email] | None, reset: bool) -> list[bytes]:
        """What goes before the next envelope: the accepted message's content, a RSET after a refusal."""
        return ([_content(accepted[1])] if accepted is not None else []) + ([b"RSET\r\n"] if reset else [])

    def _opened(
        self, key: T, mail: Email, replies: list[int]
    ) -> tuple[tuple[T, Email] | None, bool, Exception | None]:
        """The MAIL, RCPT and DATA replies: (accepted for content, RSET needed, this message's error)."""
        mail_code, rcpt_code, data_code = replies
        if mail_code != 250:
            error: Exception = TransientDeliveryError(f"smtp {mail_code}")  # sender refused: configuration
        elif rcpt_code not in (250, 251):
            kind = PermanentDeliveryError if rcpt_code >= 500 else TransientDeliveryError
            error = kind(f"smtp recipient refused [{rcpt_code}]")
        elif data_code != 354:
            error = _data_refused(data_code)
        else:
            return (key, mail), False, None
        if data_code == 354:  # a server that opened DATA after refusing the envelope: close it, empty
            self._exchange([b".\r\n"])
        return None, True, error

    def _exchange(self, commands: list[bytes]) -> list[int]:
        """Send the commands (together with PIPELINING, else one at a time) and read one reply each."""
        try:
            if self._pipelining:
                self._smtp.send(b"".join(commands))
                return [self._reply() for _ in commands]
            codes = []
            for command in commands:
                self._smtp.send(command)
                codes.append(self._reply())
            return codes
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise ConnectionLost(type(exc).__name__) from None

    def _reply(self) -> int:
        code, _ = self._smtp.getreply()
        if code == 421:  # the server is closing the connection
            raise ConnectionLost("421")
        return code


def _envelope(mail: Email) -> list[bytes]:
    utf8 = b" SMTPUTF8" if mail.smtputf8 else b""
    return [
        b"MAIL FROM:<%s>%s\r\n" % (mail.mail_from.encode(), utf8),
        b"RCPT TO:<%s>\r\n" % mail.recipient.encode(),
        b"DATA\r\n",
    ]


def _content(mail: Email) -> bytes:
    return _LEADING_DOT.sub(b"..", mail.data) + b".\r\n"


def _content_result(
    accepted: tuple[T, Email] | None, replies: list[int]
) -> Iterator[tuple[T, DeliveryResult]]:
    """The first reply of a group answers the content sent at its head, if there was one."""
    if accepted is None:
        return
    code = replies[0]
    yield accepted[0], (accepted[1].message_id if code == 250 else _data_refused(code))


def _data_refused(code: int) -> Exception:
    kind = PermanentDeliveryError if code >= 500 else TransientDeliveryError
    return kind(f"smtp data refused {code}")


def _connect_error(exc: BaseException) -> TransientDeliveryError:
    # Sender refused, authentication failed, ...: the configuration's fault, not this message's.
    if isinstance(exc, smtplib.SMTPResponseException):
        return TransientDeliveryError(f"smtp {exc.smtp_code}")
    return TransientDeliveryError(f"smtp {type(exc).__name__}")
