"""Fixtures for end-to-end conversations: the Flask app on a real port, virtual-alexa talking to it over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.services.identity.link_tokens import issue_token
from skill.settings import Settings
from skill.web import create_app
from tests.e2e.virtual_alexa import VirtualAlexa, VirtualAlexaDriver, driver_available
from tests.support.fake_gateway import FakeGateway
from tests.support.localstripe import serving
from tests.support.payments import DEMO_CARD, DEMO_CUSTOMER
from tests.support.recording_server import RecordingServer, recording_server

OpenConversation = Callable[..., VirtualAlexa]


@pytest.fixture(scope="session")
def alexa_driver() -> Iterator[VirtualAlexaDriver]:
    """One node process for the whole run (it takes about a second to start); each conversation resets it."""
    missing = driver_available()
    if missing:
        pytest.skip(f"end-to-end conversations need node and virtual-alexa ({missing})")
    driver = VirtualAlexaDriver()
    yield driver
    driver.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # virtual-alexa sends no signatures: the endpoint runs with the explicit development switch, as documented.
    return Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "PUBLIC_BASE_URL": "https://pay.example.test",
            "SECRET_KEY": "test-secret-key",
            "BILLPAY_VAR_DIR": str(tmp_path),
            "ALEXA_VERIFY_REQUESTS": "false",
        }
    )


@pytest.fixture
def gateway() -> FakeGateway:
    fake = FakeGateway()
    fake.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    return fake


@pytest.fixture
def services(settings: Settings, clock: FixedClock, gateway: FakeGateway) -> Iterator[Services]:
    built = bootstrap(settings, clock=clock, gateway=gateway)
    yield built
    built.dispose()


@pytest.fixture
def skill_url(services: Services) -> Iterator[str]:
    """The app from create_app() served by werkzeug on a free port (it listens before `serving` yields)."""
    with serving(create_app(services=services)) as base_url:
        yield f"{base_url}/alexa"


@pytest.fixture
def alexa_api() -> Iterator[RecordingServer]:
    """Stands in for Alexa's API endpoint, where the skill posts progressive responses."""
    with recording_server() as server:
        yield server


@pytest.fixture
def demo_token(services: Services, demo: DemoSummary) -> str:
    return issue_token(services.uow(), demo.email, services.clock, ttl=timedelta(days=30))


@pytest.fixture
def open_conversation(
    alexa_driver: VirtualAlexaDriver, skill_url: str, alexa_api: RecordingServer, demo_token: str
) -> OpenConversation:
    """open_conversation(locale=..., access_token=...): a fresh virtual-alexa session on the running endpoint."""

    def open_(locale: str = "en-US", access_token: str | None = demo_token) -> VirtualAlexa:
        return VirtualAlexa(
            alexa_driver, skill_url, locale=locale, access_token=access_token, api_endpoint=alexa_api.url
        )

    return open_


@pytest.fixture
def alexa(open_conversation: OpenConversation) -> VirtualAlexa:
    """The demo customer, linked, talking English (en-US)."""
    return open_conversation()
