"""`billpay demo run` as a real process: localstripe started for it, the demo card provisioned, webhooks wired."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from skill.bootstrap import bootstrap
from skill.demo.payments import PLACEHOLDER_CARD
from skill.demo.seed import DEMO_EMAIL
from skill.payments.localstripe_process import API_KEY, free_port
from skill.services.payments.mandates import pay_with_mandate
from skill.settings import Settings
from skill.storage import models as m
from tests.support.localstripe import wait_for

pytestmark = pytest.mark.stripe


@dataclass
class DemoProcess:
    process: subprocess.Popen[bytes]
    port: int
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:  # refused, reset or timed out while gunicorn boots
        return False


def accepts_connections(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def demo_process(database_url: str, tmp_path: Path) -> Iterator[DemoProcess]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIPE_")}
    env.update(DATABASE_URL=database_url, BILLPAY_VAR_DIR=str(tmp_path / "var"), SECRET_KEY="demo-test-key")
    output = tmp_path / "demo.log"
    with output.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "skill.cli", "demo", "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the whole group, as in a terminal
        )
    demo = DemoProcess(process, port, output)
    try:
        wait_for(lambda: healthy(port) or process.poll() is not None, timeout=60, what="billpay demo run")
        assert process.poll() is None, demo.text()
        yield demo
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_demo_run_provisions_the_card_pays_for_real_and_stops_everything_on_ctrl_c(
    demo_process: DemoProcess, database_url: str
) -> None:
    found = re.search(r"localstripe: (http://127\.0\.0\.1:(\d+))", demo_process.text())
    assert found, demo_process.text()
    localstripe_url, localstripe_port = found.group(1), int(found.group(2))
    env = {"DATABASE_URL": database_url, "STRIPE_API_KEY": API_KEY, "STRIPE_API_BASE": localstripe_url}
    services = bootstrap(Settings.from_env(env))
    try:
        with services.uow() as uow:
            customer = uow.customers.by_email(DEMO_EMAIL)
            [card] = uow.methods.active_for_customer(customer.id)
            bill = next(
                i for i in uow.invoices.outstanding_for_customer(customer.id) if i.number == "NWE-2026-11"
            )
            ids = (customer.id, customer.stripe_customer_id, card.id, card.provider_method_id, bill.id)
        customer_id, stripe_customer, card_id, provider_card, bill_id = ids
        assert provider_card.startswith("pm_") and provider_card != PLACEHOLDER_CARD
        assert stripe_customer and stripe_customer.startswith("cus_")

        outcome = pay_with_mandate(
            services.uow,
            services.gateway,
            services.clock,
            customer_id=customer_id,
            invoice_id=bill_id,
            amount_minor=9430,
            payment_method_id=card_id,
            idempotency_key="demo-run-test",
        )
        assert outcome.status == "succeeded"

        def webhook_reached_the_demo_server() -> bool:
            with services.uow() as uow:
                types = set(uow.session.scalars(select(m.ProcessedEvent.event_type)))
            return "payment_intent.succeeded" in types

        wait_for(webhook_reached_the_demo_server, what="localstripe's webhook to reach the demo server")
    finally:
        services.dispose()

    os.killpg(demo_process.process.pid, signal.SIGINT)  # Ctrl-C
    # gunicorn, the outbox worker (up to 15 s to finish a message) and localstripe all stop: allow for load.
    assert demo_process.process.wait(timeout=90) is not None
    assert not accepts_connections(demo_process.port)
    assert wait_for(lambda: not accepts_connections(localstripe_port), timeout=10, what="localstripe to stop")
