"""Fixtures for request-level skill tests: real envelopes through the skill's dispatch, on a real store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from skill.alexa.entry import dispatch
from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.services.identity.link_tokens import issue_token
from skill.settings import Settings
from tests.alexa.driver import AlexaClient
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import DEMO_CARD, DEMO_CUSTOMER


@pytest.fixture
def gateway() -> FakeGateway:
    fake = FakeGateway()
    fake.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    return fake


@pytest.fixture
def services(settings: Settings, clock: FixedClock, gateway: FakeGateway) -> Iterator[Services]:
    """The skill's services with an in-memory payment gateway that holds the demo card."""
    built = bootstrap(settings, clock=clock, gateway=gateway)
    yield built
    built.dispose()


@pytest.fixture
def demo_token(services: Services, demo: DemoSummary) -> str:
    return issue_token(services.uow(), demo.email, services.clock, ttl=timedelta(days=30))


@pytest.fixture
def alexa(services: Services, demo_token: str) -> AlexaClient:
    return AlexaClient(send=lambda event: dispatch(services, event), access_token=demo_token)


def add_bills(services: Services, demo: DemoSummary, count: int) -> None:
    """Give the demo customer `count` more open bills at the Northwind Energy account."""
    from skill.domain.model import BillType
    from skill.services.billing import ledger
    from skill.services.identity import directory

    with services.uow() as uow:
        biller = uow.billers.by_slug("northwind-energy")
        assert biller is not None
        biller_id = biller.id
    account = directory.account_id(services.uow(), demo.customer_id, biller_id)
    today = services.clock.today()
    for n in range(count):
        new = ledger.NewInvoice(
            biller_id,
            account,
            f"NWE-X-{n:04d}",
            BillType.ELECTRICITY,
            today,
            today + timedelta(days=20 + n),
            1000 + n,
            "EUR",
            f"Extra bill {n}",
        )
        ledger.create_invoice(services.uow(), new, services.clock)


@pytest.fixture
def many_bills(services: Services, demo: DemoSummary) -> int:
    add_bills(services, demo, 7)
    return 10
