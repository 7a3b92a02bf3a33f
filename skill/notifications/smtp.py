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
from collections import deque
from collections.abc import Callable, Iterator
from typing import Generic, NamedTuple, TypeVar

from ..settings.notifications import NotifySettings
from .mime import Email
from .senders import DeliveryResult, NotAttempted, PermanentDeliveryError, TransientDeliveryError

T = TypeVar("T")
_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)
_MAX_LINE = 8192  # smtplib's own limit for a reply line


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
        transactions: _Transactions[T] = _Transactions(
            self._smtp, pipelining=self._smtp.has_extn("pipelining")
        )
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


class _Transactions(Generic[T]):
    """The commands of a stream of messages, and the replies owed to them in the order the commands went out.

    With PIPELINING, the next message's group is written before the results of the previous one are handed
    back, so the caller's work (settling, rendering the next message) overlaps the server's.
    """

    def __init__(self, smtp: smtplib.SMTP, *, pipelining: bool) -> None:
        self._smtp = smtp
        assert smtp.file is not None  # smtplib made it reading the greeting
        self._replies = smtp.file
        self._pipelining = pipelining
        self._utf8 = smtp.has_extn("smtputf8")
        self._owed: deque[_Command[T]] = deque()  # written, reply not read yet
        self._accepted: tuple[T, Email] | None = None  # its DATA was answered 354: its content goes out next
        self._refused: Exception | None = None  # the envelope being answered was refused (MAIL or RCPT)
        self._reset = False
        self._results: list[tuple[T, DeliveryResult]] = []

    def run(
        self, mails: Iterator[tuple[T, Email]], on_lost: Callable[[], None]
    ) -> Iterator[tuple[T, DeliveryResult]]:
        try:
            for key, mail in mails:
                if mail.smtputf8 and not self._utf8:
                    yield key, TransientDeliveryError("smtp SMTPNotSupportedError")
                    continue
                try:
                    self._read_owed()  # the previous message's group
                except ConnectionLost as lost:
                    self._results.append((key, NotAttempted(f"smtp {lost}")))  # nothing of it went out
                    raise
                self._write([*self._head(), *_envelope(key, mail)])
                yield from self._taken()
            self._read_owed()
            if self._accepted is not None:
                self._write(self._head())
                self._read_owed()
            yield from self._taken()
        except ConnectionLost as lost:
            on_lost()
            yield from self._taken()
            for (
                key
            ) in self._unanswered():  # sent, or about to be, and never answered: not sent as far as we know
                yield key, TransientDeliveryError(f"smtp {lost}")
        finally:
            if self._owed or self._accepted is not None:
                on_lost()  # abandoned mid-transaction (the caller stopped early): start afresh next time

    def _head(self) -> list[_Command[T]]:
        """What goes before the next envelope: the accepted message's content, a RSET after a refusal."""
        head = []
        if self._accepted is not None:
            key, mail = self._accepted
            head.append(_Command("content", _content(mail), key, mail))
            self._accepted = None
        if self._reset:
            head.append(_Command[T]("rset", b"RSET\r\n"))
            self._reset = False
        return head

    def _write(self, commands: list[_Command[T]]) -> None:
        """Together with PIPELINING, else one at a time, each followed by its reply."""
        if self._pipelining:
            self._owed.extend(commands)
            self._send(b"".join(command.line for command in commands))
            return
        for index, command in enumerate(commands):
            self._owed.append(command)
            try:
                self._send(command.line)
                self._read_owed()
            except ConnectionLost as lost:
                self._not_started(commands[index + 1 :], lost)
                raise

    def _send(self, data: bytes) -> None:
        try:
            self._smtp.send(data)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise ConnectionLost(type(exc).__name__) from None

    def _not_started(self, commands: list[_Command[T]], lost: ConnectionLost) -> None:
        """Messages none of whose commands went out before the connection broke: given back, uncounted."""
        started = [command.key for command in self._owed]
        for command in commands:
            key = command.key
            if key is not None and all(key is not other for other in started):
                self._results.append((key, NotAttempted(f"smtp {lost}")))
                started.append(key)

    def _read_owed(self) -> None:
        while self._owed:
            command = self._owed[0]
            code = self._reply()
            self._owed.popleft()
            self._answered(command, code)

    def _answered(self, command: _Command[T], code: int) -> None:
        key, mail = command.key, command.mail
        if command.kind == "content":
            assert key is not None and mail is not None
            self._results.append((key, mail.message_id if code == 250 else _data_refused(code)))
        elif command.kind == "mail" and code != 250:
            # Sender refused: the configuration's fault, not this message's. An envelope's replies come in a row.
            self._refused = TransientDeliveryError(f"smtp {code}")
        elif command.kind == "rcpt" and code not in (250, 251) and self._refused is None:
            kind = PermanentDeliveryError if code >= 500 else TransientDeliveryError
            self._refused = kind(f"smtp recipient refused [{code}]")
        elif command.kind == "data":
            assert key is not None and mail is not None
            error, self._refused = self._refused, None
            if error is None and code == 354:
                self._accepted = (key, mail)
                return
            self._results.append((key, error or _data_refused(code)))
            self._reset = True
            if code == 354:  # a server that opened DATA after refusing the envelope: close it, empty
                self._write([_Command[T]("abort", b".\r\n")])

    def _reply(self) -> int:
        """The code of the next reply (its text is not needed): smtplib's getreply, without its bookkeeping."""
        try:
            line = self._replies.readline(_MAX_LINE)
            while line[3:4] == b"-":  # a multiline reply: its last line has a space after the code
                line = self._replies.readline(_MAX_LINE)
            code = int(line[:3])
        except OSError as exc:
            raise ConnectionLost(type(exc).__name__) from None
        except ValueError:  # end of stream, or not a reply: the connection cannot be trusted any more
            raise ConnectionLost("SMTPServerDisconnected") from None
        if code == 421:  # the server is closing the connection
            raise ConnectionLost("421")
        return code

    def _taken(self) -> list[tuple[T, DeliveryResult]]:
        results, self._results = self._results, []
        return results

    def _unanswered(self) -> list[T]:
        """Each message still owed an answer, once (its commands are consecutive; keys need not be hashable)."""
        keys: list[T] = [self._accepted[0]] if self._accepted is not None else []
        for command in self._owed:
            if command.key is not None and not (keys and keys[-1] is command.key):
                keys.append(command.key)
        self._owed.clear()
        self._accepted = None
        return keys


class _Command(NamedTuple, Generic[T]):  # a tuple: a few of these are made for every message
    kind: str  # content | rset | mail | rcpt | data | abort
    line: bytes
    key: T | None = None
    mail: Email | None = None


def _envelope(key: T, mail: Email) -> list[_Command[T]]:
    utf8 = b" SMTPUTF8" if mail.smtputf8 else b""
    return [
        _Command("mail", b"MAIL FROM:<%s>%s\r\n" % (mail.mail_from.encode(), utf8), key, mail),
        _Command("rcpt", b"RCPT TO:<%s>\r\n" % mail.recipient.encode(), key, mail),
        _Command("data", b"DATA\r\n", key, mail),
    ]


def _content(mail: Email) -> bytes:
    return _LEADING_DOT.sub(b"..", mail.data) + b".\r\n"


def _data_refused(code: int) -> Exception:
    kind = PermanentDeliveryError if code >= 500 else TransientDeliveryError
    return kind(f"smtp data refused {code}")


def _connect_error(exc: BaseException) -> TransientDeliveryError:
    # Sender refused, authentication failed, ...: the configuration's fault, not this message's.
    if isinstance(exc, smtplib.SMTPResponseException):
        return TransientDeliveryError(f"smtp {exc.smtp_code}")
    return TransientDeliveryError(f"smtp {type(exc).__name__}")
