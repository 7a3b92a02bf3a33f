"""The payment-link page in headless Chromium, paying through localstripe's Stripe.js shim."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from skill.alexa.entry import dispatch
from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.model import Channel, InvoiceStatus
from skill.payments.localstripe_process import LocalStripe
from skill.services.billing import ledger
from skill.services.identity.link_tokens import issue_token
from skill.services.links.payment_links import send_payment_link
from tests.alexa.driver import AlexaClient
from tests.support.localstripe import DECLINED_CARD, charged, wait_for
from tests.support.payments import attempts, invoice

pytestmark = [pytest.mark.browser, pytest.mark.stripe]

WATER = "AQP-2026-Q3"  # EUR 45.60, overdue, whole amount only
ELECTRICITY = "NWE-2026-11"  # EUR 94.30, partial payments from EUR 10.00
VISA = "4242424242424242"


def link(services: Services, demo: DemoSummary, number: str) -> str:
    sent = send_payment_link(
        services.uow(),
        services.clock,
        base_url="",
        ttl=timedelta(hours=72),
        customer_id=demo.customer_id,
        invoice_id=invoice(services, number).id,
        requested_via=Channel.ALEXA,
    )
    return sent.url  # "/pay/<token>"


def fill_card(page: Any, number: str = VISA) -> None:
    """The shim's card field: plain inputs named by placeholder (real Stripe.js uses an iframe)."""
    field = page.locator("#card-element")
    for placeholder, value in (
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "34"),
        ("cvc", "123"),
        ("postal_code", "10115"),
    ):
        field.locator(f'input[placeholder="{placeholder}"]').fill(value)


def pay(page: Any, url: str, *, number: str = VISA, amount: str | None = None, save: bool = False) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.locator("#card-element input")).to_have_count(5)
    if amount is not None:
        page.fill("#amount", amount)
    if save:
        page.check("#save")
    fill_card(page, number)
    page.click("#pay-button")


def paid(services: Services, number: str) -> bool:
    return invoice(services, number).status is InvoiceStatus.PAID


def test_the_water_bill_is_paid_in_chromium_and_the_skill_knows(
    page: Any, services: Services, provisioned: DemoSummary, app_url: str, localstripe: LocalStripe
) -> None:
    from playwright.sync_api import expect

    pay(page, app_url + link(services, provisioned, WATER))

    expect(page.locator("h1")).to_have_text("Thank you, your bill is paid")
    wait_for(lambda: paid(services, WATER), what="the water bill paid in the store")
    assert [i["amount"] for i in charged(localstripe)] == [4560]
    token = issue_token(services.uow(), provisioned.email, services.clock, ttl=timedelta(days=1))
    alexa = AlexaClient(send=lambda event: dispatch(services, event), access_token=token)
    alexa.launch()
    assert "2 open bills, €214.30 in total" in alexa.speech  # was 3 bills, €259.90, before paying water
    alexa.intent("ListBillsIntent")
    assert "Aqua Pura" not in alexa.speech and "Northwind Energy" in alexa.speech


def test_a_second_visit_and_a_reload_of_the_done_page_change_nothing(
    page: Any, services: Services, provisioned: DemoSummary, app_url: str, localstripe: LocalStripe
) -> None:
    from playwright.sync_api import expect

    url = app_url + link(services, provisioned, WATER)
    pay(page, url)
    expect(page.locator("h1")).to_have_text("Thank you, your bill is paid")

    page.reload()
    expect(page.locator("h1")).to_have_text("Thank you, your bill is paid")
    page.goto(url)

    expect(page.locator("h1")).to_have_text("This bill is already paid")
    expect(page.locator("#pay-form")).to_have_count(0)
    assert len(charged(localstripe)) == 1
    assert len(attempts(services, invoice(services, WATER).id)) == 1


def test_a_declined_card_says_why_and_charges_nothing(
    page: Any, services: Services, provisioned: DemoSummary, app_url: str, localstripe: LocalStripe
) -> None:
    from playwright.sync_api import expect

    pay(page, app_url + link(services, provisioned, WATER), number=DECLINED_CARD)

    expect(page.locator("#pay-error")).to_contain_text("Nothing was charged")
    assert charged(localstripe) == []
    assert invoice(services, WATER).status is InvoiceStatus.OPEN


def test_a_partial_amount_pays_part_of_the_electricity_bill(
    page: Any, services: Services, provisioned: DemoSummary, app_url: str, localstripe: LocalStripe
) -> None:
    from playwright.sync_api import expect

    pay(page, app_url + link(services, provisioned, ELECTRICITY), amount="20.00")

    expect(page.locator("h1")).to_have_text("Thank you, your payment has arrived")
    expect(page.locator("main")).to_contain_text("€74.30")
    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.PARTIALLY_PAID, 2000)
    assert [i["amount"] for i in charged(localstripe)] == [2000]


def test_saving_the_card_for_voice_creates_a_stored_method(
    page: Any, services: Services, provisioned: DemoSummary, app_url: str
) -> None:
    from playwright.sync_api import expect

    pay(page, app_url + link(services, provisioned, WATER), save=True)

    expect(page.locator("h1")).to_have_text("Thank you, your bill is paid")
    with services.uow() as uow:
        methods = uow.methods.active_for_customer(provisioned.customer_id)
        assert len(methods) == 2 and all(m.provider_method_id.startswith("pm_") for m in methods)


@pytest.mark.parametrize("state", ["expired", "void", "paid", "foreign"])
def test_links_that_cannot_be_paid_never_charge(
    page: Any,
    services: Services,
    provisioned: DemoSummary,
    app_url: str,
    localstripe: LocalStripe,
    state: str,
) -> None:
    from playwright.sync_api import expect

    url = app_url + link(services, provisioned, WATER)
    water = invoice(services, WATER)
    expected = {
        "expired": "This payment link has expired",
        "void": "This bill was cancelled",
        "paid": "This bill is already paid",
        "foreign": "This payment link does not work",
    }[state]
    if state == "expired":
        services.clock.advance(hours=73)  # type: ignore[attr-defined]
    elif state == "void":
        ledger.void_bill(services.uow(), water.id, clock=services.clock)
    elif state == "paid":
        ledger.record_payment(
            services.uow(), water.id, 4560, "EUR", idempotency_key="bank", clock=services.clock
        )
    else:
        url = url[:-4] + "AAAA"  # someone else's, or a guessed, token

    page.goto(url)

    expect(page.locator("h1")).to_have_text(expected)
    expect(page.locator("#pay-form")).to_have_count(0)
    assert charged(localstripe) == []


def test_a_card_that_needs_3d_secure_pays_after_the_customer_confirms(
    page: Any, services: Services, provisioned: DemoSummary, app_url: str, localstripe: LocalStripe
) -> None:
    from playwright.sync_api import expect

    from tests.support.localstripe import THREE_D_SECURE_CARD

    pay(page, app_url + link(services, provisioned, WATER), number=THREE_D_SECURE_CARD)
    # The shim's authentication modal stands in for the bank's page; it may appear for the setup and the charge.
    confirm = page.get_by_role("button", name="Complete authentication")
    heading = page.get_by_role("heading", name="Thank you, your bill is paid")
    authentications = 0
    for _ in range(3):
        expect(confirm.or_(heading)).to_be_visible()
        if not confirm.is_visible():
            break
        confirm.click()
        authentications += 1

    expect(page.locator("h1")).to_have_text("Thank you, your bill is paid")
    assert authentications >= 1
    assert [i["amount"] for i in charged(localstripe)] == [4560]
