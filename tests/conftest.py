"""Shared fixtures: a migrated database per test (SQLite by default, PostgreSQL via TEST_DATABASE_URL)."""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary, seed_demo
from skill.domain.clock import FixedClock
from skill.observability.logs import CONFIGURED_MARK, JsonFormatter
from skill.payments.localstripe_process import LocalStripe
from skill.settings import Settings
from skill.storage.db import make_engine
from skill.storage.migrate import upgrade
from skill.storage.models import Base
from tests.support.smtp import SmtpServer
from tests.support.twilio_server import RunningTwilioServer, TwilioServer

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgresql")
NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL (make test-pg)")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_pg)


@pytest.fixture(scope="session")
def _database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per session: a template SQLite file, or a private PostgreSQL database."""
    if not ON_POSTGRES:
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        yield str(path)
        return
    name = f"billpay_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(_database_template: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for this test only."""
    if not ON_POSTGRES:
        path = tmp_path / "billpay.sqlite3"
        shutil.copyfile(_database_template, path)
        yield f"sqlite:///{path}"
        return
    yield _database_template
    engine = create_engine(_database_template)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """`configure_logging()` (billpay serve and worker, Lambda) sets up the root logger for the whole process.

    A test that runs one of them in-process must not leave its JSON handler, bound to that test's captured
    stream, to the tests after it (they would log to a closed file). pytest's own handlers come and go per phase.
    """
    root = logging.getLogger()
    level = root.level
    yield
    for handler in [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]:
        root.removeHandler(handler)
    root.__dict__.pop(CONFIGURED_MARK, None)
    root.setLevel(level)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "PUBLIC_BASE_URL": "https://pay.example.test",
            "SECRET_KEY": "test-secret-key",
            "BILLPAY_VAR_DIR": str(tmp_path),
        }
    )


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    built = bootstrap(settings, clock=clock)
    yield built
    built.dispose()


@pytest.fixture
def demo(services: Services) -> DemoSummary:
    return seed_demo(services.uow, services.clock)


@pytest.fixture
def localstripe(tmp_path: Path) -> Iterator[LocalStripe]:
    """A real localstripe process for this test: its own port, state file and webhook registrations."""
    from tests.support.localstripe import running_localstripe

    with running_localstripe(tmp_path / "localstripe") as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real aiosmtpd server on a free port; `.handler.envelopes` holds what it accepted."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def twilio_server() -> Iterator[TwilioServer]:
    """A local server speaking Twilio's Messages API; `.requests` records each request as received."""
    with RunningTwilioServer() as server:
        yield server


# CI sets BILLPAY_REQUIRE_MARKERS (e.g. "postgres,browser"): a skipped test carrying one of them fails the run,
# so a missing service can never turn into a silently green build.
_REQUIRED = {m for m in os.environ.get("BILLPAY_REQUIRE_MARKERS", "").split(",") if m}
_SKIPPED_REQUIRED: list[str] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _REQUIRED & set(item.keywords):
        _SKIPPED_REQUIRED.append(item.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SKIPPED_REQUIRED:
        print(f"\nERROR: {len(_SKIPPED_REQUIRED)} required test(s) were skipped:")
        for nodeid in sorted(set(_SKIPPED_REQUIRED)):
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
