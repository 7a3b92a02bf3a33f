"""Acceptance: "pay my electricity bill", "yes" charges the provisioned demo card once in localstripe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from skill.alexa.entry import dispatch
from skill.bootstrap import Services
from skill.demo.payments import provision_demo_card
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.model import InvoiceStatus
from skill.payments.localstripe_process import API_KEY, LocalStripe
from skill.services.identity.link_tokens import issue_token
from skill.settings import Settings
from tests.alexa.driver import AlexaClient, slot
from tests.support.localstripe import charged, payment_intents
from tests.support.payments import invoice

pytestmark = pytest.mark.stripe


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def settings(database_url: str, tmp_path: Path, localstripe: LocalStripe) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "BILLPAY_VAR_DIR": str(tmp_path),
            "SECRET_KEY": "test-secret-key",
            "STRIPE_API_KEY": API_KEY,
            "STRIPE_API_BASE": localstripe.base_url,
            "STRIPE_WEBHOOK_SECRET": "whsec_voice_test",
        }
    )


def test_pay_my_electricity_bill_then_yes_charges_the_demo_card_once(
    services: Services, demo: DemoSummary, localstripe: LocalStripe
) -> None:
    provision_demo_card(services.uow, services.gateway, services.clock)
    token = issue_token(services.uow(), demo.email, services.clock, ttl=timedelta(days=1))
    alexa = AlexaClient(send=lambda event: dispatch(services, event), access_token=token)

    alexa.intent("PayBillIntent", slot("billType", "electricity", "electricity"))
    assert payment_intents(localstripe) == []  # nothing before the yes
    confirmation = dict(alexa.attributes)
    alexa.intent("AMAZON.YesIntent", request_id="amzn1.echo-api.request.delivered-twice")
    alexa.attributes = confirmation  # the same turn arrives again
    alexa.intent("AMAZON.YesIntent", request_id="amzn1.echo-api.request.delivered-twice")

    [intent] = charged(localstripe)
    assert (intent["amount"], intent["status"]) == (9430, "succeeded")
    assert len(payment_intents(localstripe)) == 1
    bill = invoice(services, "NWE-2026-11")
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.PAID, 9430)
