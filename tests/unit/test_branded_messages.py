"""Messages in the brand: codes name the deployment, not "billpay"; emails take the biller's colour and logo."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skill.notifications.messages import gsm7_septets, render
from skill.services.identity.account_security import issue_secure_token
from skill.settings import SUPPORTED_LOCALES

LONG_BRAND = "Stadtwerke Musterstadt Energie & Wasser"  # near BRAND_NAME's 40-character limit
# The real length of a "this wasn't me" link, as in test_notification_messages.py.
SECURE_URL = "https://pay.example.com/account/secure/" + issue_secure_token(
    "k" * 32, 10**9, datetime(2026, 3, 10, tzinfo=UTC)
)
REQUEST = {
    "biller": "Aqua Pura Water",
    "amount_minor": 4560,
    "currency": "EUR",
    "url": "https://pay.example.test/pay/abc",
}


@pytest.mark.parametrize(
    ("locale", "subject", "sms"),
    [
        ("en-US", "Your Aqua Pura Water code: 482913", "Your Aqua Pura Water code is 482913."),
        ("en-GB", "Your Aqua Pura Water code: 482913", "Your Aqua Pura Water code is 482913."),
        ("de-DE", "Ihr Code für Aqua Pura Water: 482913", "Geben Sie ihn nie weiter."),
        ("nl-NL", "Uw code voor Aqua Pura Water: 482913", "Uw code voor Aqua Pura Water is 482913."),
        ("sv-SE", "Din kod för Aqua Pura Water: 482913", "Din kod för Aqua Pura Water är 482913."),
    ],
)
def test_the_code_names_the_deployments_brand_in_every_locale(locale: str, subject: str, sms: str) -> None:
    rendered = render("otp", locale, {"code": "482913", "ttl_minutes": 10, "brand_name": "Aqua Pura Water"})

    assert rendered.subject == subject
    assert sms in rendered.sms
    assert "billpay" not in rendered.subject + rendered.text + rendered.html + rendered.sms


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("kind", ["otp", "account_changed"])
@pytest.mark.parametrize("brand", ["Aqua Pura Water", LONG_BRAND, "Ł" * 10, "x" * 200])
def test_every_branded_sms_fits_one_gsm7_sms(kind: str, locale: str, brand: str) -> None:
    payload = {"code": "482913", "brand_name": brand, "change": "password", "url": SECURE_URL}

    sms = render(kind, locale, payload).sms

    septets = gsm7_septets(sms)
    assert septets is not None and septets <= 160, sms


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_fifteen_character_brand_is_kept_in_every_sms(locale: str) -> None:
    payload = {"code": "482913", "brand_name": "Aqua Pura Water", "change": "password", "url": SECURE_URL}

    for kind in ("otp", "account_changed"):
        assert "Aqua Pura Water" in render(kind, locale, payload).sms


def test_a_brand_too_long_for_one_sms_gives_way_to_billpay_there_only() -> None:
    payload = {"change": "password", "url": SECURE_URL, "brand_name": LONG_BRAND}

    rendered = render("account_changed", "de-DE", payload)

    assert rendered.sms.startswith("billpay: Konto geändert.")
    assert LONG_BRAND in rendered.subject


def test_a_code_queued_before_branding_still_says_billpay() -> None:
    assert render("otp", "en-US", {"code": "482913"}).subject == "Your billpay code: 482913"


def test_the_email_button_takes_the_brand_colour_with_readable_text() -> None:
    dark = render("payment_request", "en-US", {**REQUEST, "brand_colour": "#0b5cad"}).html
    light = render("payment_request", "en-US", {**REQUEST, "brand_colour": "#ffcc00"}).html

    assert "background:#0b5cad;color:#ffffff" in dark
    assert "background:#ffcc00;color:#1a1d21" in light


def test_an_unreadable_brand_colour_leaves_the_products_button() -> None:
    html = render("payment_request", "en-US", {**REQUEST, "brand_colour": "#808080"}).html

    assert "#808080" not in html
    assert "background:#0a58ca;color:#ffffff" in html


@pytest.mark.parametrize("kind", ["payment_request", "reminder", "receipt"])
def test_biller_emails_show_the_https_logo_with_the_billers_name(kind: str) -> None:
    payload = {**REQUEST, "due_date": "2026-03-31", "logo_url": "https://cdn.aquapura.example/logo.svg"}

    html = render(kind, "de-DE", payload).html

    assert (
        '<img src="https://cdn.aquapura.example/logo.svg" alt="Aqua Pura Water" width="160" height="40"'
        in html
    )


def test_a_logo_path_on_this_site_is_joined_to_the_public_address() -> None:
    payload = {**REQUEST, "logo_url": "/static/logos/aqua.svg"}

    with_base = render("payment_request", "en-US", payload, base_url="https://pay.example.test").html
    without = render("payment_request", "en-US", payload).html

    assert 'src="https://pay.example.test/static/logos/aqua.svg"' in with_base
    assert "<img" not in without
