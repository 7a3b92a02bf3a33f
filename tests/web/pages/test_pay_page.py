"""GET /pay/<token> and its steps on the test client with the in-memory gateway: every page state."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.model import EventKind, InvoiceStatus
from skill.services.billing import ledger
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import attempts, invoice, kinds
from tests.web.pages.conftest import ELECTRICITY, WATER, csrf_of, link_for


def _start(client: FlaskClient, token: str, csrf: str, **body: Any) -> Any:
    return client.post(f"/pay/{token}/start", json=body, headers={"X-CSRF-Token": csrf})


def _pay_by_card(
    client: FlaskClient, gateway: FakeGateway, token: str, *, behaviour: str = "succeed", **body: Any
) -> tuple[Any, Any, str]:
    """What pay.js does: start, confirmCardSetup (the fake's browser_sets_up), then charge."""
    csrf = csrf_of(client.get(f"/pay/{token}").get_data(as_text=True))
    started = _start(client, token, csrf, method="card", **body)
    assert started.status_code == 200, started.get_json()
    seti = started.get_json()["client_secret"].removesuffix("_secret")
    method = gateway.add_method(behaviour=behaviour)
    gateway.browser_sets_up(seti, method)
    charge = {"attempt_id": started.get_json()["attempt_id"], "setup_intent_id": seti}
    return started, client.post(f"/pay/{token}/charge", json=charge, headers={"X-CSRF-Token": csrf}), csrf


def test_the_page_shows_biller_bill_amount_due_date_and_status(client: FlaskClient, water_token: str) -> None:
    response = client.get(f"/pay/{water_token}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="en">' in html
    for text in ("Aqua Pura Water", WATER, "€45.60", "March 5, 2026", "Open", "Overdue"):
        assert text in html, text
    assert 'src="https://js.stripe.test/v3/"' in html


def test_opening_the_page_twice_records_link_opened_once(
    client: FlaskClient, services: Services, water_token: str
) -> None:
    client.get(f"/pay/{water_token}")
    client.get(f"/pay/{water_token}")

    assert kinds(services, invoice(services, WATER).id).count(EventKind.LINK_OPENED) == 1


def test_an_unknown_link_is_a_localized_404(client: FlaskClient) -> None:
    response = client.get("/pay/not-a-real-token", headers={"Accept-Language": "de-DE,de;q=0.9"})

    assert response.status_code == 404
    assert "Dieser Zahlungslink funktioniert nicht" in response.get_data(as_text=True)


def test_an_expired_link_is_a_410_and_cannot_start_a_payment(
    client: FlaskClient, water_token: str, clock: FixedClock, gateway: FakeGateway
) -> None:
    csrf = csrf_of(client.get(f"/pay/{water_token}").get_data(as_text=True))
    clock.advance(hours=73)

    page = client.get(f"/pay/{water_token}")
    started = _start(client, water_token, csrf, method="card")

    assert page.status_code == 410
    assert "This payment link has expired" in page.get_data(as_text=True)
    assert started.status_code == 410
    assert gateway.setups == {} and gateway.intents == {}


def test_an_already_paid_bill_says_so_and_never_charges(
    client: FlaskClient, services: Services, demo: DemoSummary, gateway: FakeGateway, water_token: str
) -> None:
    csrf = csrf_of(client.get(f"/pay/{water_token}").get_data(as_text=True))
    water = invoice(services, WATER)
    ledger.record_payment(
        services.uow(), water.id, 4560, "EUR", idempotency_key="paid-at-bank", clock=services.clock
    )

    page = client.get(f"/pay/{water_token}")
    started = _start(client, water_token, csrf, method="card")

    assert page.status_code == 200
    assert "This bill is already paid" in page.get_data(as_text=True)
    assert 'id="pay-form"' not in page.get_data(as_text=True)
    assert started.status_code == 410
    assert gateway.charged == [] and gateway.setups == {}


def test_a_void_bill_says_so_with_410(
    client: FlaskClient, services: Services, water_token: str, gateway: FakeGateway
) -> None:
    ledger.void_bill(services.uow(), invoice(services, WATER).id, clock=services.clock)

    page = client.get(f"/pay/{water_token}")

    assert page.status_code == 410
    assert "This bill was cancelled" in page.get_data(as_text=True)
    assert gateway.charged == []


def test_the_status_endpoint_reports_the_stores_status(client: FlaskClient, water_token: str) -> None:
    body = client.get(f"/pay/{water_token}/status").get_json()

    assert body == {
        "invoice_status": "open",
        "amount_paid_minor": 0,
        "remaining_minor": 4560,
        "currency": "EUR",
    }
    assert client.get("/pay/unknown/status").status_code == 404


def test_paying_by_card_marks_the_bill_paid_on_the_providers_word(
    client: FlaskClient, services: Services, gateway: FakeGateway, water_token: str
) -> None:
    _, charged, _ = _pay_by_card(client, gateway, water_token)

    assert charged.status_code == 200
    assert charged.get_json()["status"] == "succeeded"
    done = client.get(charged.get_json()["done_url"])
    assert "Thank you, your bill is paid" in done.get_data(as_text=True)
    assert invoice(services, WATER).status is InvoiceStatus.PAID
    assert [i.amount_minor for i in gateway.charged] == [4560]


def test_charging_the_same_setup_twice_charges_once(
    client: FlaskClient, services: Services, gateway: FakeGateway, water_token: str
) -> None:
    started, _, csrf = _pay_by_card(client, gateway, water_token)
    body = {
        "attempt_id": started.get_json()["attempt_id"],
        "setup_intent_id": started.get_json()["client_secret"].removesuffix("_secret"),
    }

    again = client.post(f"/pay/{water_token}/charge", json=body, headers={"X-CSRF-Token": csrf})

    assert again.get_json()["status"] == "succeeded"
    assert len(gateway.charged) == 1
    assert len(attempts(services, invoice(services, WATER).id)) == 1


def test_a_declined_card_shows_a_plain_reason_and_leaves_the_bill_open(
    client: FlaskClient, services: Services, gateway: FakeGateway, water_token: str
) -> None:
    _, charged, _ = _pay_by_card(client, gateway, water_token, behaviour="decline:insufficient_funds")

    assert charged.get_json()["status"] == "failed"
    assert "not enough money" in charged.get_json()["message"]
    assert invoice(services, WATER).status is InvoiceStatus.OPEN


def test_a_partial_amount_is_read_in_the_pages_locale_and_validated_by_the_server(
    client: FlaskClient, services: Services, demo: DemoSummary, gateway: FakeGateway
) -> None:
    token = link_for(services, demo, ELECTRICITY)
    csrf = csrf_of(client.get(f"/pay/{token}").get_data(as_text=True))

    too_small = _start(client, token, csrf, method="card", amount="5,00", currency="EUR", locale="de-DE")
    too_big = _start(client, token, csrf, method="card", amount="100.00", currency="EUR", locale="en-US")
    _, charged, _ = _pay_by_card(client, gateway, token, amount="20,00", currency="EUR", locale="de-DE")

    assert too_small.status_code == 422 and too_big.status_code == 422
    assert charged.get_json()["status"] == "succeeded"
    electricity = invoice(services, ELECTRICITY)
    assert (electricity.status, electricity.amount_paid_minor) == (InvoiceStatus.PARTIALLY_PAID, 2000)


def test_a_partial_amount_is_refused_where_the_biller_does_not_allow_it(
    client: FlaskClient, gateway: FakeGateway, water_token: str
) -> None:
    html = client.get(f"/pay/{water_token}").get_data(as_text=True)

    started = _start(client, water_token, csrf_of(html), method="card", amount="10.00", currency="EUR")

    assert 'id="amount"' not in html
    assert started.status_code == 422
    assert gateway.setups == {}


def test_saving_the_card_for_voice_stores_a_method(
    client: FlaskClient, services: Services, demo: DemoSummary, gateway: FakeGateway, water_token: str
) -> None:
    _pay_by_card(client, gateway, water_token, save=True)

    with services.uow() as uow:
        saved = [m.last4 for m in uow.methods.active_for_customer(demo.customer_id)]
    assert saved.count("4242") == 2  # the demo card and the one saved now


def test_a_payment_start_without_the_csrf_token_is_refused(
    client: FlaskClient, gateway: FakeGateway, water_token: str
) -> None:
    client.get(f"/pay/{water_token}")

    response = client.post(f"/pay/{water_token}/start", json={"method": "card"})

    assert response.status_code == 400
    assert gateway.setups == {} and gateway.intents == {}


def test_pages_carry_the_security_headers(client: FlaskClient, water_token: str) -> None:
    headers = client.get(f"/pay/{water_token}").headers

    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("locale", "lang", "title", "amount", "due"),
    [
        ("en-US", "en", "Pay your Aqua Pura Water bill", "€45.60", "March 5, 2026"),
        ("en-GB", "en", "Pay your Aqua Pura Water bill", "€45.60", "5 March 2026"),
        ("de-DE", "de", "Ihre Rechnung von Aqua Pura Water bezahlen", "45,60\xa0€", "5. März 2026"),
        ("nl-NL", "nl", "Uw rekening van Aqua Pura Water betalen", "€\xa045,60", "5 maart 2026"),
        ("sv-SE", "sv", "Betala din räkning från Aqua Pura Water", "45,60\xa0€", "5 mars 2026"),
    ],
)
def test_the_page_speaks_the_customers_language(
    client: FlaskClient,
    services: Services,
    demo: DemoSummary,
    water_token: str,
    locale: str,
    lang: str,
    title: str,
    amount: str,
    due: str,
) -> None:
    with services.uow() as uow:
        customer = uow.customers.get(demo.customer_id)
        assert customer is not None
        customer.locale = locale
        uow.commit()

    html = client.get(f"/pay/{water_token}", headers={"Accept-Language": "fr"}).get_data(as_text=True)

    assert f'<html lang="{lang}">' in html
    for text in (title, amount, due):
        assert text in html, text


def test_the_links_currency_reads_the_amount_whatever_the_browser_claims(
    client: FlaskClient, services: Services, demo: DemoSummary, gateway: FakeGateway
) -> None:
    token = link_for(services, demo, ELECTRICITY)
    # "20" read as yen would be 20 minor units; the link is in euros, so it is 20.00 EUR (2000 cents).
    _, charged, _ = _pay_by_card(client, gateway, token, amount="20", currency="JPY", locale="en-US")
    assert charged.get_json()["status"] == "succeeded"
    assert invoice(services, ELECTRICITY).amount_paid_minor == 2000


def test_a_dutch_euro_bill_offers_card_sepa_and_ideal_when_the_account_has_them(
    client: FlaskClient, gateway: FakeGateway, water_token: str
) -> None:
    gateway.payment_method_types = ("card", "sepa_debit", "ideal")
    html = client.get(f"/pay/{water_token}").get_data(as_text=True)

    for kind in ("card", "sepa_debit", "ideal"):
        assert f'name="method" value="{kind}"' in html, kind
    assert 'id="iban-element"' in html and 'id="ideal-bank-element"' in html


def test_with_cards_only_the_page_has_no_bank_fields_and_refuses_a_bank_method(
    client: FlaskClient, gateway: FakeGateway, water_token: str
) -> None:
    html = client.get(f"/pay/{water_token}").get_data(as_text=True)
    assert '<input type="hidden" name="method" value="card">' in html
    assert "iban-element" not in html and "ideal-bank-element" not in html

    refused = _start(client, water_token, csrf_of(html), method="sepa_debit")
    assert (refused.status_code, refused.get_json()["error"]) == (400, "method_not_offered")
    assert gateway.intents == {}
