"""With nothing configured, `billpay worker` delivers to the local Maildir so a new user can read the messages."""

from __future__ import annotations

import mailbox
import signal
from datetime import timedelta

import pytest

from skill.bootstrap import Services
from skill.cli import main
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.model import Channel
from skill.notifications.channels import build_senders
from skill.notifications.mailbox import MailboxSender
from skill.notifications.senders import OutgoingMessage
from skill.services.links.payment_links import send_payment_link
from skill.settings import ConfigError, Settings
from skill.settings.notifications import NotifySettings
from skill.worker import run_workers
from tests.support.fake_senders import PAYLOAD


def _invoice_id(services: Services, demo: DemoSummary) -> int:
    with services.uow() as uow:
        return uow.invoices.outstanding_for_customer(demo.customer_id)[0].id


def test_payment_link_lands_in_the_demo_mailbox_as_sms_and_email(
    services: Services, demo: DemoSummary, settings: Settings
) -> None:
    invoice_id = _invoice_id(services, demo)
    sent = [
        send_payment_link(
            services.uow(),
            services.clock,
            base_url=settings.public_base_url,
            ttl=timedelta(hours=72),
            customer_id=demo.customer_id,
            invoice_id=invoice_id,
            requested_via=Channel.ALEXA,
            prefer=channel,
        )
        for channel in (Channel.SMS, Channel.EMAIL)
    ]
    handler_before = signal.getsignal(signal.SIGTERM)
    assert run_workers(services, once=True, batch=10, concurrency=2) == {"sent": 2}
    assert signal.getsignal(signal.SIGTERM) is handler_before, "the worker gives the signal handlers back"

    box = mailbox.Maildir(settings.notify.mailbox_dir, create=False)
    by_channel = {message["X-Billpay-Channel"] or "email": message for message in box}
    sms, email = by_channel["sms"], by_channel["email"]
    assert sms["X-Billpay-To"] == "+31612345678"
    assert sent[0].url in sms.get_payload(decode=True).decode()
    assert email["To"] == demo.email and email.is_multipart()
    assert {part.get_content_type() for part in email.walk()} >= {"text/plain", "text/html"}


def test_worker_once_command_reports_what_it_delivered(
    services: Services,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in {
        "DATABASE_URL": settings.database_url,
        "BILLPAY_VAR_DIR": str(settings.notify.mailbox_dir.parent),
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("NOTIFY_BACKEND", "TWILIO_ACCOUNT_SID", "SMTP_HOST", "MAILBOX_DIR"):
        monkeypatch.delenv(name, raising=False)
    assert main(["worker", "--once", "--batch", "5"]) == 0
    assert capsys.readouterr().out.strip() == "outbox: nothing due"


def test_worker_command_refuses_a_zero_batch(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["worker", "--batch", "0"])
    assert exit_info.value.code == 2
    assert "at least 1" in capsys.readouterr().err


def test_backend_defaults_to_the_mailbox_per_unconfigured_channel(settings: Settings) -> None:
    env = {"DATABASE_URL": settings.database_url, "SMTP_HOST": "mail.example", "SMTP_FROM": "b@example.org"}
    senders = build_senders(Settings.from_env(env))
    assert type(senders["sms"]).__name__ == "MailboxSender"
    assert type(senders["email"]).__name__ == "SmtpSender"
    forced = build_senders(Settings.from_env({**env, "NOTIFY_BACKEND": "mailbox"}))
    assert type(forced["email"]).__name__ == "MailboxSender"


def test_live_backend_names_the_first_missing_setting(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID must be set"):
        Settings.from_env({"DATABASE_URL": settings.database_url, "NOTIFY_BACKEND": "live"})
    with pytest.raises(ConfigError, match="TWILIO_FROM must be set"):
        NotifySettings.from_env({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"})


def test_mailbox_finds_a_message_it_already_holds(tmp_path: object, clock: FixedClock) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    sender = MailboxSender("sms", tmp_path / "mailbox")
    message = OutgoingMessage(7, "payment_request", "sms", "+31612345678", "nl-NL", PAYLOAD)
    other = OutgoingMessage(8, "payment_request", "sms", "+31612345678", "nl-NL", PAYLOAD)
    ref = sender.send(message)
    since = clock.now() - timedelta(days=3650)
    assert sender.find_sent(message, since) == ref
    assert sender.find_sent(other, since) is None
