"""Fixtures for the payment-link and wallet pages on Flask's test client with the in-memory gateway."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.model import Channel
from skill.services.links.payment_links import send_payment_link
from skill.settings import Settings
from skill.web import create_app
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import invoice

WATER = "AQP-2026-Q3"  # 45.60 EUR, overdue, no partial payments
ELECTRICITY = "NWE-2026-11"  # 94.30 EUR, partial payments from 10.00


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def services(settings: Settings, clock: FixedClock, gateway: FakeGateway) -> Iterator[Services]:
    built = bootstrap(settings, clock=clock, gateway=gateway)
    yield built
    built.dispose()


@pytest.fixture
def client(services: Services) -> FlaskClient:
    return create_app(services=services).test_client()


def link_for(services: Services, demo: DemoSummary, number: str, amount_minor: int | None = None) -> str:
    """A payment link for one of the demo bills; returns the raw token."""
    sent = send_payment_link(
        services.uow(),
        services.clock,
        base_url="https://pay.example.test",
        ttl=timedelta(hours=72),
        customer_id=demo.customer_id,
        invoice_id=invoice(services, number).id,
        requested_via=Channel.ALEXA,
        amount_minor=amount_minor,
    )
    return sent.url.rsplit("/", 1)[1]


@pytest.fixture
def water_token(services: Services, demo: DemoSummary) -> str:
    return link_for(services, demo, WATER)


def csrf_of(html: str) -> str:
    match = re.search(r'data-csrf="([^"]+)"', html) or re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
