"""localstripe as a real process for integration tests, and the running app it delivers webhooks to."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import stripe
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from skill.payments.localstripe_process import API_KEY, LocalStripe, start_localstripe

DECLINED_CARD = "4000000000000341"  # attaches, then every charge is declined
THREE_D_SECURE_CARD = "4000002500003155"  # needs authentication on every charge
FAILING_IBAN = "DE62370400440532013001"  # processing, then failed
GOOD_IBAN = "DE89370400440532013000"


@contextmanager
def running_localstripe(state_dir: Path) -> Iterator[LocalStripe]:
    server = start_localstripe(state_dir)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve a WSGI app on a free loopback port in a thread; yields its base URL."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="billpay-test-app", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_hex(16)


def client(server: LocalStripe) -> stripe.StripeClient:
    """A Stripe client for the test itself (it plays Stripe.js and the dashboard)."""
    return stripe.StripeClient(API_KEY, base_addresses={"api": server.base_url})


def card_method(server: LocalStripe, number: str, customer: str) -> str:
    """What Stripe.js would create in the browser: a card PaymentMethod, attached to the customer."""
    stripe_client = client(server)
    card = {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"}
    method = stripe_client.v1.payment_methods.create({"type": "card", "card": card})
    stripe_client.v1.payment_methods.attach(method.id, {"customer": customer})
    return str(method.id)


def sepa_method(server: LocalStripe, iban: str, customer: str) -> str:
    stripe_client = client(server)
    method = stripe_client.v1.payment_methods.create({"type": "sepa_debit", "sepa_debit": {"iban": iban}})
    stripe_client.v1.payment_methods.attach(method.id, {"customer": customer})
    return str(method.id)


def payment_intents(server: LocalStripe) -> list[dict[str, Any]]:
    intents: list[dict[str, Any]] = server.get("/v1/payment_intents?limit=100")["data"]
    return intents


def charged(server: LocalStripe) -> list[dict[str, Any]]:
    """PaymentIntents that took money."""
    return [i for i in payment_intents(server) if i["status"] in ("succeeded", "processing")]


def wait_for(condition: Callable[[], Any], *, timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll until `condition()` is truthy (webhooks arrive about a second after the event)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
