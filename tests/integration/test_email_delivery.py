"""Email through a real aiosmtpd server: both MIME parts, the locale, the amount, the link, nothing personal."""

from __future__ import annotations

import random
from email.message import EmailMessage

import pytest

from skill.bootstrap import Services
from skill.notifications.email import SmtpSender
from skill.notifications.worker import OutboxWorker
from skill.settings.notifications import NotifySettings
from skill.storage import models as m
from tests.support.fake_senders import queue
from tests.support.smtp import SmtpServer


def smtp_settings(server: SmtpServer) -> NotifySettings:
    return NotifySettings(
        smtp_host=server.host,
        smtp_port=server.port,
        smtp_from="Billpay <billing@billpay.example>",
        smtp_starttls=False,
        send_timeout_seconds=5,
        max_attempts=3,
    )


def deliver(services: Services, server: SmtpServer) -> dict[str, int]:
    sender = SmtpSender(smtp_settings(server))
    worker = OutboxWorker(
        services.uow, {"email": sender}, services.clock, smtp_settings(server), rng=random.Random(3)
    )
    return dict(worker.run(batch=10, once=True))


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    page = message.get_body(preferencelist=("html",))
    assert text is not None and page is not None
    return text.get_content(), page.get_content()


@pytest.mark.parametrize(
    ("locale", "amount", "subject_word"),
    [
        ("en-US", "€1,234.50", "payment request"),
        ("en-GB", "€1,234.50", "payment request"),
        ("de-DE", "1.234,50\xa0€", "Zahlungsaufforderung"),
        ("nl-NL", "€\xa01.234,50", "betaalverzoek"),
        ("sv-SE", "1\xa0234,50\xa0€", "betalningsbegäran"),
    ],
)
def test_payment_request_email_is_localized_with_text_and_html_parts(
    services: Services, smtp_server: SmtpServer, locale: str, amount: str, subject_word: str
) -> None:
    url = "https://pay.example.test/pay/Zm9vYmFy-one-time-token"
    [message_id] = queue(
        services,
        channel="email",
        locale=locale,
        recipient="jane.doe@example.org",
        payload={
            "amount_minor": 123450,
            "url": url,
            "customer_name": "Jane Doe",
            "invoice_number": "INV-2026-0042",
            "account_number": "ACC-998877",
        },
    )
    assert deliver(services, smtp_server) == {"sent": 1}
    [envelope] = smtp_server.handler.envelopes
    assert envelope.mail_from == "billing@billpay.example"
    assert envelope.rcpt_tos == ["jane.doe@example.org"]
    mail = envelope.parsed()
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Content-Language"] == locale
    assert mail["Message-ID"] == f"<outbox-{message_id}@billpay.example>"
    assert subject_word in mail["Subject"] and "Acme Energy" in mail["Subject"]
    text, page = parts(mail)
    assert amount in text and url in text
    assert amount in page
    assert f'href="{url}"' in page and f'lang="{locale}"' in page
    for personal in ("Jane", "Doe", "jane.doe", "INV-2026-0042", "ACC-998877"):
        assert personal not in text and personal not in page and personal not in mail["Subject"]


def test_email_resent_after_an_unknown_outcome_keeps_its_message_id(
    services: Services, smtp_server: SmtpServer
) -> None:
    sender = SmtpSender(smtp_settings(smtp_server))
    [message_id] = queue(services, channel="email", recipient="a@example.org")
    from skill.notifications.senders import OutgoingMessage

    with services.uow() as uow:
        row = uow.outbox.get(message_id)
        assert row is not None
        outgoing = OutgoingMessage(
            row.id, row.kind, row.channel, row.recipient, row.locale, dict(row.payload)
        )
    try:
        first, second = sender.send(outgoing), sender.send(outgoing)
    finally:
        sender.close()
    ids = [mail["Message-ID"] for mail in smtp_server.handler.messages()]
    assert first == second == ids[0] == ids[1] == f"<outbox-{message_id}@billpay.example>"


def test_rejected_recipient_is_a_dead_letter(services: Services, smtp_server: SmtpServer) -> None:
    smtp_server.handler.refuse_next_recipient("550 5.1.1 mailbox unavailable")
    [message_id] = queue(services, channel="email", recipient="nobody@example.org")
    assert deliver(services, smtp_server) == {"dead": 1}
    with services.uow() as uow:
        row = uow.outbox.get(message_id)
        assert row is not None
        assert (row.status, row.last_error) == (
            "dead",
            "PermanentDeliveryError: smtp recipient refused [550]",
        )
    assert smtp_server.handler.envelopes == []


def test_temporarily_refused_recipient_is_retried(services: Services, smtp_server: SmtpServer) -> None:
    smtp_server.handler.refuse_next_recipient("451 4.3.0 try again later")
    [message_id] = queue(services, channel="email", recipient="busy@example.org")
    assert deliver(services, smtp_server) == {"retry": 1}
    with services.uow() as uow:
        row: m.OutboxMessage | None = uow.outbox.get(message_id)
        assert row is not None and row.status == "pending" and row.attempts == 1
        assert row.last_error == "TransientDeliveryError: smtp recipient refused [451]"


def test_unreachable_smtp_server_is_a_transient_failure(services: Services) -> None:
    from tests.support.smtp import free_port

    settings = NotifySettings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_from="b@billpay.example")
    [message_id] = queue(services, channel="email", recipient="a@example.org")
    worker = OutboxWorker(services.uow, {"email": SmtpSender(settings)}, services.clock, settings)
    assert worker.run_batch(5) == {"retry": 1}
    with services.uow() as uow:
        row = uow.outbox.get(message_id)
        assert row is not None and row.last_error == "TransientDeliveryError: smtp ConnectionRefusedError"
