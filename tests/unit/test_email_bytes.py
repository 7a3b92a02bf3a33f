"""The email bytes written from a compiled template read back, with the email package, as exactly what was rendered."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from skill.notifications.messages import KINDS, render
from skill.notifications.mime import BOUNDARY, EmailTemplate, message_id
from skill.notifications.senders import OutgoingMessage, PermanentDeliveryError
from skill.settings import SUPPORTED_LOCALES
from tests.unit.test_notification_messages import PAYLOADS

FROM = "Stadtwerke Bïllpay <billing@billpay.example>"
BASE_URL = "https://pay.example.test"


def parsed(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    page = message.get_body(preferencelist=("html",))
    assert text is not None and page is not None
    # The email package keeps the wire's CRLF in a decoded part; the rendered text has plain newlines.
    return tuple(str(part.get_content()).replace("\r\n", "\n") for part in (text, page))  # type: ignore[return-value]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_in_every_locale_reads_back_as_rendered(kind: str, locale: str) -> None:
    outgoing = OutgoingMessage(4711, kind, "email", "jane@example.org", locale, PAYLOADS[kind])
    mail = EmailTemplate(FROM, base_url=BASE_URL).render(outgoing)
    rendered = render(kind, locale, PAYLOADS[kind], base_url=BASE_URL)

    message = parsed(mail.data)

    assert message["Subject"] == " ".join(rendered.subject.split())
    assert (message["From"].addresses[0].display_name, message["From"].addresses[0].addr_spec) == (
        "Stadtwerke Bïllpay",
        "billing@billpay.example",
    )
    assert message["To"] == "jane@example.org" and message["Content-Language"] == locale
    assert (
        message["Message-ID"] == mail.message_id == message_id(4711, FROM) == "<outbox-4711@billpay.example>"
    )
    assert (message["Auto-Submitted"], message["X-Billpay-Outbox-Id"]) == ("auto-generated", "4711")
    assert message["Date"] is not None and message.get_content_type() == "multipart/alternative"
    assert parts(message) == (rendered.text, rendered.html)
    assert (mail.mail_from, mail.recipient, mail.smtputf8) == (
        "billing@billpay.example",
        "jane@example.org",
        False,
    )
    assert all(len(line) <= 78 for line in mail.data.split(b"\r\n")), "folded headers, soft-broken bodies"
    assert b"\n" not in mail.data.replace(b"\r\n", b""), "CRLF line ends only"
    assert mail.data.isascii(), "7-bit clean: quoted-printable parts, encoded-word headers"


def test_a_biller_name_can_neither_add_a_header_nor_end_a_part() -> None:
    payload = {
        **PAYLOADS["payment_request"],
        "biller": f"Evil\r\nBcc: victim@example.org\r\n\r\n--{BOUNDARY}\r\nX",
    }
    outgoing = OutgoingMessage(1, "payment_request", "email", "jane@example.org", "en-US", payload)

    message = parsed(EmailTemplate(FROM).render(outgoing).data)

    assert message["Bcc"] is None
    assert len(list(message.iter_parts())) == 2
    assert "Bcc: victim@example.org" in parts(message)[0]  # shown as text, where it does no harm


@pytest.mark.parametrize("recipient", ["jane@example.org\r\nBcc: x@example.org", "a@b>", "no-at-sign", ""])
def test_a_recipient_that_is_not_one_plain_address_is_refused(recipient: str) -> None:
    outgoing = OutgoingMessage(1, "otp", "email", recipient, "en-US", PAYLOADS["otp"])
    with pytest.raises(PermanentDeliveryError, match="not an address"):
        EmailTemplate(FROM).render(outgoing)


def test_an_international_recipient_needs_smtputf8() -> None:
    outgoing = OutgoingMessage(1, "otp", "email", "jürgen@bücher.example", "de-DE", PAYLOADS["otp"])
    mail = EmailTemplate(FROM).render(outgoing)
    assert mail.smtputf8 and parsed(mail.data)["To"] == "jürgen@bücher.example"
