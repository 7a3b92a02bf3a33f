"""var/mailbox/ (the demo's Maildir) read for people: headers and the text part decoded with the email package."""

from __future__ import annotations

import mailbox
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

MAX_LISTED = 200


@dataclass(frozen=True)
class MailboxEntry:
    key: str
    channel: str  # "email" or "sms"
    subject: str
    recipient: str
    sent_at: datetime | None
    text: str


def list_messages(directory: Path) -> list[MailboxEntry]:
    """The newest MAX_LISTED messages, newest first; an empty list when nothing was delivered yet."""
    box = _open(directory)
    if box is None:
        return []
    entries = [entry for key in box.iterkeys() if (entry := _read(box, key)) is not None]
    entries.sort(key=lambda e: e.sent_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return entries[:MAX_LISTED]


def read_message(directory: Path, key: str) -> MailboxEntry | None:
    """One message by its Maildir key; None for a key the Maildir does not hold (never a path we build)."""
    box = _open(directory)
    return None if box is None else _read(box, key)


def _open(directory: Path) -> mailbox.Maildir | None:
    if not (directory / "new").is_dir():
        return None
    return mailbox.Maildir(directory, factory=None, create=False)


def _read(box: mailbox.Maildir, key: str) -> MailboxEntry | None:
    try:
        raw = box.get_bytes(key)  # looks the key up in the Maildir's own table: no path from the URL
    except KeyError:
        return None
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    channel = str(message.get("X-Billpay-Channel") or "email")
    recipient = str(message.get("X-Billpay-To") or message.get("To") or "")
    return MailboxEntry(
        key, channel, str(message.get("Subject") or ""), recipient, _date(message), _text(message)
    )


def _date(message: EmailMessage) -> datetime | None:
    header = message.get("Date")
    moment = getattr(header, "datetime", None)  # policy.default parses Date into a DateHeader
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(message: EmailMessage) -> str:
    """The text/plain part, quoted-printable or base64 and its charset decoded (get_content does both)."""
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else ""
