"""Issue #3's and #4's acceptance, spoken: `billpay serve` (gunicorn, two workers) on the demo data seeded by
`billpay demo seed`, a token from `billpay token issue`, payments through a real localstripe process.

Everything the customer does goes through virtual-alexa and HTTP; the test reads the store and localstripe.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from skill.bootstrap import Services
from skill.demo.seed import DEMO_EMAIL
from skill.payments.localstripe_process import API_KEY, LocalStripe, free_port
from skill.storage import models as m
from tests.e2e.store import bill_states
from tests.e2e.virtual_alexa import SkillError, VirtualAlexa, VirtualAlexaDriver
from tests.support.localstripe import charged, new_webhook_secret, payment_intents, wait_for
from tests.support.payments import outbox
from tests.support.recording_server import RecordingServer

pytestmark = pytest.mark.e2e

BILLPAY = [sys.executable, "-m", "skill.cli"]
READY_TIMEOUT_SECONDS = 60.0


@dataclass
class Served:
    url: str
    log: Path

    @property
    def skill_url(self) -> str:
        return f"{self.url}/alexa"


def base_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "ALEXA_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=database_url,
        BILLPAY_VAR_DIR=str(tmp_path / "var"),
        PUBLIC_BASE_URL="https://pay.example.test",
        SECRET_KEY="e2e-serve-secret",
    )
    return env


def billpay(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*BILLPAY, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"billpay {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def answers_health(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):  # refused while binding, a read timeout while a worker boots
        return False


@contextmanager
def billpay_serve(env: dict[str, str], log: Path) -> Iterator[Served]:
    """`billpay serve` as its own process group on a free port; stopped with SIGTERM to that process only."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*BILLPAY, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        served = Served(f"http://127.0.0.1:{port}", log)
        try:
            wait_for(
                lambda: process.poll() is not None or answers_health(served.url),
                timeout=READY_TIMEOUT_SECONDS,
                what="billpay serve to answer /healthz",
            )
            assert process.poll() is None, f"billpay serve exited:\n{log.read_text(errors='replace')}"
            yield served
        finally:
            process.terminate()  # gunicorn's master stops its workers on SIGTERM
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def webhook_secret() -> str:
    return new_webhook_secret()


@pytest.fixture
def serve_env(
    database_url: str, tmp_path: Path, localstripe: LocalStripe, webhook_secret: str
) -> dict[str, str]:
    env = base_env(database_url, tmp_path)
    env.update(
        STRIPE_API_KEY=API_KEY,
        STRIPE_API_BASE=localstripe.base_url,
        STRIPE_WEBHOOK_SECRET=webhook_secret,
        ALEXA_VERIFY_REQUESTS="false",  # virtual-alexa signs nothing: the explicit development switch
    )
    billpay(env, "demo", "seed")  # with STRIPE_API_KEY set, this provisions the demo card in localstripe
    return env


@pytest.fixture
def served(
    serve_env: dict[str, str], tmp_path: Path, localstripe: LocalStripe, webhook_secret: str
) -> Iterator[Served]:
    with billpay_serve(serve_env, tmp_path / "serve.log") as running:
        localstripe.register_webhook("billpay", f"{running.url}/webhooks/stripe", webhook_secret)
        yield running


@pytest.fixture
def token(serve_env: dict[str, str]) -> str:
    return billpay(serve_env, "token", "issue", "--customer", DEMO_EMAIL).strip()


def conversation(
    driver: VirtualAlexaDriver, served: Served, token: str, api: RecordingServer, locale: str = "en-US"
) -> VirtualAlexa:
    return VirtualAlexa(driver, served.skill_url, locale=locale, access_token=token, api_endpoint=api.url)


def processed_webhooks(services: Services) -> set[str]:
    with services.uow() as uow:
        return set(uow.session.scalars(select(m.ProcessedEvent.event_type)))


@pytest.mark.stripe
def test_pay_my_electricity_bill_then_yes_charges_the_demo_card_once_in_localstripe(
    alexa_driver: VirtualAlexaDriver,
    served: Served,
    token: str,
    alexa_api: RecordingServer,
    localstripe: LocalStripe,
    services: Services,
) -> None:
    alexa = conversation(alexa_driver, served, token, alexa_api)
    assert alexa.launch().startswith("Hi Alex. You have 3 open bills, one of them overdue, €259.90 in total.")
    assert alexa.utter("pay my electricity bill") == (
        "To confirm: pay €94.30 for your electricity bill from Northwind Energy, "
        "with your Visa ending in 4242. Shall I go ahead?"
    )
    assert payment_intents(localstripe) == []  # nothing before the yes

    done = alexa.utter("yes")
    assert done.startswith("Done. You paid €94.30 to Northwind Energy.")
    [intent] = charged(localstripe)
    assert (intent["amount"], intent["currency"], intent["status"]) == (9430, "eur", "succeeded")
    with services.uow() as uow:
        customer = uow.customers.by_email(DEMO_EMAIL)
        assert customer is not None and intent["customer"] == customer.stripe_customer_id
    assert bill_states(services)["NWE-2026-11"] == ("paid", 9430)

    # Alexa delivers the same "yes" again (same request id, same session): nothing more is charged.
    assert alexa.replay().startswith("Done. You paid €94.30 to Northwind Energy.")
    # localstripe's webhook for the payment reaches the running app too, and changes nothing either.
    wait_for(lambda: "payment_intent.succeeded" in processed_webhooks(services), what="the webhook")
    assert len(payment_intents(localstripe)) == 1
    assert bill_states(services)["NWE-2026-11"] == ("paid", 9430)
    assert len(outbox(services, "receipt")) == 1
    assert alexa.utter("what do I owe").startswith("You have 2 open bills.")


LOCALE_PHRASES = [
    ("en-US", "what do I owe", ["You have 3 open bills.", "€94.30", "€45.60", "€120.00"]),
    ("en-GB", "what bills are due this week", ["Lumen Mobile", "€120.00"]),
    ("de-DE", "was schulde ich", ["Sie haben 3 offene Rechnungen.", "94,30 €", "überfällig"]),
    ("nl-NL", "wat moet ik betalen", ["U hebt 3 openstaande rekeningen.", "€ 94,30", "achterstallig"]),
]


@pytest.mark.stripe
def test_bills_heard_and_a_link_asked_for_in_every_locale_on_the_production_server(
    alexa_driver: VirtualAlexaDriver,
    served: Served,
    token: str,
    alexa_api: RecordingServer,
    localstripe: LocalStripe,
    services: Services,
) -> None:
    for sent, (locale, phrase, heard) in enumerate(LOCALE_PHRASES, start=1):
        alexa = conversation(alexa_driver, served, token, alexa_api, locale=locale)
        alexa.launch()
        said = alexa.utter(phrase)
        assert all(part in said for part in heard), f"{locale}: {said}"
        alexa.intend("SendLinkIntent", billType="water")
        assert "5678" in alexa.last.speech, (
            f"{locale}: {alexa.last.speech}"
        )  # where it went, in every language
        messages = outbox(services, "payment_request")
        assert len(messages) == sent
        assert {(m.channel, m.recipient, m.payload["invoice_number"]) for m in messages} == {
            ("sms", "+31612345678", "AQP-2026-Q3")
        }
    assert payment_intents(localstripe) == [] and bill_states(services)["AQP-2026-Q3"] == ("open", 0)


def test_without_the_development_switch_unsigned_requests_get_400(
    alexa_driver: VirtualAlexaDriver, database_url: str, tmp_path: Path, alexa_api: RecordingServer
) -> None:
    env = base_env(database_url, tmp_path)
    billpay(env, "demo", "seed")
    token = billpay(env, "token", "issue", "--customer", DEMO_EMAIL).strip()
    with billpay_serve(env, tmp_path / "serve.log") as running:
        alexa = conversation(alexa_driver, running, token, alexa_api)
        with pytest.raises(SkillError, match="Invalid response: 400"):
            alexa.launch()
