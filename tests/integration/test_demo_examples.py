"""The README's copy-paste examples: docs/examples/ envelopes through the skill, and a payment link by the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from skill.alexa.entry import dispatch
from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary, seed_demo
from skill.domain.clock import FixedClock
from skill.domain.model import InvoiceStatus
from skill.settings import Settings
from skill.web import create_app
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import DEMO_CARD, DEMO_CUSTOMER, invoice, outbox

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def gateway() -> FakeGateway:
    fake = FakeGateway()
    fake.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)  # the seed's card, as the demo provisions it
    return fake


@pytest.fixture
def services(settings: Settings, clock: FixedClock, gateway: FakeGateway) -> Iterator[Services]:
    built = bootstrap(settings, clock=clock, gateway=gateway)
    yield built
    built.dispose()


@pytest.fixture
def token(services: Services) -> str:
    seed_demo(services.uow, services.clock)
    return services.identity.issue_token("alex@example.com", ttl=timedelta(days=7))


def example(name: str, token: str) -> dict[str, Any]:
    """The file as the README sends it: `sed "s/TOKEN/<token>/"`."""
    envelope: dict[str, Any] = json.loads((EXAMPLES / name).read_text().replace("TOKEN", token))
    return envelope


def speech(response: dict[str, Any]) -> str:
    return str(response["response"]["outputSpeech"]["ssml"])


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_every_example_is_a_request_envelope_the_readme_sends(name: str) -> None:
    envelope = json.loads((EXAMPLES / name).read_text())
    assert envelope["version"] == "1.0" and envelope["request"]["locale"] == "en-US"
    assert envelope["session"]["user"]["accessToken"] == "TOKEN"
    assert f"docs/examples/{name}" in README.read_text()


def test_list_bills_example_reads_the_demo_bills(services: Services, token: str) -> None:
    answer = speech(dispatch(services, example("list-bills-request.json", token)))
    assert "water bill" in answer and "electricity bill" in answer


def test_pay_example_in_two_turns_carrying_the_session_attributes(
    services: Services, token: str, gateway: FakeGateway
) -> None:
    first = dispatch(services, example("pay-bill-request.json", token))
    assert "To confirm: pay €94.30 for your electricity bill from Northwind Energy" in speech(first)
    assert gateway.charged == []
    yes = example("yes-request.json", token)
    yes["session"]["attributes"] = first.get("sessionAttributes", {})  # what the README's jq line does
    second = dispatch(services, yes)
    assert "You paid €94.30 to Northwind Energy" in speech(second)
    assert invoice(services, "NWE-2026-11").status is InvoiceStatus.PAID


def test_yes_without_the_carried_attributes_charges_nothing(
    services: Services, token: str, gateway: FakeGateway
) -> None:
    dispatch(services, example("pay-bill-request.json", token))
    dispatch(services, example("yes-request.json", token))
    assert gateway.charged == []


def test_payment_link_by_the_biller_api_with_a_cli_key(services: Services, demo_seeded: None) -> None:
    key = services.biller_api.issue_api_key("Aqua Pura Water").key  # billpay apikey create --biller ...
    client = create_app(services=services).test_client()
    auth = {"Authorization": f"Bearer {key}"}
    listed = client.get("/api/v1/invoices?status=open", headers=auth)
    assert listed.status_code == 200, listed.get_json()
    [bill] = [i for i in listed.get_json()["data"] if i["number"] == "AQP-2026-Q3"]
    sent = client.post(
        f"/api/v1/invoices/{bill['id']}/payment-requests", headers=auth, json={"channel": "email"}
    )
    assert sent.status_code in (200, 201, 202), sent.get_json()
    assert len(outbox(services, "payment_request")) == 1


@pytest.fixture
def demo_seeded(services: Services) -> DemoSummary:
    return seed_demo(services.uow, services.clock)
