"""The wallet page in headless Chromium: save a card and a SEPA mandate through localstripe's shim, then
choose the default and remove one."""

from __future__ import annotations

from typing import Any

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.services.links.wallet_links import issue_wallet_token
from tests.support.localstripe import GOOD_IBAN
from tests.web.browser.test_pay_page_browser import fill_card

pytestmark = [pytest.mark.browser, pytest.mark.stripe]


def methods(services: Services, customer_id: int) -> list[tuple[str, bool]]:
    with services.uow() as uow:
        return [(m.label, m.is_default) for m in uow.methods.active_for_customer(customer_id)]


def test_wallet_add_card_and_mandate_choose_default_and_remove(
    page: Any, services: Services, provisioned: DemoSummary, app_url: str
) -> None:
    from playwright.sync_api import expect

    token = issue_wallet_token(services.settings.secret_key, provisioned.customer_id)
    page.goto(f"{app_url}/wallet?t={token}")
    expect(page).to_have_url(f"{app_url}/wallet")  # the token left the address bar
    expect(page.locator("#methods li")).to_have_count(1)

    fill_card(page, "4000056655665556")
    page.click("#wallet-button")
    expect(page.locator(".notice.ok")).to_have_text("Saved: Visa ending 5556.")

    page.check('input[name="kind"][value="sepa_debit"]')
    expect(page.locator("#sepa-mandate")).to_contain_text("8 weeks")
    page.fill("#iban", GOOD_IBAN)
    page.fill("#email", "alex@example.com")
    page.click("#wallet-button")
    expect(page.locator(".notice.ok")).to_have_text("Saved: IBAN ending 3000.")
    expect(page.locator("#methods li")).to_have_count(3)

    page.locator("li", has_text="IBAN ending 3000").get_by_role("button", name="Make default").click()
    expect(page.locator(".notice.ok")).to_have_text("IBAN ending 3000 is now your default.")
    page.locator("li", has_text="Visa ending 4242").get_by_role("button", name="Remove").click()
    page.get_by_role("button", name="Yes, remove it").click()  # removing asks first
    expect(page.locator(".notice.ok")).to_have_text("Removed: Visa ending 4242.")

    assert sorted(methods(services, provisioned.customer_id)) == [
        ("IBAN ending 3000", True),
        ("Visa ending 5556", False),
    ]
