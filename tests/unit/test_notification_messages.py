"""Message wording: every kind in every locale, short GSM-7 SMS, escaped HTML, no personal data."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime

import pytest

from skill.notifications.messages import KINDS, LOCALES_DIR, UnknownMessageKind, gsm7_septets, render
from skill.services.identity.account_security import issue_secure_token
from skill.settings import SUPPORTED_LOCALES

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
URL = "https://pay.example.com/pay/" + secrets.token_urlsafe(32)  # the real token length
PAYLOADS = {
    "payment_request": {
        "biller": "Stadtwerke Musterstadt",
        "amount_minor": 123456,
        "currency": "EUR",
        "url": URL,
    },
    "reminder": {
        "biller": "Stadtwerke Musterstadt",
        "amount_minor": 123456,
        "currency": "SEK",
        "url": URL,
        "due_date": "2026-03-31",
    },
    "receipt": {"biller": "Stadtwerke Musterstadt", "amount_minor": 5000, "currency": "GBP", "url": URL},
    "otp": {"code": "482913", "ttl_minutes": 10},
    "invoice_copy": {
        "biller": "Stadtwerke Musterstadt",
        "invoice_number": "SWM-2026-000123",
        "amount_minor": 123456,
        "currency": "EUR",
        "due_date": "2026-03-31",
        "url": "https://pay.example.com/go/invoice/1234567",
    },
    "account_changed": {
        "change": "device_linked",
        # the real length of a "this wasn't me" link (services/account_security.issue_secure_token)
        "url": "https://pay.example.com/account/secure/" + issue_secure_token("k" * 32, 10**9, NOW),
    },
}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_fits_one_gsm7_sms_in_every_locale(kind: str, locale: str) -> None:
    rendered = render(kind, locale, PAYLOADS[kind])
    septets = gsm7_septets(rendered.sms)
    assert septets is not None, rendered.sms
    assert septets <= 160, rendered.sms
    assert rendered.subject and rendered.text.strip() and "<html" in rendered.html


@pytest.mark.parametrize("kind", KINDS)
def test_every_language_file_has_the_same_keys_as_english(kind: str) -> None:
    english = json.loads((LOCALES_DIR / "en.json").read_text("utf-8"))
    for language in ("de", "nl", "sv"):
        other = json.loads((LOCALES_DIR / f"{language}.json").read_text("utf-8"))
        assert set(other) == set(english) and set(other[kind]) == set(english[kind]), language


@pytest.mark.parametrize(
    ("locale", "amount", "phrase"),
    [
        ("en-US", "€1,234.56", "asks you to pay"),
        ("en-GB", "€1,234.56", "asks you to pay"),
        ("de-DE", "1.234,56\xa0€", "bittet Sie"),
        ("nl-NL", "€\xa01.234,56", "vraagt u"),
        ("sv-SE", "1\xa0234,56\xa0€", "ber dig betala"),
    ],
)
def test_amounts_and_wording_follow_the_locale(locale: str, amount: str, phrase: str) -> None:
    rendered = render("payment_request", locale, PAYLOADS["payment_request"])
    assert amount in rendered.text and phrase in rendered.text
    assert amount.replace("\xa0", " ") in rendered.sms, "no-break spaces become plain spaces in SMS"


def test_british_english_overlays_american_wording() -> None:
    assert "we've received" in render("receipt", "en-GB", PAYLOADS["receipt"]).sms
    assert "we received" in render("receipt", "en-US", PAYLOADS["receipt"]).sms


def test_only_the_biller_amount_and_link_are_shown() -> None:
    payload = {
        **PAYLOADS["payment_request"],
        "customer_name": "Erika Mustermann",
        "invoice_number": "R-2026-77",
    }
    rendered = render("payment_request", "de-DE", payload)
    for text in (rendered.subject, rendered.text, rendered.html, rendered.sms):
        assert "Erika" not in text and "R-2026-77" not in text


def test_html_escapes_what_billers_type() -> None:
    rendered = render("payment_request", "en-US", {**PAYLOADS["payment_request"], "biller": "<b>A&B</b>"})
    assert "<b>A&B</b>" not in rendered.html and "&lt;b&gt;A&amp;B&lt;/b&gt;" in rendered.html


def test_gsm7_counts_the_extension_table_twice_and_rejects_other_characters() -> None:
    assert gsm7_septets("Pay €5 [now]") == 15
    assert gsm7_septets("12,00\xa0€") is None
    assert gsm7_septets("Tack 🙂") is None


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(UnknownMessageKind):
        render("newsletter", "en-US", {})
