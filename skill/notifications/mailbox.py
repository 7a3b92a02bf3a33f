"""The demo channel: every email and SMS lands in a local Maildir (var/mailbox/) instead of leaving the machine.

Read it with `mutt -f var/mailbox`, any Maildir-capable client, or just `cat var/mailbox/new/*`.
"""

from __future__ import annotations

import mailbox
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from .messages import render
from .mime import EmailTemplate, message_id
from .senders import OutgoingMessage

DEMO_FROM = "billpay demo <no-reply@billpay.invalid>"


class MailboxSender:
    """Writes the exact email an SMTP server would get, or the SMS text, as one Maildir message."""

    resend_is_safe = False  # it can look its messages up instead (find_sent)

    def __init__(
        self, channel: str, directory: Path, from_addr: str | None = None, *, base_url: str = ""
    ) -> None:
        self.channel = channel
        self._base_url = base_url
        self._directory = directory
        self._from = from_addr or DEMO_FROM
        self._template = EmailTemplate(self._from, base_url=base_url)

    def _maildir(self) -> mailbox.Maildir:
        self._directory.parent.mkdir(parents=True, exist_ok=True)
        return mailbox.Maildir(self._directory, create=True)

    def send(self, message: OutgoingMessage) -> str | None:
        # An email is stored as the bytes an SMTP server would get.
        mail = self._template.render(message).data if self.channel == "email" else self._sms(message)
        # Maildir delivers through tmp/ then a rename into new/: a reader never sees half a message.
        return f"mailbox:{self._maildir().add(mail)}"

    def _sms(self, message: OutgoingMessage) -> EmailMessage:
        text = render(message.kind, message.locale, message.payload).sms
        mail = EmailMessage()
        mail["Subject"] = f"SMS to {message.recipient} ({len(text)} characters)"
        mail["From"] = "billpay SMS <sms@billpay.invalid>"
        mail["To"] = "sms@billpay.invalid"  # a phone number is no address; it is in X-Billpay-To
        mail["X-Billpay-To"] = message.recipient
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = message_id(message.id, self._from)
        mail["X-Billpay-Outbox-Id"] = str(message.id)
        mail["X-Billpay-Channel"] = self.channel
        mail.set_content(text)
        return mail

    def find_sent(self, message: OutgoingMessage, since: datetime) -> str | None:
        box = self._maildir()
        for key, stored in box.iteritems():
            if stored["X-Billpay-Outbox-Id"] == str(message.id) and stored.get_date() >= since.timestamp():
                return f"mailbox:{key}"
        return None
