"""The Stripe gateway without a network: signatures, decline mapping, configuration, and no Stripe at cold start."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import stripe

from skill.payments import build_gateway
from skill.payments.gateway import InvalidSignature, reason_for
from skill.payments.stripe_gateway import StripeGateway, _declined
from skill.payments.stripe_objects import payment_info
from skill.settings import ConfigError, Settings

SECRET = "whsec_unit"
BODY = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}})


def gateway(secret: str | None = SECRET) -> StripeGateway:
    return StripeGateway(
        api_key="sk_test_unit",
        webhook_secret=secret,
        publishable_key="pk_test_unit",
        payment_method_types=("card",),
        api_base="http://127.0.0.1:9",
    )


def test_a_correctly_signed_event_is_returned_as_a_plain_dict() -> None:
    header = stripe.WebhookSignature.generate_signature_header(BODY, SECRET)
    event = gateway().verify_webhook(BODY.encode(), header)
    assert type(event) is dict and event["data"]["object"]["id"] == "pi_1"


@pytest.mark.parametrize(
    ("body", "header"),
    [
        (BODY, None),
        (BODY, "t=1,v1=00"),
        (BODY + " ", stripe.WebhookSignature.generate_signature_header(BODY, SECRET)),
        (BODY, stripe.WebhookSignature.generate_signature_header(BODY, "whsec_other")),
        (BODY, stripe.WebhookSignature.generate_signature_header(BODY, SECRET, int(time.time()) - 3600)),
        ("[]", stripe.WebhookSignature.generate_signature_header("[]", SECRET)),
    ],
    ids=["missing", "wrong", "tampered-body", "other-secret", "stale", "not-an-event"],
)
def test_anything_not_signed_by_our_secret_is_refused(body: str, header: str | None) -> None:
    with pytest.raises(InvalidSignature):
        gateway().verify_webhook(body.encode(), header)


def test_without_a_secret_every_webhook_is_refused() -> None:
    header = stripe.WebhookSignature.generate_signature_header(BODY, SECRET)
    with pytest.raises(InvalidSignature):
        gateway(secret=None).verify_webhook(BODY.encode(), header)


def card_error(code: str, decline_code: str | None = None, intent: str | None = "pi_9") -> stripe.CardError:
    error = {"code": code, "decline_code": decline_code, "payment_intent": {"id": intent} if intent else None}
    return stripe.CardError("declined", None, code, json_body={"error": error}, http_status=402)


def test_the_authentication_required_error_is_an_outcome_not_a_decline() -> None:
    result = _declined(card_error("authentication_required"))
    assert (result.status, result.provider_reference, result.failure_code) == (
        "requires_action",
        "pi_9",
        "authentication_required",
    )


@pytest.mark.parametrize(
    ("code", "decline_code", "reason"),
    [
        ("card_declined", "insufficient_funds", "insufficient_funds"),
        ("card_declined", "stolen_card", "lost_or_stolen"),
        ("card_declined", "generic_decline", "card_declined"),
        ("card_declined", None, "card_declined"),
        ("expired_card", None, "expired_card"),
        ("something_new", None, "payment_failed"),
    ],
)
def test_declines_map_to_stable_plain_reasons(code: str, decline_code: str | None, reason: str) -> None:
    assert reason_for(code, decline_code) == reason
    assert _declined(card_error(code, decline_code, intent=None)).failure_code == reason


def test_an_intent_waiting_for_a_new_method_after_an_error_reads_as_failed() -> None:
    intent = {
        "id": "pi_1",
        "status": "requires_payment_method",
        "amount": 4560,
        "currency": "eur",
        "last_payment_error": {"code": "card_declined"},
        "latest_charge": {"id": "ch_1", "amount_refunded": 100},
        "customer": {"id": "cus_1"},
    }
    info = payment_info(intent)
    assert (info.status, info.failure_code, info.currency, info.refunded_minor, info.customer) == (
        "failed",
        "card_declined",
        "EUR",
        100,
        "cus_1",
    )
    assert payment_info({**intent, "last_payment_error": None}).status == "open"


def test_a_payment_without_a_stripe_key_is_a_clear_configuration_error() -> None:
    settings = Settings.from_env({"DATABASE_URL": "sqlite:///x.db"})
    with pytest.raises(ConfigError, match="STRIPE_API_KEY"):
        build_gateway(settings)


def test_localstripe_settings_give_the_browser_its_shim_and_a_test_key() -> None:
    env = {
        "DATABASE_URL": "sqlite:///x.db",
        "STRIPE_API_KEY": "sk_test_x",
        "STRIPE_API_BASE": "http://127.0.0.1:8420",
    }
    browser = build_gateway(Settings.from_env(env)).browser_config()
    assert (browser.publishable_key, browser.js_url) == (
        "pk_test_localstripe",
        "http://127.0.0.1:8420/js.stripe.com/v3/",
    )


def test_the_web_app_and_the_skill_start_without_importing_stripe(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys\n"
        "from skill.settings import Settings\n"
        "from skill.web import create_app\n"
        f"create_app(Settings.from_env({{'DATABASE_URL': 'sqlite:///{tmp_path}/x.db', 'STRIPE_API_KEY': 'sk_test_x'}}))\n"
        "import skill.alexa.entry\n"
        "print('stripe' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


def test_stripe_is_imported_by_the_stripe_gateway_only() -> None:
    package = Path(__file__).resolve().parents[2] / "skill"
    importers = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(n.split(".")[0] == "stripe" for n in names):
                importers.add(str(path.relative_to(package)))
    assert importers == {"payments/stripe_gateway.py"}


def test_customers_created_for_the_same_id_in_two_environments_get_their_own_keys() -> None:
    keys: list[str] = []

    class Customers:
        def create(self, params: dict[str, object], options: dict[str, str]) -> stripe.Customer:
            keys.append(options["idempotency_key"])
            return stripe.Customer.construct_from({"id": f"cus_{len(keys)}"}, "sk_test_unit")

    staging, production = gateway(), gateway()
    for env in (staging, production):
        env._client = type("Client", (), {"v1": type("V1", (), {"customers": Customers()})()})()

    assert staging.ensure_customer(existing_id=None, our_customer_id=1) == "cus_1"
    assert production.ensure_customer(existing_id=None, our_customer_id=1) == "cus_2"
    assert keys[0] != keys[1]  # a shared key would give production staging's customer (and its cards)
