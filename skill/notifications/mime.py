"""Emails as SMTP-ready bytes from a template compiled once per sender: only the values change per message.

The email package builds and then serialises a message tree for every email (about 1 ms each here); the shape of
ours never changes (multipart/alternative, a text and an HTML part), so it is written directly:
- both parts are quoted-printable UTF-8 (7-bit clean: no 8BITMIME needed), and the boundary holds "==", which
  quoted-printable text cannot contain (it encodes every "=");
- a header that is not short ASCII is written as RFC 2047 encoded words, split on character boundaries;
- lines end in CRLF; dot-stuffing is the SMTP client's (notifications/smtp.py).
tests/unit/test_email_bytes.py parses the result with the email package for every kind and locale.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from .messages import render
from .senders import OutgoingMessage, PermanentDeliveryError

BOUNDARY = "==billpay-alternative=="
_HEADER_LINE = 78  # RFC 5322's recommended line length
_WORD_BYTES = (
    42  # UTF-8 bytes per encoded word: 56 in base64, 68 with "=?utf-8?b?" and "?=", 77 after "Subject: "
)
_PART = 'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
_TEXT_PART = f"--{BOUNDARY}\r\n{_PART.format(subtype='plain')}".encode()
_HTML_PART = f"\r\n--{BOUNDARY}\r\n{_PART.format(subtype='html')}".encode()
_CLOSE = f"\r\n--{BOUNDARY}--\r\n".encode()
_MIME = f'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="{BOUNDARY}"\r\n'.encode()


@dataclass(frozen=True)
class Email:
    """One message for SMTP: the envelope's addresses and the data. `smtputf8`: the recipient is not ASCII."""

    mail_from: str
    recipient: str
    message_id: str
    data: bytes
    smtputf8: bool


def message_id(outbox_id: int, from_addr: str) -> str:
    """The same for every try of one outbox message, so mail systems can drop a second copy."""
    return f"<outbox-{outbox_id}@{_domain(from_addr)}>"


def _domain(from_addr: str) -> str:
    return parseaddr(from_addr)[1].rpartition("@")[2] or "billpay.invalid"


class EmailTemplate:
    """The fixed parts of every email from one sender address, prepared once."""

    def __init__(self, from_addr: str, *, base_url: str = "") -> None:
        """base_url (PUBLIC_BASE_URL) makes a payload's `path` (a receipt's next step) an absolute link."""
        self.from_addr = from_addr
        self.envelope_from = parseaddr(from_addr)[1]
        self._message_ids = f"<outbox-{{}}@{_domain(from_addr)}>"  # message_id(), with the domain parsed once
        self._base_url = base_url
        holder = EmailMessage(policy=email.policy.SMTP)
        holder["From"] = from_addr  # a display name may need encoding: the email package does it, once
        self._from = email.policy.SMTP.fold_binary("From", holder["From"])
        self._fixed = b"Auto-Submitted: auto-generated\r\n" + _MIME  # RFC 3834: no auto-replies, please
        self._date = (0, "")

    def render(self, message: OutgoingMessage) -> Email:
        recipient = message.recipient
        if not _plain_address(recipient):
            raise PermanentDeliveryError("email recipient is not an address")
        rendered = render(message.kind, message.locale, message.payload, base_url=self._base_url)
        mid = self._message_ids.format(message.id)
        head = b"".join(
            (
                _header("Subject", rendered.subject),
                self._from,
                b"To: " + recipient.encode() + b"\r\n",
                b"Date: " + self._now().encode() + b"\r\n",
                b"Message-ID: " + mid.encode() + b"\r\n",
                b"X-Billpay-Outbox-Id: %d\r\n" % message.id,
                self._fixed,
                _header("Content-Language", message.locale),
            )
        )
        body = b"".join(
            (
                _TEXT_PART,
                _quoted_printable(rendered.text),
                _HTML_PART,
                _quoted_printable(rendered.html),
                _CLOSE,
            )
        )
        return Email(self.envelope_from, recipient, mid, head + b"\r\n" + body, not recipient.isascii())

    def _now(self) -> str:
        second = int(time.time())
        if self._date[0] != second:  # formatdate once a second, not once a message
            self._date = (second, formatdate(second, localtime=False))
        return self._date[1]


def _plain_address(address: str) -> bool:
    """One bare address, nothing that could end a header or an SMTP command early."""
    return "@" in address and not any(c in address for c in "\r\n<>,; \t") and address.isprintable()


def _header(name: str, value: str) -> bytes:
    value = " ".join(value.split())  # no line breaks from a biller's name reach a header
    if value.isascii() and len(name) + 2 + len(value) <= _HEADER_LINE:
        return f"{name}: {value}\r\n".encode()
    return f"{name}: {_encoded_words(value)}\r\n".encode()


def _encoded_words(value: str) -> str:
    """RFC 2047 base64 words of at most _WORD_BYTES bytes each, never splitting a character, one per line."""
    data = value.encode()
    words = []
    start = 0
    while start < len(data):
        end = min(start + _WORD_BYTES, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: step back
            end -= 1
        words.append(f"=?utf-8?b?{base64.b64encode(data[start:end]).decode()}?=")
        start = end
    return "\r\n ".join(words)


def _quoted_printable(text: str) -> bytes:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").encode()
    return binascii.b2a_qp(lines, istext=True).replace(b"\n", b"\r\n")
