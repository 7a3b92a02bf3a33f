"""SEPA Direct Debit and iDEAL on the payment-link page in Chromium: Stripe.js's contract, localstripe behind it.

The page loads tests/support/stripe_js_shim (localstripe's shim plus confirmSepaDebitPayment, confirmIdealPayment
and the IBAN and iDEAL bank Elements) from STRIPE_API_BASE, which points at the bridge in front of localstripe.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.model import Channel, InvoiceStatus, PaymentStatus
from skill.payments.localstripe_process import API_KEY, LocalStripe
from skill.services.links.payment_links import send_payment_link
from skill.settings import Settings
from tests.support.localstripe import GOOD_IBAN, serving, wait_for
from tests.support.payments import attempts, invoice
from tests.support.stripe_js_shim import StripeJsBridge

pytestmark = [pytest.mark.browser, pytest.mark.stripe]

WATER = "AQP-2026-Q3"  # EUR 45.60, Aqua Pura (NL): card, SEPA Direct Debit and iDEAL are offered


@pytest.fixture
def bridge(localstripe: LocalStripe) -> Iterator[StripeJsBridge]:
    shim = StripeJsBridge(localstripe.base_url)
    with serving(shim.app) as url:
        shim.url = url
        yield shim


@pytest.fixture
def settings(database_url: str, tmp_path: Path, bridge: StripeJsBridge, webhook_secret: str) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "BILLPAY_VAR_DIR": str(tmp_path),
            "SECRET_KEY": "test-secret-key",
            "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
            "STRIPE_API_KEY": API_KEY,
            "STRIPE_API_BASE": bridge.url,  # the page's Stripe.js and the server's API calls both go through it
            "STRIPE_WEBHOOK_SECRET": webhook_secret,
            "STRIPE_PAYMENT_METHOD_TYPES": "card,sepa_debit,ideal",  # localstripe's default would be card only
        }
    )


def link(services: Services, demo: DemoSummary, number: str = WATER) -> str:
    sent = send_payment_link(
        services.uow(),
        services.clock,
        base_url="",
        ttl=timedelta(hours=72),
        customer_id=demo.customer_id,
        invoice_id=invoice(services, number).id,
        requested_via=Channel.ALEXA,
    )
    return sent.url


def set_locale(services: Services, demo: DemoSummary, locale: str) -> None:
    with services.uow() as uow:
        customer = uow.customers.get(demo.customer_id)
        assert customer is not None
        customer.locale = locale
        uow.commit()


def link_attempt(services: Services) -> Any:
    return next(a for a in attempts(services, invoice(services, WATER).id) if a.channel is Channel.LINK)


def test_a_sepa_debit_is_processing_then_settles_when_the_webhook_arrives(
    page: Any, services: Services, demo: DemoSummary, app_url: str, bridge: StripeJsBridge
) -> None:
    from playwright.sync_api import expect

    page.goto(app_url + link(services, demo))
    page.check('input[name="method"][value="sepa_debit"]')
    page.fill('#iban-element input[placeholder="iban"]', GOOD_IBAN)
    page.fill("#holder", "Erika Mustermann")
    page.fill("#email", "erika@example.test")
    page.click("#pay-button")

    expect(page.locator("h1")).to_have_text("Your payment is on its way")
    attempt = link_attempt(services)
    assert attempt.status is PaymentStatus.PROCESSING
    assert bridge.methods_of(attempt.provider_reference) == ["sepa_debit"]
    assert invoice(services, WATER).status is not InvoiceStatus.PAID

    bridge.settle(attempt.provider_reference)  # the bank collects: localstripe's signed webhook follows
    wait_for(
        lambda: invoice(services, WATER).status is InvoiceStatus.PAID, what="the webhook settling the bill"
    )
    expect(page.locator("h1")).to_have_text("Thank you, your bill is paid", timeout=20_000)


def test_sepa_without_the_holders_name_and_email_asks_for_them_and_starts_nothing(
    page: Any, services: Services, demo: DemoSummary, app_url: str
) -> None:
    from playwright.sync_api import expect

    page.goto(app_url + link(services, demo))
    page.check('input[name="method"][value="sepa_debit"]')
    page.fill('#iban-element input[placeholder="iban"]', GOOD_IBAN)
    page.click("#pay-button")

    expect(page.locator("#pay-error")).to_contain_text("account holder's name")
    assert attempts(services, invoice(services, WATER).id) == []


def test_an_ideal_payment_returns_from_the_bank_to_the_page_and_settles(
    page: Any, services: Services, demo: DemoSummary, app_url: str, bridge: StripeJsBridge
) -> None:
    from playwright.sync_api import expect

    page.goto(app_url + link(services, demo))
    page.check('input[name="method"][value="ideal"]')
    page.select_option("#ideal-bank-element select", "ing")
    page.click("#pay-button")

    expect(page.locator("h1")).to_have_text("iDEAL test payment")  # the bank's page, off our site
    assert bridge.methods_of(link_attempt(services).provider_reference) == ["ideal"]
    page.click("text=Authorize test payment")

    expect(page.locator("h1")).to_have_text("Thank you, your bill is paid")
    assert page.url.startswith(app_url + "/pay/") and "redirect_status=succeeded" in page.url
    assert invoice(services, WATER).status is InvoiceStatus.PAID
    assert link_attempt(services).status is PaymentStatus.SUCCEEDED


def test_a_german_page_shows_the_sepa_mandate_in_german(
    page: Any, services: Services, demo: DemoSummary, app_url: str
) -> None:
    from playwright.sync_api import expect

    set_locale(services, demo, "de-DE")
    page.goto(app_url + link(services, demo))
    page.check('input[name="method"][value="sepa_debit"]')

    mandate = page.locator("#sepa-mandate")
    expect(mandate).to_be_visible()
    expect(mandate).to_contain_text("ermächtigen Sie (A) Aqua Pura Water und Stripe")
    expect(mandate).to_contain_text("innerhalb von 8 Wochen")
    expect(page.locator('label:has(input[value="sepa_debit"])')).to_have_text("SEPA-Lastschrift")
