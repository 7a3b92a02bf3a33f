"""GET /wallet on the test client with the in-memory gateway: sign-in by link, add, remove, default."""

from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.errors import NotFound
from skill.domain.model import MethodKind
from skill.services.identity.oauth_clients import create_client
from skill.services.links.wallet_links import issue_wallet_token, wallet_link_customer
from tests.support.fake_gateway import FakeGateway
from tests.web.pages.conftest import csrf_of


def _sign_in(client: FlaskClient, services: Services, customer_id: int) -> str:
    token = issue_wallet_token(services.settings.secret_key, customer_id)
    response = client.get(f"/wallet?t={token}")
    assert response.status_code == 303 and response.headers["Location"] == "/wallet"
    return csrf_of(client.get("/wallet").get_data(as_text=True))


def _methods(services: Services, customer_id: int) -> list[tuple[str, bool]]:
    with services.uow() as uow:
        return [(m.label, m.is_default) for m in uow.methods.active_for_customer(customer_id)]


def test_the_wallet_needs_a_sign_in(client: FlaskClient) -> None:
    response = client.get("/wallet")

    assert response.status_code == 401
    assert "Please open this page from your messages" in response.get_data(as_text=True)


def test_a_forged_or_old_wallet_link_signs_nobody_in(
    client: FlaskClient, services: Services, demo: DemoSummary
) -> None:
    good = issue_wallet_token(services.settings.secret_key, demo.customer_id)
    forged = issue_wallet_token("another-key", demo.customer_id)

    assert client.get(f"/wallet?t={forged}").status_code == 401
    assert client.get("/wallet").status_code == 401
    assert wallet_link_customer(services.settings.secret_key, good) == demo.customer_id
    with pytest.raises(NotFound):
        wallet_link_customer(services.settings.secret_key, good, now=time.time() + 31 * 60)


def test_the_signed_in_wallet_lists_methods_in_the_customers_language(
    client: FlaskClient, services: Services, demo: DemoSummary
) -> None:
    _sign_in(client, services, demo.customer_id)

    html = client.get("/wallet").get_data(as_text=True)

    assert "Signed in as Alex Demo." in html
    assert "Visa ending 4242" in html
    assert "Default" in html


def test_the_payment_page_opens_the_wallet_of_the_links_customer(
    client: FlaskClient, demo: DemoSummary, water_token: str
) -> None:
    csrf = csrf_of(client.get(f"/pay/{water_token}").get_data(as_text=True))

    response = client.post(f"/pay/{water_token}/wallet", data={"csrf_token": csrf})

    assert response.status_code == 303
    assert "Alex Demo" in client.get("/wallet").get_data(as_text=True)


@pytest.mark.parametrize("opened_by", ["payment link", "wallet link"])
def test_a_link_opens_the_wallet_only_never_the_account_or_account_linking(
    client: FlaskClient, services: Services, demo: DemoSummary, water_token: str, opened_by: str
) -> None:
    """A link from a message is a bearer secret: it must not let its holder set a password or PIN, or link Alexa."""
    if opened_by == "payment link":
        csrf = csrf_of(client.get(f"/pay/{water_token}").get_data(as_text=True))
        assert client.post(f"/pay/{water_token}/wallet", data={"csrf_token": csrf}).status_code == 303
        csrf = csrf_of(client.get("/wallet").get_data(as_text=True))
    else:
        csrf = _sign_in(client, services, demo.customer_id)

    password = {
        "csrf_token": csrf,
        "password": "correct horse battery",
        "password_confirm": "correct horse battery",
    }
    pin = {"csrf_token": csrf, "pin": "1234", "pin_confirm": "1234"}

    assert client.get("/account").headers["Location"].startswith("/login")
    assert client.post("/account/password", data=password).headers["Location"].startswith("/login")
    assert client.post("/account/pin", data=pin).headers["Location"].startswith("/login")
    alexa = create_client(services.uow(), services.clock, vendor_id="M2VENDOR")
    authorize = client.get(
        "/oauth/authorize",
        query_string={
            "response_type": "code",
            "client_id": alexa.client_id,
            "redirect_uri": alexa.redirect_uris[0],
        },
    )
    assert authorize.status_code == 303 and authorize.headers["Location"].startswith("/login")
    with services.uow() as uow:
        customer = uow.customers.get(demo.customer_id)
        assert customer is not None and customer.password_hash is None
    assert client.get("/wallet").status_code == 200  # the wallet itself still works


def test_adding_a_card_stores_it_after_the_provider_confirms(
    client: FlaskClient, services: Services, demo: DemoSummary, gateway: FakeGateway
) -> None:
    csrf = _sign_in(client, services, demo.customer_id)
    headers = {"X-CSRF-Token": csrf}

    started = client.post("/wallet/setup", json={"kind": "card"}, headers=headers).get_json()
    early = client.post(
        "/wallet/complete", json={"setup_intent_id": started["setup_intent_id"]}, headers=headers
    )
    gateway.browser_sets_up(started["setup_intent_id"], gateway.add_method(last4="1881"))
    saved = client.post(
        "/wallet/complete", json={"setup_intent_id": started["setup_intent_id"]}, headers=headers
    )

    assert early.status_code == 400  # not confirmed at the provider yet: nothing stored
    assert saved.status_code == 200
    assert ("Visa ending 1881", False) in _methods(services, demo.customer_id)
    assert "Saved: Visa ending 1881." in client.get("/wallet").get_data(as_text=True)


def test_choosing_the_default_and_removing_a_method(
    client: FlaskClient, services: Services, demo: DemoSummary, gateway: FakeGateway
) -> None:
    csrf = _sign_in(client, services, demo.customer_id)
    headers = {"X-CSRF-Token": csrf}
    started = client.post("/wallet/setup", json={"kind": "sepa_debit"}, headers=headers).get_json()
    gateway.browser_sets_up(
        started["setup_intent_id"], gateway.add_method(kind=MethodKind.SEPA_DEBIT, last4="3000")
    )
    new_id = client.post(
        "/wallet/complete", json={"setup_intent_id": started["setup_intent_id"]}, headers=headers
    ).get_json()["saved"]
    with services.uow() as uow:
        card_id = next(m.id for m in uow.methods.active_for_customer(demo.customer_id) if m.last4 == "4242")
    gateway.add_method(method_id="pm_demo_visa_4242", customer="cus_demo_unprovisioned")

    client.post(f"/wallet/{new_id}/default", data={"csrf_token": csrf})
    assert ("IBAN ending 3000", True) in _methods(services, demo.customer_id)
    client.post(
        f"/wallet/{card_id}/remove", data={"csrf_token": csrf, "label": "Visa ending 4242", "confirm": "yes"}
    )

    assert _methods(services, demo.customer_id) == [("IBAN ending 3000", True)]
    assert "Removed: Visa ending 4242." in client.get("/wallet").get_data(as_text=True)


def test_wallet_changes_without_the_csrf_token_are_refused(
    client: FlaskClient, services: Services, demo: DemoSummary
) -> None:
    _sign_in(client, services, demo.customer_id)
    with services.uow() as uow:
        card_id = uow.methods.active_for_customer(demo.customer_id)[0].id

    response = client.post(f"/wallet/{card_id}/remove", data={})

    assert response.status_code == 400
    assert _methods(services, demo.customer_id) == [("Visa ending 4242", True)]


def test_another_customers_method_cannot_be_removed(
    client: FlaskClient, services: Services, demo: DemoSummary
) -> None:
    from skill.services.identity import directory

    stranger = directory.upsert_customer(
        services.uow(),
        directory.CustomerData(name="Sam Other", email="sam@example.com", locale="nl-NL"),
        services.clock,
    )
    csrf = _sign_in(client, services, stranger)

    with services.uow() as uow:
        card_id = uow.methods.active_for_customer(demo.customer_id)[0].id
    response = client.post(f"/wallet/{card_id}/remove", data={"csrf_token": csrf, "confirm": "yes"})

    assert response.status_code == 404
    assert _methods(services, demo.customer_id) == [("Visa ending 4242", True)]


def test_removing_a_method_asks_first_and_says_what_it_means_for_voice(
    client: FlaskClient, services: Services, demo: DemoSummary, gateway: FakeGateway
) -> None:
    csrf = _sign_in(client, services, demo.customer_id)
    gateway.add_method(method_id="pm_demo_visa_4242", customer="cus_demo_unprovisioned")
    with services.uow() as uow:
        card_id = uow.methods.active_for_customer(demo.customer_id)[0].id

    asked = client.post(f"/wallet/{card_id}/remove", data={"csrf_token": csrf})  # no confirm: only asks
    assert (
        asked.status_code == 303 and asked.headers["Location"] == f"/wallet?remove={card_id}#confirm-remove"
    )
    html = client.get(f"/wallet?remove={card_id}").get_data(as_text=True)

    assert _methods(services, demo.customer_id) == [("Visa ending 4242", True)]
    assert "Remove Visa ending 4242?" in html
    assert "Alexa cannot pay your bills by voice until you add a new one" in html
    assert 'name="confirm" value="yes"' in html
    client.post(f"/wallet/{card_id}/remove", data={"csrf_token": csrf, "confirm": "yes"})
    assert _methods(services, demo.customer_id) == []


def test_the_wallet_has_one_heading_per_section(
    client: FlaskClient, services: Services, demo: DemoSummary
) -> None:
    import re

    _sign_in(client, services, demo.customer_id)
    html = client.get("/wallet").get_data(as_text=True)

    headings = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", html)]
    legends = re.findall(r"<legend>(.*?)</legend>", html)
    assert len(headings) == len(set(headings)), headings
    assert not set(legends) & set(headings), (legends, headings)
