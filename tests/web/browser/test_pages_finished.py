"""Issue 16's page work in headless Chromium with localstripe: a German page declines in German (Stripe.js gets
the page's locale, our server's message is ours), the paid page's receipt, and the wallet's confirm step."""

from __future__ import annotations

import re
from typing import Any

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.model import InvoiceStatus
from skill.payments.localstripe_process import LocalStripe
from skill.services.links.wallet_links import issue_wallet_token
from tests.support.localstripe import DECLINED_CARD, charged
from tests.support.payments import attempts, invoice
from tests.web.browser.test_pay_page_browser import WATER, link, pay

pytestmark = [pytest.mark.browser, pytest.mark.stripe]

# Records the options every Stripe(key, options) call gets, whichever script defines window.Stripe.
RECORD_STRIPE_OPTIONS = """
(() => {
  let real;
  window.__stripeOptions = [];
  Object.defineProperty(window, "Stripe", {
    configurable: true,
    get() { return real && function (key, options) { window.__stripeOptions.push(options || null); return real(key, options); }; },
    set(value) { real = value; },
  });
})();
"""


def _speaks(services: Services, customer_id: int, locale: str) -> None:
    with services.uow() as uow:
        customer = uow.customers.get(customer_id)
        assert customer is not None
        customer.locale = locale
        uow.commit()


def test_a_declined_card_on_a_german_page_is_explained_in_german(
    page: Any, services: Services, provisioned: DemoSummary, app_url: str, localstripe: LocalStripe
) -> None:
    from playwright.sync_api import expect

    _speaks(services, provisioned.customer_id, "de-DE")
    page.add_init_script(RECORD_STRIPE_OPTIONS)

    pay(page, app_url + link(services, provisioned, WATER), number=DECLINED_CARD)

    error = page.locator("#pay-error")
    expect(error).to_have_text(
        "Die Zahlung ist nicht durchgegangen: Ihre Bank hat die Karte abgelehnt. Es wurde nichts abgebucht. "
        "Sie können es erneut versuchen."
    )
    assert "declined" not in error.inner_text().lower()
    assert page.evaluate("() => window.__stripeOptions") == [{"locale": "de"}]
    assert charged(localstripe) == []
    assert invoice(services, WATER).status is InvoiceStatus.OPEN


def test_the_paid_page_shows_the_receipt_and_the_next_step(
    page: Any, services: Services, provisioned: DemoSummary, app_url: str
) -> None:
    from playwright.sync_api import expect

    pay(page, app_url + link(services, provisioned, WATER))

    expect(page.locator("h1")).to_have_text("Thank you, your bill is paid")
    (attempt,) = attempts(services, invoice(services, WATER).id)
    receipt = page.locator("#receipt")
    expect(receipt.locator('[data-receipt="reference"]')).to_have_text(f"BP-{attempt.id:06d}")
    expect(receipt.locator('[data-receipt="method"]')).to_have_text("Visa ending 4242")
    expect(receipt.locator('[data-receipt="date"]')).to_have_text(re.compile(r"^[A-Z][a-z]+ \d{1,2}, \d{4}$"))
    expect(receipt.locator('[data-receipt="invoice"]')).to_have_text(WATER)
    next_step = page.get_by_role("link", name="View your invoice")
    expect(next_step).to_have_attribute("href", "/account")  # no invoice page yet (issue 13)


def test_removing_the_only_card_asks_first_and_says_what_it_means_for_voice(
    page: Any, services: Services, provisioned: DemoSummary, app_url: str
) -> None:
    from playwright.sync_api import expect

    page.goto(
        f"{app_url}/wallet?t={issue_wallet_token(services.settings.secret_key, provisioned.customer_id)}"
    )
    item = page.locator("#methods li", has_text="Visa ending 4242")

    item.get_by_role("button", name="Remove: Visa ending 4242").click()
    confirm = page.get_by_role("group", name="Remove Visa ending 4242?")
    expect(confirm).to_be_focused()
    expect(confirm).to_contain_text("Alexa cannot pay your bills by voice until you add a new one")
    confirm.get_by_role("link", name="No, keep it").click()
    expect(page.get_by_role("group", name="Remove Visa ending 4242?")).to_have_count(0)
    expect(page.locator("#methods li")).to_have_count(1)

    item.get_by_role("button", name="Remove: Visa ending 4242").click()
    page.get_by_role("button", name="Yes, remove it").click()

    expect(page.locator(".notice.ok")).to_have_text("Removed: Visa ending 4242.")
    expect(page.locator("#methods-empty")).to_be_visible()
    with services.uow() as uow:
        assert uow.methods.active_for_customer(provisioned.customer_id) == []
