"""Headless Chromium (Debian's, through Playwright) against the app served on a free port, with localstripe."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from skill.bootstrap import Services
from skill.demo.payments import provision_demo_card
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.payments.localstripe_process import API_KEY, LocalStripe
from skill.settings import Settings
from skill.web import create_app
from tests.support.localstripe import new_webhook_secret, serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def clock() -> FixedClock:
    # localstripe stamps objects with the real time; our clock must not be months away from it.
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def webhook_secret() -> str:
    return new_webhook_secret()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, localstripe: LocalStripe, webhook_secret: str) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "BILLPAY_VAR_DIR": str(tmp_path),
            "SECRET_KEY": "test-secret-key",
            "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
            "STRIPE_API_KEY": API_KEY,
            "STRIPE_API_BASE": localstripe.base_url,
            "STRIPE_WEBHOOK_SECRET": webhook_secret,
        }
    )


@pytest.fixture
def provisioned(services: Services, demo: DemoSummary) -> DemoSummary:
    """The demo world with its card provisioned in localstripe for real."""
    provision_demo_card(services.uow, services.gateway, services.clock)
    return demo


@pytest.fixture
def app_url(services: Services, localstripe: LocalStripe, webhook_secret: str) -> Iterator[str]:
    """The app on a free port, registered as localstripe's webhook endpoint."""
    with serving(create_app(services=services)) as url:
        localstripe.register_webhook("billpay", f"{url}/webhooks/stripe", webhook_secret)
        yield url


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="en-US")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
