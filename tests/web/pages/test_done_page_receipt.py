"""The paid page (/pay/<t>/done): the receipt's reference, method, date and invoice, the next step, and the
wording of a payment still in flight or under review."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.model import PaymentStatus
from skill.web import create_app
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import attempts, invoice
from tests.web.pages.conftest import WATER, csrf_of


def _pay_by_card(client: FlaskClient, gateway: FakeGateway, token: str, behaviour: str = "succeed") -> Any:
    """What pay.js does (start, confirmCardSetup, charge); returns the charge's JSON answer."""
    csrf = csrf_of(client.get(f"/pay/{token}").get_data(as_text=True))
    headers = {"X-CSRF-Token": csrf}
    started = client.post(f"/pay/{token}/start", json={"method": "card"}, headers=headers).get_json()
    setup_intent = started["client_secret"].removesuffix("_secret")
    gateway.browser_sets_up(setup_intent, gateway.add_method(behaviour=behaviour))
    body = {"attempt_id": started["attempt_id"], "setup_intent_id": setup_intent}
    return client.post(f"/pay/{token}/charge", json=body, headers=headers).get_json()


def _set_locale(services: Services, customer_id: int, locale: str) -> None:
    with services.uow() as uow:
        customer = uow.customers.get(customer_id)
        assert customer is not None
        customer.locale = locale
        uow.commit()


def _receipt(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-receipt="(\w+)">([^<]*)<', html))


def test_the_paid_page_shows_reference_method_date_invoice_and_the_next_step(
    client: FlaskClient, services: Services, gateway: FakeGateway, water_token: str
) -> None:
    charged = _pay_by_card(client, gateway, water_token)

    html = client.get(charged["done_url"]).get_data(as_text=True)

    (attempt,) = attempts(services, invoice(services, WATER).id)
    assert _receipt(html) == {
        "reference": f"BP-{attempt.id:06d}",
        "method": "Visa ending 4242",
        "date": "March 10, 2026",
        "invoice": WATER,
    }
    # No invoice page yet (issue 13): the next step is the account page.
    assert re.search(r'id="next-step" href="/account"', html)


def test_the_receipt_is_in_the_customers_language(
    client: FlaskClient, services: Services, gateway: FakeGateway, demo: DemoSummary, water_token: str
) -> None:
    _set_locale(services, demo.customer_id, "de-DE")
    charged = _pay_by_card(client, gateway, water_token)

    html = client.get(charged["done_url"]).get_data(as_text=True)

    assert _receipt(html)["method"] == "Visa mit Endziffern 4242"
    assert _receipt(html)["date"] == "10. März 2026"
    assert "Ihr Beleg" in html and "Ihre Rechnung ansehen" in html


def test_the_next_step_is_the_invoice_page_once_the_app_has_one(
    services: Services, gateway: FakeGateway, water_token: str
) -> None:
    app = create_app(services=services)
    app.add_url_rule("/invoices/<int:invoice_id>", "invoice_page", lambda invoice_id: f"invoice {invoice_id}")
    client = app.test_client()
    charged = _pay_by_card(client, gateway, water_token)
    water_id = invoice(services, WATER).id

    html = client.get(charged["done_url"]).get_data(as_text=True)

    assert re.search(rf'id="next-step" href="/invoices/{water_id}"', html)
    assert client.get(f"/go/invoice/{water_id}").headers["Location"] == f"/invoices/{water_id}"


def test_the_receipt_emails_link_leads_to_the_account_while_there_is_no_invoice_page(
    client: FlaskClient, services: Services, demo: DemoSummary
) -> None:
    water_id = invoice(services, WATER).id

    response = client.get(f"/go/invoice/{water_id}")

    assert response.status_code == 302 and response.headers["Location"] == "/account"


@pytest.mark.parametrize(
    ("kind", "expected", "not_expected"),
    [
        ("card", "Your card payment is not confirmed yet", "Direct debits"),
        ("sepa_debit", "Direct debits take a few working days", "card payment"),
    ],
)
def test_a_payment_in_flight_is_worded_by_its_method(
    client: FlaskClient,
    services: Services,
    gateway: FakeGateway,
    water_token: str,
    kind: str,
    expected: str,
    not_expected: str,
) -> None:
    charged = _pay_by_card(client, gateway, water_token, behaviour="processing")
    (attempt,) = attempts(services, invoice(services, WATER).id)
    with services.uow() as uow:
        row = uow.attempts.get(attempt.id)
        assert row is not None and row.status is PaymentStatus.PROCESSING
        row.method = kind
        uow.commit()

    html = client.get(charged["done_url"]).get_data(as_text=True)

    assert "Your payment is on its way" in html
    assert expected in html and not_expected not in html


def test_a_payment_under_review_is_being_checked_not_refused(
    client: FlaskClient, services: Services, gateway: FakeGateway, water_token: str
) -> None:
    charged = _pay_by_card(client, gateway, water_token, behaviour="processing")
    (attempt,) = attempts(services, invoice(services, WATER).id)
    with services.uow() as uow:
        row = uow.attempts.get(attempt.id)
        assert row is not None
        row.status, row.failure_reason = PaymentStatus.NEEDS_REVIEW, "amount_mismatch"
        uow.commit()

    html = client.get(charged["done_url"]).get_data(as_text=True)

    assert "We are checking your payment" in html and "Please do not pay again" in html
    assert "did not go through" not in html and "Try again" not in html
    assert _receipt(html)["reference"] == f"BP-{attempt.id:06d}"
