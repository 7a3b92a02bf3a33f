"""Email over SMTP: multipart/alternative (text + HTML), localized, with a Message-ID derived from the outbox id."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from ..settings.notifications import NotifySettings
from .messages import render
from .senders import OutgoingMessage, PermanentDeliveryError, TransientDeliveryError


def message_id(outbox_id: int, from_addr: str) -> str:
    """The same for every try of one outbox message, so mail systems can drop a second copy."""
    domain = parseaddr(from_addr)[1].rpartition("@")[2] or "billpay.invalid"
    return f"<outbox-{outbox_id}@{domain}>"


def build_email(message: OutgoingMessage, *, from_addr: str, base_url: str = "") -> EmailMessage:
    """base_url (PUBLIC_BASE_URL) makes a payload's `path` (a receipt's next step) an absolute link."""
    rendered = render(message.kind, message.locale, message.payload, base_url=base_url)
    mail = EmailMessage()
    mail["Subject"] = rendered.subject
    mail["From"] = from_addr
    mail["To"] = message.recipient
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(message.id, from_addr)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    mail["X-Billpay-Outbox-Id"] = str(message.id)
    mail.set_content(rendered.text)
    mail.add_alternative(rendered.html, subtype="html")
    mail["Content-Language"] = message.locale  # after set_content, which drops Content-* headers
    return mail


class SmtpSender:
    """SMTP_HOST/PORT, optional STARTTLS and login. Resending carries the same Message-ID (see the docs)."""

    channel = "email"
    resend_is_safe = True

    def __init__(self, settings: NotifySettings, *, base_url: str = "") -> None:
        assert settings.smtp_host is not None and settings.smtp_from is not None
        self._settings = settings
        self._base_url = base_url
        self._host = settings.smtp_host
        self._from = settings.smtp_from

    def send(self, message: OutgoingMessage) -> str | None:
        mail = build_email(message, from_addr=self._from, base_url=self._base_url)
        try:
            self._deliver(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            error = PermanentDeliveryError if all(code >= 500 for code in codes) else TransientDeliveryError
            raise error(f"smtp recipient refused {codes}") from None
        except smtplib.SMTPDataError as exc:
            error = PermanentDeliveryError if exc.smtp_code >= 500 else TransientDeliveryError
            raise error(f"smtp data refused {exc.smtp_code}") from None
        except smtplib.SMTPResponseException as exc:
            # Sender refused, authentication failed, ...: the configuration's fault, not this message's.
            raise TransientDeliveryError(f"smtp {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientDeliveryError(f"smtp {type(exc).__name__}") from None
        return str(mail["Message-ID"])

    def _deliver(self, mail: EmailMessage) -> None:
        settings = self._settings
        with smtplib.SMTP(self._host, settings.smtp_port, timeout=settings.send_timeout_seconds) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user and settings.smtp_password:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(mail)
