"""A `billpay worker` killed with SIGKILL mid-batch, then two new workers: every message delivered exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skill.bootstrap import Services
from skill.settings import Settings
from tests.support.fake_senders import queue
from tests.support.smtp import SmtpServer
from tests.support.twilio_server import TwilioServer

LEASE_SECONDS = 4


def billpay() -> list[str]:
    script = Path(sys.executable).with_name("billpay")
    return [str(script)] if script.exists() else [sys.executable, "-m", "skill.cli"]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        pause.wait(0.05)


@pytest.fixture
def worker_env(
    settings: Settings, smtp_server: SmtpServer, twilio_server: TwilioServer, tmp_path: Path
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SMTP_", "NOTIFY_"))}
    env.update(
        DATABASE_URL=settings.database_url,
        BILLPAY_VAR_DIR=str(tmp_path),
        NOTIFY_BACKEND="live",
        NOTIFY_LEASE_SECONDS=str(LEASE_SECONDS),
        NOTIFY_SEND_TIMEOUT_SECONDS="2",
        NOTIFY_POLL_SECONDS="0.1",
        TWILIO_ACCOUNT_SID=twilio_server.account_sid,
        TWILIO_AUTH_TOKEN=twilio_server.auth_token,
        TWILIO_FROM="+15005550006",
        TWILIO_API_BASE=twilio_server.base_url,
        SMTP_HOST=smtp_server.host,
        SMTP_PORT=str(smtp_server.port),
        SMTP_FROM="billing@billpay.example",
        SMTP_STARTTLS="false",
    )
    return env


@pytest.fixture
def start_worker(
    worker_env: dict[str, str], tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> subprocess.Popen[bytes]:
        with (tmp_path / f"worker-{len(started)}.log").open("wb") as log:
            process = subprocess.Popen([*billpay(), "worker", *args], env=worker_env, stdout=log, stderr=log)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def statuses(services: Services) -> Counter[str]:
    with services.uow() as uow:
        from sqlalchemy import select

        from skill.storage import models as m

        return Counter(uow.session.scalars(select(m.OutboxMessage.status)).all())


def test_killed_worker_then_two_new_workers_deliver_every_message_exactly_once(
    services: Services,
    smtp_server: SmtpServer,
    twilio_server: TwilioServer,
    start_worker: Callable[..., subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)  # the worker processes run on the system clock
    sms_ids = queue(services, 6, recipient="+46701234567", now=now)
    email_ids = queue(services, 6, channel="email", recipient="kund@example.org", locale="sv-SE", now=now)
    twilio_server.hold_next()  # Twilio accepts the first SMS, then the worker dies waiting for the answer

    first = start_worker("--batch", "4")
    assert twilio_server.holding.wait(timeout=60), "the first worker never reached Twilio"
    first.send_signal(signal.SIGKILL)
    assert first.wait(timeout=10) == -signal.SIGKILL
    twilio_server.release.set()
    assert statuses(services)["sent"] == 0

    second, third = start_worker("--batch", "3"), start_worker("--batch", "3")
    for number in (1, 2):  # SIGTERM before the handler is installed would kill rather than stop a worker
        log = tmp_path / f"worker-{number}.log"
        wait_for(
            lambda log=log: "worker starting" in log.read_text(), timeout=60, what=f"worker {number} to start"
        )
    wait_for(lambda: statuses(services) == {"sent": 12}, timeout=90, what="all 12 messages to be sent")
    for number, process in enumerate((second, third), start=1):
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
        assert code == 0, f"exit {code}: " + (tmp_path / f"worker-{number}.log").read_text()

    posted = [r.form["Body"][0] for r in twilio_server.requests if r.method == "POST" and r.status == 201]
    assert len(posted) == len(set(posted)) == len(sms_ids), "each SMS reached Twilio exactly once"
    assert any(r.method == "GET" for r in twilio_server.requests), "the held SMS was reconciled, not resent"
    delivered = Counter(mail["X-Billpay-Outbox-Id"] for mail in smtp_server.handler.messages())
    assert delivered == Counter({str(i): 1 for i in email_ids}), "each email reached the SMTP server once"
    with services.uow() as uow:
        held = uow.outbox.get(sms_ids[0])
        assert held is not None and held.provider_ref == twilio_server.messages[0]["sid"]
    logs = "".join(p.read_text() for p in tmp_path.glob("worker-*.log"))
    assert "+46701234567" not in logs and "kund@example.org" not in logs and "/pay/" not in logs
