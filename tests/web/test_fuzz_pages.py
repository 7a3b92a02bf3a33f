"""Property tests for the browser-facing routes (/pay, /wallet, /oauth): no input gives a 5xx, and a refused
request writes nothing. Bounded (about 100 examples a route, no example database) to stay within CI's time.

schemathesis covers /api/v1 from its OpenAPI document (tests/web/api/test_api_contract.py); these routes have no
such document, so hypothesis draws their inputs: any JSON, hostile text in paths and query strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.payments.gateway import ProviderObjectMissing, SetupInfo
from skill.services.identity.oauth_clients import CreatedClient
from skill.settings import Settings
from skill.web import create_app
from tests.support.fake_gateway import FakeGateway
from tests.support.oauth import WebUser, register_alexa_client
from tests.support.store import database_snapshot
from tests.web.pages.conftest import WATER, csrf_of, link_for

FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Counters of the pay-page limit move on every well-formed attempt, refused or not: state, not a change.
COUNTERS = {"login_rate_windows"}

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
ID_LIKE = st.one_of(
    st.integers(), st.text(max_size=12), st.none(), st.booleans(), st.floats(), st.just(10**30)
)
TEXT = st.text(max_size=40)


class StrictFakeGateway(FakeGateway):
    """Answers an unknown setup id as Stripe does (404, ProviderObjectMissing), not with a KeyError."""

    def retrieve_setup_intent(self, setup_intent_id: str) -> SetupInfo:
        if setup_intent_id not in self.setups:
            raise ProviderObjectMissing("resource_missing (404)")
        return super().retrieve_setup_intent(setup_intent_id)


@pytest.fixture
def gateway() -> FakeGateway:
    return StrictFakeGateway()


@pytest.fixture
def services(settings: Settings, clock: FixedClock, gateway: FakeGateway) -> Iterator[Services]:
    roomy = Settings.from_env(
        {
            "DATABASE_URL": settings.database_url,
            "PUBLIC_BASE_URL": settings.public_base_url,
            "SECRET_KEY": "test-secret-key",
            "PAY_MAX_ATTEMPTS_PER_LINK": "1000000",  # the limits have their own tests
            "PAY_MAX_ATTEMPTS_PER_IP": "1000000",
        }
    )
    built = bootstrap(roomy, clock=clock, gateway=gateway)
    yield built
    built.dispose()


@pytest.fixture
def page(services: Services, demo: DemoSummary) -> tuple[FlaskClient, str, str]:
    """A browser on a payment-link page: (client, token, CSRF token); also signed in to /wallet by the link."""
    client = create_app(services=services).test_client()
    token = link_for(services, demo, WATER)
    csrf = csrf_of(client.get(f"/pay/{token}").get_data(as_text=True))
    client.post(f"/pay/{token}/wallet", headers={"X-CSRF-Token": csrf})
    return client, token, csrf_of(client.get("/wallet").get_data(as_text=True))


def _checked(services: Services, send: Any) -> TestResponse:
    """Send; never a 5xx; a 400 leaves every table as it was, another refusal at most the attempt counters."""
    before = database_snapshot(services.engine)
    response: TestResponse = send()
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        after = database_snapshot(services.engine)
        ignore = set() if response.status_code == 400 else COUNTERS
        changed = {name for name in after if after[name] != before[name]} - ignore
        assert not changed, f"a {response.status_code} wrote to {sorted(changed)}"
    return response


@FUZZ
@given(
    body=JSON
    | st.fixed_dictionaries({}, optional={"method": JSON, "amount": JSON, "save": JSON, "locale": JSON})
)
def test_pay_start_never_fails_with_a_server_error(
    services: Services, page: tuple[FlaskClient, str, str], body: Any
) -> None:
    client, token, csrf = page
    _checked(services, lambda: client.post(f"/pay/{token}/start", json=body, headers={"X-CSRF-Token": csrf}))


@FUZZ
@given(
    body=JSON | st.fixed_dictionaries({}, optional={"attempt_id": ID_LIKE, "setup_intent_id": JSON | TEXT})
)
def test_pay_charge_never_fails_with_a_server_error(
    services: Services, page: tuple[FlaskClient, str, str], body: Any
) -> None:
    client, token, csrf = page
    _checked(services, lambda: client.post(f"/pay/{token}/charge", json=body, headers={"X-CSRF-Token": csrf}))


@FUZZ
@given(step=st.sampled_from(["status", "done"]), attempt=TEXT, token=TEXT | st.none())
def test_pay_status_and_done_never_fail_with_a_server_error(
    services: Services, page: tuple[FlaskClient, str, str], step: str, attempt: str, token: str | None
) -> None:
    client, real, _ = page
    path = f"/pay/{quote(token or real, safe='')}/{step}"
    _checked(services, lambda: client.get(path, query_string={"attempt": attempt}))


@FUZZ
@given(body=JSON, path=st.sampled_from(["/wallet/setup", "/wallet/complete"]))
def test_wallet_json_steps_never_fail_with_a_server_error(
    services: Services, page: tuple[FlaskClient, str, str], body: Any, path: str
) -> None:
    client, _, csrf = page
    _checked(services, lambda: client.post(path, json=body, headers={"X-CSRF-Token": csrf}))


@FUZZ
@given(method_id=st.integers(min_value=0) | TEXT, action=st.sampled_from(["remove", "default"]), label=TEXT)
def test_wallet_method_changes_never_fail_with_a_server_error(
    services: Services, page: tuple[FlaskClient, str, str], method_id: int | str, action: str, label: str
) -> None:
    client, _, csrf = page
    path = f"/wallet/{quote(str(method_id), safe='')}/{action}"
    _checked(services, lambda: client.post(path, data={"csrf_token": csrf, "label": label}))


OAUTH_NAMES = ["response_type", "client_id", "redirect_uri", "state", "scope", "code_challenge",
               "code_challenge_method"]  # fmt: skip


@pytest.fixture
def oauth_user(services: Services, demo: DemoSummary) -> tuple[CreatedClient, WebUser]:
    """A registered Alexa client and a signed-in browser (hypothesis reuses them across examples)."""
    user = WebUser(create_app(services=services).test_client(), services)
    user.sign_in_with_code(demo.customer_id, demo.email)
    return register_alexa_client(services), user


@FUZZ
@given(
    overrides=st.dictionaries(st.sampled_from(OAUTH_NAMES), TEXT, max_size=4),
    method=st.sampled_from(["GET", "POST"]),
    decision=st.sampled_from(["allow", "deny", ""]),
)
def test_oauth_authorize_never_fails_with_a_server_error(
    services: Services,
    oauth_user: tuple[CreatedClient, WebUser],
    overrides: dict[str, str],
    method: str,
    decision: str,
) -> None:
    alexa, user = oauth_user
    query = {
        "response_type": "code",
        "client_id": alexa.client_id,
        "redirect_uri": alexa.redirect_uris[0],
        "state": "s",
        **overrides,
    }
    if method == "GET":
        _checked(services, lambda: user.http.get("/oauth/authorize", query_string=query))
    else:
        form = {"csrf_token": user.csrf("/account"), "decision": decision}
        _checked(services, lambda: user.http.post("/oauth/authorize", query_string=query, data=form))
