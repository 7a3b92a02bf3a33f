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


def _start_second_demo(
    demo: DemoProcess, database_url: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIPE_")}
    env.update(DATABASE_URL=database_url, BILLPAY_VAR_DIR=str(tmp_path / "var"), SECRET_KEY="demo-test-key")
    command = [
        sys.executable,
        "-m",
        "skill.cli",
        "demo",
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        str(free_port()),
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def _snapshot(database_url: str, var_dir: Path) -> tuple[object, ...]:
    """Every row of every table, every file under var/mailbox/, and the token file with its mode and mtime."""
    services = bootstrap(Settings.from_env({"DATABASE_URL": database_url}))
    try:
        with services.engine.connect() as conn:
            rows = {
                t.name: sorted(map(repr, conn.execute(t.select()))) for t in m.Base.metadata.sorted_tables
            }
    finally:
        services.dispose()
    mail = sorted(
        (str(p.relative_to(var_dir)), p.read_bytes()) for p in var_dir.glob("mailbox/**/*") if p.is_file()
    )
    token = var_dir / "demo-linking-token"
    return rows, mail, token.read_bytes(), token.stat().st_mode, token.stat().st_mtime_ns


def _printed_token(output: str) -> str:
    found = re.search(r"account-linking token for the demo customer \(([^)]*)\): (\S+)", output)
    assert found, output
    return found.group(2)


def test_a_second_demo_on_the_same_var_refuses_naming_the_first_and_changes_nothing(
    demo_process: DemoProcess, database_url: str, tmp_path: Path
) -> None:
    var_dir = tmp_path / "var"
    # The running demo's own provisioning is still echoing back as a webhook: let it land first.
    wait_for(
        lambda: "customer.created" in repr(_snapshot(database_url, var_dir)[0]), what="the demo's webhook"
    )
    before = _snapshot(database_url, var_dir)
    second = _start_second_demo(demo_process, database_url, tmp_path)
    assert second.returncode == 1, second.stdout + second.stderr
    assert f"pid {demo_process.process.pid}, http://127.0.0.1:{demo_process.port}" in second.stderr
    assert "Nothing was changed" in second.stderr
    assert "localstripe" not in second.stdout and "token" not in second.stdout
    assert _snapshot(database_url, var_dir) == before
    assert healthy(demo_process.port)  # the running demo is untouched


def test_a_restarted_demo_prints_the_same_linking_token(
    demo_process: DemoProcess, database_url: str, tmp_path: Path
) -> None:
    first = _printed_token(demo_process.text())
    assert "new, valid 7 days" in demo_process.text()
    assert re.search(r"first healthy answer after \d+\.\d s", demo_process.text()) or wait_for(
        lambda: re.search(r"first healthy answer after \d+\.\d s", demo_process.text()),
        what="the demo's timing",
    )
    os.killpg(demo_process.process.pid, signal.SIGINT)
    assert demo_process.process.wait(timeout=90) is not None
    with (tmp_path / "restart.log").open("wb") as log:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("STRIPE_")}
        env.update(
            DATABASE_URL=database_url, BILLPAY_VAR_DIR=str(tmp_path / "var"), SECRET_KEY="demo-test-key"
        )
        restarted = subprocess.Popen(
            [sys.executable, "-m", "skill.cli", "demo", "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: healthy(port) or restarted.poll() is not None, timeout=60, what="the restarted demo")
        output = (tmp_path / "restart.log").read_text()
        assert _printed_token(output) == first and "still valid, reused" in output
    finally:
        os.killpg(restarted.pid, signal.SIGKILL)
        restarted.wait(timeout=10)
    services = bootstrap(Settings.from_env({"DATABASE_URL": database_url}))
    try:
        with services.uow() as uow:
            assert len(uow.session.scalars(select(m.LinkedAccountToken)).all()) == 1
    finally:
        services.dispose()
