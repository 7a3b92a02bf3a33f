"""No input gives a 5xx (issue 9, section 3): each malformed request gets a clear 4xx and writes nothing.

One test per row of the issue's table, except the Stripe webhook rows (tests/web/test_stripe_webhooks.py).
Every test here runs in both suites (`make test` on SQLite, `make test-pg` on PostgreSQL): an out-of-range id
was an OverflowError on SQLite and a DataError on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from cryptography.x509.verification import Store
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.settings import Settings
from skill.web import create_app
from skill.web.alexa_endpoint import VERIFIER_EXTENSION
from skill.web.alexa_verify import AlexaRequestVerifier
from skill.web.json_body import nesting_depth
from tests.conftest import NOW
from tests.support.alexa_signing import CERT_URL, SKILL_ID, Keys, build_chain, envelope, new_key, sign
from tests.support.fake_gateway import FakeGateway
from tests.support.oauth import WebUser, authorize_query, pkce_pair, register_alexa_client
from tests.support.store import database_snapshot
from tests.web.api.conftest import make_biller
from tests.web.pages.conftest import WATER, csrf_of, link_for

DEEP = b"[" * 5000 + b"]" * 5000
NOT_OBJECTS = [b"[1]", b'"x"', b"1"]
BAD_IDS: list[Any] = ["abc", 10**30]


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def services(settings: Settings, clock: FixedClock, gateway: FakeGateway) -> Iterator[Services]:
    built = bootstrap(replace(settings, alexa_skill_id=SKILL_ID), clock=clock, gateway=gateway)
    yield built
    built.dispose()


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys(root=new_key(), intermediate=new_key(), leaf=new_key(), stranger=new_key())


@pytest.fixture
def app(services: Services, keys: Keys, clock: FixedClock) -> Flask:
    built = create_app(services=services)
    chain = build_chain(keys, NOW)
    built.extensions[VERIFIER_EXTENSION] = AlexaRequestVerifier(
        skill_id=SKILL_ID, clock=clock, fetcher=lambda url: chain.pem(), trust_store=Store([chain.root])
    )
    return built


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def token(services: Services, demo: DemoSummary) -> str:
    return link_for(services, demo, WATER)


@pytest.fixture
def csrf(client: FlaskClient, token: str) -> str:
    return csrf_of(client.get(f"/pay/{token}").get_data(as_text=True))  # opening the page writes; done first


@contextmanager
def nothing_written(engine: Engine, ignore: tuple[str, ...] = ()) -> Iterator[None]:
    """Every table (but those in `ignore`) is exactly as it was after the block."""

    def snapshot() -> dict[str, list[tuple[Any, ...]]]:
        return {name: rows for name, rows in database_snapshot(engine).items() if name not in ignore}

    before = snapshot()
    yield
    assert snapshot() == before, "the refused request wrote to the database"


def _signed_alexa(client: FlaskClient, keys: Keys, body: bytes) -> Any:
    headers = {"Signature-256": sign(body, keys.leaf), "SignatureCertChainUrl": CERT_URL}
    return client.post("/alexa", data=body, content_type="application/json", headers=headers)


def _post_json(client: FlaskClient, path: str, body: bytes, csrf: str | None = None) -> Any:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    return client.post(path, data=body, content_type="application/json", headers=headers)


def test_the_depth_scan_ignores_brackets_inside_strings() -> None:
    assert nesting_depth(b'{"a": ["[[[[", {"b": "\\"{{{"}]}') == 3
    assert nesting_depth(b"1") == 0


def test_alexa_json_nested_5000_levels_deep_is_a_400(
    client: FlaskClient, services: Services, keys: Keys
) -> None:
    # Verification is on (the default): the body is refused before and regardless of the signature.
    assert services.settings.alexa_verify_requests
    with nothing_written(services.engine):
        response = _signed_alexa(client, keys, DEEP)

    assert response.status_code == 400


def test_api_json_nested_5000_levels_deep_is_a_problem_400(client: FlaskClient, services: Services) -> None:
    key = make_biller(services, "northwind").key
    with nothing_written(services.engine, ignore=("api_rate_windows",)):  # the key's request counter only
        response = client.put(
            "/api/v1/customers/ACC-1",
            data=DEEP,
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 400


@pytest.mark.parametrize("body", [*NOT_OBJECTS, DEEP])
@pytest.mark.parametrize("step", ["start", "charge"])
def test_a_pay_step_with_a_json_body_that_is_not_an_object_is_a_400(
    client: FlaskClient,
    services: Services,
    gateway: FakeGateway,
    token: str,
    csrf: str,
    step: str,
    body: bytes,
) -> None:
    with nothing_written(services.engine):
        response = _post_json(client, f"/pay/{token}/{step}", body, csrf)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_input" and response.get_json()["message"]
    assert gateway.setups == {} and gateway.intents == {}


@pytest.mark.parametrize("body", [*NOT_OBJECTS, DEEP, b'{"setup_intent_id": ["seti_1"]}', b"{}"])
def test_wallet_complete_with_a_body_that_is_not_a_setup_is_a_400(
    client: FlaskClient, services: Services, csrf: str, token: str, body: bytes
) -> None:
    client.post(f"/pay/{token}/wallet", headers={"X-CSRF-Token": csrf})  # signs the browser in to /wallet
    wallet_csrf = csrf_of(client.get("/wallet").get_data(as_text=True))

    with nothing_written(services.engine):
        response = _post_json(client, "/wallet/complete", body, wallet_csrf)

    assert response.status_code == 400


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1e9", "-1", "12.345", "１２", "+5", "0"])
def test_an_amount_that_is_not_a_plain_amount_is_refused_and_nothing_reaches_the_provider(
    client: FlaskClient, services: Services, gateway: FakeGateway, token: str, csrf: str, amount: str
) -> None:
    with nothing_written(services.engine):
        response = client.post(
            f"/pay/{token}/start",
            json={"method": "card", "amount": amount, "save": True},
            headers={"X-CSRF-Token": csrf},
        )

    assert response.status_code in (400, 422)
    assert gateway.customers == set() and gateway.setups == {} and gateway.intents == {}


@pytest.mark.parametrize("amount", ["1000000", "9" * 30])
def test_an_amount_beyond_the_bill_is_refused_before_the_provider_hears_of_the_customer(
    client: FlaskClient, services: Services, gateway: FakeGateway, token: str, csrf: str, amount: str
) -> None:
    # A well-formed amount is a payment attempt: the pay-page limit counts it (its only write).
    with nothing_written(services.engine, ignore=("login_rate_windows",)):
        response = client.post(
            f"/pay/{token}/start", json={"method": "card", "amount": amount}, headers={"X-CSRF-Token": csrf}
        )

    assert response.status_code == 422
    assert gateway.customers == set()


@pytest.mark.parametrize("attempt_id", BAD_IDS)
def test_a_charge_for_an_attempt_id_no_row_can_have_is_a_4xx(
    client: FlaskClient, services: Services, token: str, csrf: str, attempt_id: Any
) -> None:
    with nothing_written(services.engine):
        response = client.post(
            f"/pay/{token}/charge",
            json={"attempt_id": attempt_id, "setup_intent_id": "seti_x"},
            headers={"X-CSRF-Token": csrf},
        )

    assert response.status_code == 400


@pytest.mark.parametrize("attempt_id", BAD_IDS)
@pytest.mark.parametrize("step", ["status", "done"])
def test_status_and_done_for_an_attempt_id_no_row_can_have_are_a_4xx(
    client: FlaskClient, services: Services, token: str, csrf: str, step: str, attempt_id: Any
) -> None:
    with nothing_written(services.engine):
        response = client.get(f"/pay/{token}/{step}?attempt={attempt_id}")

    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("method_id", BAD_IDS)
@pytest.mark.parametrize("action", ["remove", "default"])
def test_a_wallet_change_for_a_method_id_no_row_can_have_is_a_4xx(
    client: FlaskClient, services: Services, token: str, csrf: str, action: str, method_id: Any
) -> None:
    client.post(f"/pay/{token}/wallet", headers={"X-CSRF-Token": csrf})
    wallet_csrf = csrf_of(client.get("/wallet").get_data(as_text=True))

    with nothing_written(services.engine):
        response = client.post(f"/wallet/{method_id}/{action}", data={"csrf_token": wallet_csrf})

    assert response.status_code == 404


@pytest.mark.parametrize("bad", ['"', "\\", "%0A", "\u00e9", " "])
@pytest.mark.parametrize("signed_in", [False, True])
def test_authorize_with_a_malformed_redirect_uri_is_a_400_page_not_a_redirect(
    app: Flask, services: Services, demo: DemoSummary, bad: str, signed_in: bool
) -> None:
    alexa = register_alexa_client(services)
    user = WebUser(app.test_client(), services)
    if signed_in:
        user.sign_in_with_code(demo.customer_id, demo.email)
    query = authorize_query(alexa, pkce_pair()[1]).replace(
        "redirect_uri=https", "redirect_uri=" + bad.replace(" ", "%20") + "https", 1
    )
    raw = query if bad.isascii() else query.encode().decode("latin-1")

    with nothing_written(services.engine):
        got = user.http.get(raw)
        posted = user.http.post(raw, data={"csrf_token": user.csrf(), "decision": "allow"})

    assert (got.status_code, posted.status_code) == (400, 400)
    assert got.location is None and posted.location is None


def _alexa_cases() -> dict[str, dict[str, Any]]:
    base = envelope(NOW)
    cases: dict[str, dict[str, Any]] = {}
    for name, change in {
        "intent_is_a_string": lambda e: e["request"].__setitem__("intent", "PayBillIntent"),
        "slots_are_a_list": lambda e: e["request"]["intent"].__setitem__("slots", ["note"]),
        "a_slot_is_a_number": lambda e: e["request"]["intent"]["slots"].__setitem__("note", 5),
        "unknown_request_type": lambda e: e["request"].__setitem__("type", "Nonsense.Request"),
        "no_context": lambda e: e.pop("context"),
        "context_is_a_list": lambda e: e.__setitem__("context", []),
        "session_is_a_string": lambda e: e.__setitem__("session", "x"),
    }.items():
        document = json.loads(json.dumps(base))
        change(document)
        cases[name] = document
    return cases


@pytest.mark.parametrize("case", sorted(_alexa_cases()))
def test_an_alexa_request_the_skill_cannot_read_is_a_400(
    client: FlaskClient, services: Services, keys: Keys, demo: DemoSummary, case: str
) -> None:
    body = json.dumps(_alexa_cases()[case]).encode()

    with nothing_written(services.engine):
        response = _signed_alexa(client, keys, body)

    assert response.status_code == 400


@pytest.mark.parametrize("case", sorted(_alexa_cases()))
def test_on_lambda_a_malformed_event_raises_a_fixed_message_without_its_data(
    services: Services, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    from skill.alexa import entry
    from skill.alexa.envelope import MalformedRequest

    monkeypatch.setattr("skill.bootstrap.bootstrap", lambda settings: services)
    handle = entry.build_lambda_handler()
    event = _alexa_cases()[case]

    with nothing_written(services.engine), pytest.raises(MalformedRequest) as raised:
        handle(event, None)

    text = str(raised.value)
    assert text.startswith("not an Alexa request envelope (") and "gas" not in text
    assert raised.value.__cause__ is None  # and no SDK error text chained to it in the report:
    assert raised.value.__context__ is None or raised.value.__suppress_context__


def test_a_well_formed_envelope_still_reaches_the_skill(
    client: FlaskClient, keys: Keys, demo: DemoSummary
) -> None:
    body = json.dumps(envelope(datetime.fromisoformat(NOW.isoformat()))).encode()

    response = _signed_alexa(client, keys, body)

    assert response.status_code == 200 and response.get_json()["response"]
