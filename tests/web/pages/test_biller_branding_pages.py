"""Pages about one biller wear its brand: the name or logo in the header, its colour on the primary button."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import invoice
from tests.web.pages.conftest import WATER, csrf_of, link_for

LOGO = "https://cdn.aquapura.example/logo.svg"


def _brand(services: Services, *, logo_url: str | None = None, colour: str | None = None) -> None:
    biller_id = invoice(services, WATER).biller_id
    services.biller_api.set_branding(biller_id, logo_url=logo_url, brand_colour=colour)


def _header(html: str) -> str:
    match = re.search(r'<header class="site-header".*?</header>', html, re.S)
    assert match, "no header"
    return match.group(0)


def test_without_branding_the_header_names_the_biller_and_the_default_palette_stays(
    client: FlaskClient, water_token: str
) -> None:
    html = client.get(f"/pay/{water_token}").get_data(as_text=True)

    assert "Aqua Pura Water" in _header(html)
    assert "<img" not in _header(html)
    assert "button.primary" not in html


def test_the_pay_page_shows_the_logo_with_the_billers_name_as_alt_and_a_fixed_size(
    client: FlaskClient, services: Services, water_token: str
) -> None:
    _brand(services, logo_url=LOGO, colour="#0b5cad")

    response = client.get(f"/pay/{water_token}")

    header = _header(response.get_data(as_text=True))
    assert f'<img class="biller-logo" src="{LOGO}" alt="Aqua Pura Water" width="160" height="40">' in header
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.stripe.com https://cdn.aquapura.example;" in policy


def test_the_brand_colour_fills_the_primary_button_with_the_text_colour_that_passes(
    client: FlaskClient, services: Services, water_token: str
) -> None:
    _brand(services, colour="#FFCC00")  # light: near-black text, and too light for links on white

    html = client.get(f"/pay/{water_token}").get_data(as_text=True)

    assert (
        "button.primary, .button.primary { background: #ffcc00; border-color: #ffcc00; color: #1a1d21; }"
        in html
    )
    assert "@media (prefers-color-scheme: dark) { :root { --accent: #ffcc00;" in html
    assert "not all and (prefers-color-scheme: dark)" not in html
    assert re.search(r'<style nonce="[^"]+">', html)


def test_a_colour_neither_text_colour_can_read_on_leaves_the_default_palette(
    client: FlaskClient, services: Services, water_token: str
) -> None:
    _brand(services, colour="#808080")

    html = client.get(f"/pay/{water_token}").get_data(as_text=True)

    assert "#808080" not in html
    assert "button.primary" not in html


def test_the_done_page_wears_the_brand(
    client: FlaskClient, services: Services, gateway: FakeGateway, water_token: str
) -> None:
    _brand(services, logo_url=LOGO, colour="#0b5cad")
    csrf = csrf_of(client.get(f"/pay/{water_token}").get_data(as_text=True))
    headers = {"X-CSRF-Token": csrf}
    started = client.post(f"/pay/{water_token}/start", json={"method": "card"}, headers=headers).get_json()
    setup_intent = started["client_secret"].removesuffix("_secret")
    gateway.browser_sets_up(setup_intent, gateway.add_method())
    charge = {"attempt_id": started["attempt_id"], "setup_intent_id": setup_intent}
    done_url = client.post(f"/pay/{water_token}/charge", json=charge, headers=headers).get_json()["done_url"]

    response = client.get(done_url)

    assert response.status_code == 200
    assert 'alt="Aqua Pura Water"' in _header(response.get_data(as_text=True))
    assert "background: #0b5cad" in response.get_data(as_text=True)
    assert "https://cdn.aquapura.example" in response.headers["Content-Security-Policy"]


def test_a_message_page_about_the_bill_wears_the_brand(
    client: FlaskClient, services: Services, demo: DemoSummary
) -> None:
    paid_token = link_for(services, demo, WATER)
    _brand(services, colour="#0b5cad")
    with services.uow() as uow:
        bill = uow.invoices.get(invoice(services, WATER).id)
        assert bill is not None
        bill.amount_paid_minor, bill.status = bill.amount_due_minor, "paid"
        uow.commit()

    html = client.get(f"/pay/{paid_token}").get_data(as_text=True)

    assert "background: #0b5cad" in html


def test_other_pages_keep_the_products_name_and_policy(client: FlaskClient) -> None:
    response = client.get("/login")

    assert '<p class="site-name">Bill payment</p>' in _header(response.get_data(as_text=True))
    assert "{img}" not in response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.stripe.com;" in response.headers["Content-Security-Policy"]
