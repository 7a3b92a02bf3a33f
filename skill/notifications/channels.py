"""Which sender delivers each channel, chosen by NOTIFY_BACKEND and what is configured."""

from __future__ import annotations

from collections.abc import Mapping

from ..settings import Settings
from .mailbox import MailboxSender
from .senders import Sender


def build_senders(settings: Settings, extra: Mapping[str, Sender] | None = None) -> dict[str, Sender]:
    """sms and email: the real provider when configured (always with `live`), else the demo mailbox.

    `extra` adds channels delivered by other areas (the biller API's `webhook` sender). A worker only claims
    messages of channels it has a sender for.
    """
    notify = settings.notify
    senders: dict[str, Sender] = {}
    if notify.backend != "mailbox" and notify.twilio_configured:
        from .sms import TwilioSender

        senders["sms"] = TwilioSender(notify)
    else:
        senders["sms"] = MailboxSender("sms", notify.mailbox_dir)
    if notify.backend != "mailbox" and notify.smtp_configured:
        from .email import SmtpSender

        senders["email"] = SmtpSender(notify, base_url=settings.public_base_url)
    else:
        senders["email"] = MailboxSender(
            "email", notify.mailbox_dir, notify.smtp_from, base_url=settings.public_base_url
        )
    senders.update(extra or {})
    return senders


def describe(senders: Mapping[str, Sender]) -> str:
    """For the worker's start-up line: which class serves which channel (no addresses, no secrets)."""
    return ", ".join(f"{channel}={type(sender).__name__}" for channel, sender in sorted(senders.items()))
