"""The web-service endpoint end to end: signed requests drive the real skill; forged ones change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from cryptography.x509.verification import Store
from flask.testing import FlaskClient

from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.model import InvoiceStatus
from skill.services.identity.link_tokens import issue_token
from skill.settings import Settings
from skill.web import create_app
from skill.web.alexa_endpoint import VERIFIER_EXTENSION
from skill.web.alexa_verify import AlexaRequestVerifier
from tests.alexa.driver import SKILL_ID, AlexaClient, slot
from tests.conftest import NOW
from tests.support.alexa_signing import CERT_URL, Keys, build_chain, new_key, sign
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import DEMO_CARD, DEMO_CUSTOMER, invoice


@pytest.fixture
def gateway() -> FakeGateway:
    fake = FakeGateway()
    fake.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    return fake


@pytest.fixture
def skill_services(settings: Settings, clock: FixedClock, gateway: FakeGateway) -> Iterator[Services]:
    built = bootstrap(replace(settings, alexa_skill_id=SKILL_ID), clock=clock, gateway=gateway)
    yield built
    built.dispose()  # an engine left to the garbage collector leaks its PostgreSQL connections


@pytest.fixture
def signed_client(skill_services: Services, clock: FixedClock) -> tuple[FlaskClient, Any]:
    keys = Keys(root=new_key(), intermediate=new_key(), leaf=new_key(), stranger=new_key())
    chain = build_chain(keys, NOW)
    app = create_app(services=skill_services)
    app.extensions[VERIFIER_EXTENSION] = AlexaRequestVerifier(
        skill_id=SKILL_ID, clock=clock, fetcher=lambda url: chain.pem(), trust_store=Store([chain.root])
    )
    return app.test_client(), (chain, keys)


def http_sender(client: FlaskClient, key: Any) -> Any:
    def send(event: dict[str, Any]) -> dict[str, Any]:
        import json

        body = json.dumps(event).encode()
        headers = {"Signature-256": sign(body, key), "SignatureCertChainUrl": CERT_URL}
        response = client.post("/alexa", data=body, content_type="application/json", headers=headers)
        if response.status_code != 200:
            return {"status": response.status_code}
        result: dict[str, Any] = response.get_json()
        return result

    return send


def test_signed_requests_drive_the_skill_and_forged_ones_change_nothing(
    skill_services: Services, signed_client: tuple[FlaskClient, Any], demo: DemoSummary, gateway: FakeGateway
) -> None:
    client, (chain, keys) = signed_client
    token = issue_token(skill_services.uow(), demo.email, skill_services.clock, ttl=timedelta(days=30))
    alexa = AlexaClient(send=http_sender(client, chain.leaf_key), access_token=token)

    alexa.launch()
    assert "You have 3 open bills" in alexa.speech
    alexa.intent("PayBillIntent", slot("billType", "electricity", "electricity"))
    assert "Shall I go ahead?" in alexa.speech

    forger = AlexaClient(send=http_sender(client, keys.stranger), access_token=token)
    forger.attributes = dict(alexa.attributes)
    assert forger.intent("AMAZON.YesIntent") == {"status": 400}
    assert gateway.charged == []
    assert invoice(skill_services, "NWE-2026-11").status is InvoiceStatus.OPEN

    alexa.intent("AMAZON.YesIntent")
    assert alexa.speech.startswith("Done. You paid €94.30")
    assert invoice(skill_services, "NWE-2026-11").status is InvoiceStatus.PAID


def test_a_request_for_another_skill_is_refused(
    skill_services: Services, signed_client: tuple[FlaskClient, Any], demo: DemoSummary
) -> None:
    client, (chain, _keys) = signed_client
    event = AlexaClient(send=lambda e: e).envelope({"type": "LaunchRequest"})
    event["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    event["session"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    assert http_sender(client, chain.leaf_key)(event) == {"status": 400}
