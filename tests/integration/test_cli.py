"""The `billpay` console script, run as a subprocess against a fresh database on the backend under test."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from skill.bootstrap import Services, bootstrap
from skill.domain.clock import SystemClock
from skill.domain.model import InvoiceStatus, MandateStatus, MethodKind, is_overdue
from skill.services.identity.link_tokens import resolve_access_token
from skill.settings import Settings
from skill.storage import models as m
from skill.storage.migrate import alembic_config
from tests.support.store import empty_database

BILLPAY = Path(sys.executable).with_name("billpay")
DEMO_EMAIL = "alex@example.com"
# Variables that would change what the commands do (a real Stripe key would provision the demo card).
_SCRUBBED = ("DATABASE_URL", "STRIPE_API_KEY", "STRIPE_API_BASE", "BILLPAY_DEFAULT_LOCALE", "PUBLIC_BASE_URL")


def _env(url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    return {**env, "DATABASE_URL": url, "BILLPAY_VAR_DIR": str(tmp_path / "var"), **extra}


def billpay(*args: str, url: str, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BILLPAY), *args],
        env=_env(url, tmp_path, **extra),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _head() -> str:
    (head,) = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    return head


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """A database nothing has touched: a SQLite path in a directory that does not exist yet, or a new PG db."""
    with empty_database(tmp_path / "not-yet") as url:
        yield url


@pytest.fixture
def migrated_url(fresh_url: str, tmp_path: Path) -> str:
    done = billpay("db", "upgrade", url=fresh_url, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    return fresh_url


@pytest.fixture
def seeded_url(migrated_url: str, tmp_path: Path) -> str:
    done = billpay("demo", "seed", url=migrated_url, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    return migrated_url


@pytest.fixture
def reader(fresh_url: str) -> Iterator[Services]:
    services = bootstrap(Settings(database_url=fresh_url), clock=SystemClock())
    yield services
    services.dispose()


def test_db_upgrade_migrates_an_empty_database(fresh_url: str, tmp_path: Path) -> None:
    done = billpay("db", "upgrade", url=fresh_url, tmp_path=tmp_path)
    assert (done.returncode, done.stdout) == (0, f"database is at revision {_head()}\n"), done.stderr


def test_demo_seed_prints_the_customer_email_and_the_three_billers(migrated_url: str, tmp_path: Path) -> None:
    done = billpay("demo", "seed", url=migrated_url, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"Demo customer email: {DEMO_EMAIL}" in done.stdout.splitlines()
    assert "Seeded billers: Northwind Energy, Aqua Pura Water, Lumen Mobile" in done.stdout.splitlines()
    assert "Visa ending 4242" in done.stdout


def test_demo_seed_creates_exactly_the_promised_demo_world(seeded_url: str, reader: Services) -> None:
    today = datetime.now(UTC).date()
    with reader.uow() as uow:
        assert [b.name for b in uow.billers.all()] == ["Northwind Energy", "Aqua Pura Water", "Lumen Mobile"]
        customer = uow.customers.by_email(DEMO_EMAIL)
        assert customer is not None
        assert uow.session.scalar(select(func.count()).select_from(m.Customer)) == 1
        bills = {
            (
                i.biller.name,
                str(i.bill_type),
                InvoiceStatus(i.status),
                i.currency,
                is_overdue(i.status, i.due_date, today),
            )
            for i in uow.invoices.for_customer(customer.id)
        }
        methods = [
            (p.kind, p.label, p.is_default, p.mandate_status)
            for p in uow.methods.active_for_customer(customer.id)
        ]
    assert bills == {
        ("Northwind Energy", "electricity", InvoiceStatus.PAID, "EUR", False),  # last month's, for comparison
        ("Northwind Energy", "electricity", InvoiceStatus.OPEN, "EUR", False),
        ("Aqua Pura Water", "water", InvoiceStatus.OPEN, "EUR", True),
        ("Lumen Mobile", "phone", InvoiceStatus.PARTIALLY_PAID, "EUR", False),
    }
    assert methods == [(MethodKind.CARD, "Visa ending 4242", True, MandateStatus.ACTIVE)]


def test_demo_seed_twice_is_refused_with_a_clear_message(
    seeded_url: str, tmp_path: Path, reader: Services
) -> None:
    with reader.uow() as uow:
        invoices_before = uow.session.scalar(select(func.count()).select_from(m.Invoice))
    again = billpay("demo", "seed", url=seeded_url, tmp_path=tmp_path)
    assert again.returncode != 0
    assert again.stderr == "billpay: the demo data is already in this database\n"
    with reader.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(m.Invoice)) == invoices_before


def test_demo_seed_on_an_unmigrated_database_says_to_migrate(fresh_url: str, tmp_path: Path) -> None:
    Path(tmp_path / "not-yet").mkdir(exist_ok=True)
    done = billpay("demo", "seed", url=fresh_url, tmp_path=tmp_path)
    assert done.returncode == 3
    assert "billpay db upgrade" in done.stderr
    assert "Traceback" not in done.stderr


def test_token_issue_prints_only_a_token_that_resolves_to_the_customer(
    seeded_url: str, tmp_path: Path, reader: Services
) -> None:
    done = billpay("token", "issue", "--customer", DEMO_EMAIL, url=seeded_url, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}\n", done.stdout)
    linked = resolve_access_token(reader.uow(), done.stdout.strip(), reader.clock)
    assert linked is not None
    assert (linked.email, linked.name) == (DEMO_EMAIL, "Alex Demo")


def test_token_issue_for_an_unknown_email_fails_clearly(seeded_url: str, tmp_path: Path) -> None:
    done = billpay("token", "issue", "--customer", "nobody@example.com", url=seeded_url, tmp_path=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "billpay: no customer with this email\n"


@pytest.mark.parametrize(
    "command", [["db", "upgrade"], ["demo", "seed"], ["token", "issue", "--customer", DEMO_EMAIL]]
)
def test_a_bad_database_url_exits_2_naming_the_variable(command: list[str], tmp_path: Path) -> None:
    done = billpay(*command, url="mysql://root@localhost/billpay", tmp_path=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("billpay: configuration error: DATABASE_URL ")
    assert "Traceback" not in done.stderr


def test_any_malformed_setting_exits_2_naming_it(migrated_url: str, tmp_path: Path) -> None:
    done = billpay("db", "upgrade", url=migrated_url, tmp_path=tmp_path, PAYMENT_LINK_TTL_HOURS="three days")
    assert done.returncode == 2
    assert "PAYMENT_LINK_TTL_HOURS" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--port", "notaport"], "port must be a number, got 'notaport'"),
        (["serve", "--port", "70000"], "port must be between 1 and 65535"),
        (["token", "issue"], "the following arguments are required: --customer"),
        (["db"], "the following arguments are required: db_command"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_arguments_are_argparse_errors(args: list[str], message: str, tmp_path: Path) -> None:
    done = billpay(*args, url="sqlite:///unused.sqlite3", tmp_path=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("usage: billpay")
    assert message in done.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _healthz_of_served(url: str, tmp_path: Path, path: str = "/readyz") -> requests.Response:
    return _served(url, tmp_path, path)[path]


def _served(url: str, tmp_path: Path, *paths: str) -> dict[str, requests.Response]:
    """Start `billpay serve` on a free port, wait (with a deadline) until it answers, GET each path, stop it."""
    port = _free_port()
    log = tmp_path / f"serve-{port}.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(BILLPAY), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=_env(url, tmp_path, SECRET_KEY="cli-test-secret"),
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                return {path: requests.get(f"http://127.0.0.1:{port}{path}", timeout=5) for path in paths}
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"billpay serve did not answer in time:\n{log.read_text()}"
                    ) from None
            try:
                server.wait(timeout=0.2)  # the poll interval; returns early only if the server died
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(f"billpay serve exited ({server.returncode}):\n{log.read_text()}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# /healthz is liveness since issue 16 (it answered for the database before): the database checks are /readyz's.
def test_serve_answers_readyz_with_the_schema_revision(migrated_url: str, tmp_path: Path) -> None:
    response = _healthz_of_served(migrated_url, tmp_path)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "schema_revision": _head(),
        "schema_head": _head(),
        "outbox_lag_seconds": 0.0,
        "outbox_max_lag_seconds": 300.0,
    }


def test_serve_readyz_is_503_when_the_database_is_not_migrated(fresh_url: str, tmp_path: Path) -> None:
    (tmp_path / "not-yet").mkdir(exist_ok=True)
    response = _healthz_of_served(fresh_url, tmp_path)
    assert response.status_code == 503
    assert response.json()["failed"] == "schema" and response.json()["schema_revision"] is None


def test_serve_readyz_is_503_but_healthz_200_when_the_database_is_unreachable(tmp_path: Path) -> None:
    answers = _served(
        f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'db.sqlite3'}", tmp_path, "/readyz", "/healthz"
    )
    assert answers["/readyz"].status_code == 503
    assert answers["/readyz"].json() == {
        "status": "unavailable",
        "failed": "database",
        "database": "unreachable",
    }
    assert (answers["/healthz"].status_code, answers["/healthz"].json()) == (200, {"status": "ok"})


def test_serve_logs_json_lines_with_the_request_id_and_serves_metrics(
    migrated_url: str, tmp_path: Path
) -> None:
    answers = _served(migrated_url, tmp_path, "/metrics")
    assert answers["/metrics"].status_code == 200
    assert "billpay_outbox_lag_seconds 0.0" in answers["/metrics"].text
    lines = [json.loads(line) for line in next(tmp_path.glob("serve-*.log")).read_text().splitlines()]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert access and all(line["request_id"] for line in access)
    assert any(line["logger"] == "gunicorn.error" for line in lines)
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)


def test_serve_without_a_secret_key_refuses_to_start(database_url: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(BILLPAY), "serve", "--port", str(_free_port())],
        env=_env(database_url, tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "SECRET_KEY must be set" in done.stderr
