"""POST /pay/<token>/start and /charge are limited per link and per client address, counted in the database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.tokens import hash_token
from skill.settings import Settings
from skill.storage import models as m
from skill.web import create_app
from tests.support.fake_gateway import FakeGateway
from tests.web.pages.conftest import ELECTRICITY, WATER, csrf_of, link_for


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


def _services(settings: Settings, clock: FixedClock, gateway: FakeGateway, **env: str) -> Services:
    strict = Settings.from_env(
        {
            "DATABASE_URL": settings.database_url,
            "PUBLIC_BASE_URL": settings.public_base_url,
            "SECRET_KEY": "test-secret-key",
            "PAY_MAX_ATTEMPTS_PER_LINK": "3",
            "PAY_MAX_ATTEMPTS_PER_IP": "5",
            **env,
        }
    )
    return bootstrap(strict, clock=clock, gateway=gateway)


@pytest.fixture
def services(settings: Settings, clock: FixedClock, gateway: FakeGateway) -> Iterator[Services]:
    """Small limits so they are quick to reach: 3 per link, 5 per address, per 15 minutes."""
    built = _services(settings, clock, gateway)
    yield built
    built.dispose()


@pytest.fixture
def client(services: Services) -> FlaskClient:
    return create_app(services=services).test_client()


def _start(client: FlaskClient, token: str, address: str = "203.0.113.7", **headers: str) -> Any:
    csrf = csrf_of(client.get(f"/pay/{token}").get_data(as_text=True))
    return client.post(
        f"/pay/{token}/start",
        json={"method": "card", "locale": "de-DE"},
        headers={"X-CSRF-Token": csrf, **headers},
        environ_base={"REMOTE_ADDR": address},
    )


def _provider_calls(gateway: FakeGateway) -> int:
    return len(gateway.setups) + len(gateway.intents)


def test_a_link_is_limited_and_the_refusal_is_a_localized_429_that_never_reaches_the_provider(
    client: FlaskClient, services: Services, demo: DemoSummary, gateway: FakeGateway
) -> None:
    token = link_for(services, demo, WATER)
    allowed = [_start(client, token).status_code for _ in range(3)]
    calls = _provider_calls(gateway)

    refused = _start(client, token)

    assert allowed == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "rate_limited"
    assert "Zu viele Zahlungsversuche" in refused.get_json()["message"]
    assert "15 Minuten" in refused.get_json()["message"]
    assert int(refused.headers["Retry-After"]) > 0
    assert _provider_calls(gateway) == calls


def test_a_charge_counts_against_the_same_link_limit_and_is_refused_before_the_provider(
    client: FlaskClient, services: Services, demo: DemoSummary, gateway: FakeGateway
) -> None:
    token = link_for(services, demo, WATER)
    started = [_start(client, token) for _ in range(3)]
    setups_read: list[str] = []
    original = gateway.retrieve_setup_intent
    gateway.retrieve_setup_intent = lambda setup_id: setups_read.append(setup_id) or original(setup_id)  # type: ignore[method-assign]

    csrf = csrf_of(client.get(f"/pay/{token}").get_data(as_text=True))
    seti = started[0].get_json()["client_secret"].removesuffix("_secret")
    charge = client.post(
        f"/pay/{token}/charge",
        json={"attempt_id": started[0].get_json()["attempt_id"], "setup_intent_id": seti},
        headers={"X-CSRF-Token": csrf},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )

    assert charge.status_code == 429
    assert setups_read == []


def test_one_address_is_limited_across_links_while_another_address_still_pays(
    client: FlaskClient, services: Services, demo: DemoSummary
) -> None:
    water, electricity = link_for(services, demo, WATER), link_for(services, demo, ELECTRICITY)
    first = [_start(client, water).status_code for _ in range(3)]
    second = [_start(client, electricity).status_code for _ in range(3)]

    other_address = _start(client, electricity, address="198.51.100.20")

    assert first == [200, 200, 200]
    assert second == [200, 200, 429]  # the address's fifth start was the last it was allowed
    assert other_address.status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_counted(
    settings: Settings, clock: FixedClock, gateway: FakeGateway, demo: DemoSummary
) -> None:
    services = _services(settings, clock, gateway, TRUSTED_PROXY_HOPS="1", PAY_MAX_ATTEMPTS_PER_LINK="50")
    try:
        client = create_app(services=services).test_client()
        token = link_for(services, demo, WATER)
        one = [_start(client, token, "10.0.0.1", **{"X-Forwarded-For": "203.0.113.7"}) for _ in range(6)]
        other = _start(client, token, "10.0.0.1", **{"X-Forwarded-For": "198.51.100.20"})
    finally:
        services.dispose()

    assert [r.status_code for r in one] == [200] * 5 + [429]
    assert other.status_code == 200


def test_the_limit_lifts_when_the_window_ends(
    client: FlaskClient, services: Services, demo: DemoSummary, clock: FixedClock
) -> None:
    token = link_for(services, demo, WATER)
    for _ in range(3):
        _start(client, token)
    assert _start(client, token).status_code == 429

    clock.advance(minutes=15)

    assert _start(client, token).status_code == 200


def test_the_counters_hold_neither_the_link_token_nor_the_address(
    client: FlaskClient, services: Services, demo: DemoSummary
) -> None:
    token = link_for(services, demo, WATER)
    _start(client, token)

    with services.uow() as uow:
        subjects = list(uow.session.scalars(select(m.LoginRateWindow.subject_hash)))

    assert len(subjects) == 2
    assert hash_token(token) not in subjects and hash_token("203.0.113.7") not in subjects
    assert all(token not in s and "203.0.113.7" not in s for s in subjects)
