"""Linking the demo account as a new user would, in Chromium, then paying 120 euros by voice with the PIN.

Real parts: the web app on a loopback port, the outbox worker, the SMTP sender and an SMTP server (the one-time
code is read from the email it received), Authlib's token endpoint over HTTP, and the skill's dispatch.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Page, Route, sync_playwright
from werkzeug.serving import make_server

from skill.alexa.entry import dispatch
from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary, seed_demo
from skill.domain.clock import FixedClock
from skill.notifications.channels import build_senders
from skill.notifications.worker import OutboxWorker
from skill.services.identity.oauth_clients import CreatedClient
from skill.settings import Settings
from skill.web import create_app
from tests.alexa.driver import AlexaClient, slot
from tests.support.fake_gateway import FakeGateway
from tests.support.oauth import authorize_query, pkce_pair, register_alexa_client
from tests.support.payments import DEMO_CARD, DEMO_CUSTOMER
from tests.support.smtp import SmtpServer, free_port

pytestmark = pytest.mark.browser

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
PHONE = {"width": 390, "height": 844}  # the Alexa app opens the login page on a phone


@dataclass
class World:
    base_url: str
    services: Services
    gateway: FakeGateway
    demo: DemoSummary
    client: CreatedClient
    smtp: SmtpServer
    worker: OutboxWorker

    def deliver(self) -> None:
        """What `billpay worker` does, once: the one-time code leaves through SMTP."""
        outcomes = self.worker.run_batch(10)
        assert outcomes.get("sent", 0) >= 1, outcomes

    def code_from_email(self) -> str:
        [message] = [m for m in self.smtp.handler.messages() if self.demo.email in m["To"]][-1:]
        match = re.search(r"\b(\d{6})\b", str(message.get_body(("plain",)).get_content()))
        assert match, "no code in the email"
        return match.group(1)


@pytest.fixture
def world(database_url: str, tmp_path: Path, clock: FixedClock, smtp_server: SmtpServer) -> Iterator[World]:
    port = free_port()
    settings = Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "SECRET_KEY": "browser-test-secret",
            "BILLPAY_VAR_DIR": str(tmp_path),
            "SMTP_HOST": smtp_server.host,
            "SMTP_PORT": str(smtp_server.port),
            "SMTP_FROM": "bills@example.test",
            "SMTP_STARTTLS": "false",
        }
    )
    gateway = FakeGateway()
    gateway.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    services = bootstrap(settings, clock=clock, gateway=gateway)
    demo = seed_demo(services.uow, services.clock)
    worker = OutboxWorker(services.uow, build_senders(settings), clock, settings.notify)
    server = make_server("127.0.0.1", port, create_app(services=services), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="billpay-browser-test", daemon=True)
    thread.start()
    try:
        yield World(
            f"http://127.0.0.1:{port}",
            services,
            gateway,
            demo,
            register_alexa_client(services),
            smtp_server,
            worker,
        )
    finally:
        worker.close()  # its SMTP connection is kept between batches (notifications/smtp.py)
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        services.dispose()


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="en-US")
    yield context.new_page()
    context.close()


def link_in_browser(world: World, page: Page) -> dict[str, str]:
    """Authorize with PKCE, sign in with the emailed code, allow; Alexa's redirect is caught; tokens fetched."""
    verifier, challenge = pkce_pair()
    redirected: list[str] = []

    def alexa_redirect(route: Route) -> None:
        redirected.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>Alexa got the code</p>")

    page.route("https://pitangui.amazon.com/**", alexa_redirect)
    page.goto(world.base_url + authorize_query(world.client, challenge))
    assert page.title().startswith("Sign in")
    page.fill("#identifier", world.demo.email)
    page.check("input[name=channel][value=email]")
    page.click("button[type=submit]")
    page.wait_for_url("**/login/code")
    world.deliver()
    page.fill("#code", world.code_from_email())
    page.click("button[type=submit]")
    page.wait_for_url("**/oauth/authorize?**")
    assert page.locator("h1").inner_text() == "Link Alexa to your bills"
    page.click("button[value=allow]")
    page.wait_for_url("https://pitangui.amazon.com/**")

    [location] = redirected
    assert location.startswith(world.client.redirect_uris[0] + "?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert params["state"] == "alexa-state-123"
    secret = base64.b64encode(f"{world.client.client_id}:{world.client.client_secret}".encode()).decode()
    response = requests.post(
        world.base_url + "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": world.client.redirect_uris[0],
            "code_verifier": verifier,
        },
        headers={"Authorization": f"Basic {secret}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


def alexa_with(world: World, access_token: str) -> AlexaClient:
    return AlexaClient(send=lambda event: dispatch(world.services, event), access_token=access_token)


def set_pin_on_account_page(world: World, page: Page, pin: str) -> None:
    page.goto(world.base_url + "/account")
    page.fill("#pin", pin)
    page.fill("#pin_confirm", pin)
    page.click("form[action='/account/pin'] button[type=submit]")
    page.wait_for_url("**/account?done=pin_saved")
    assert "Your voice PIN is saved" in page.locator("p.notice.ok").inner_text()


def test_linking_in_chromium_gives_the_skill_a_token_that_knows_the_customer(
    world: World, page: Page
) -> None:
    tokens = link_in_browser(world, page)

    alexa = alexa_with(world, tokens["access_token"])
    alexa.launch()

    assert alexa.speech.startswith("Hi Alex")
    assert "3 open bills" in alexa.speech or "three open bills" in alexa.speech
    page.goto(world.base_url + "/account")
    assert "Alexa" in page.locator(".device-list .label").inner_text()


def test_acceptance_link_then_pay_120_euros_with_the_pin_lock_and_reset(world: World, page: Page) -> None:
    tokens = link_in_browser(world, page)
    set_pin_on_account_page(world, page, "4321")
    alexa = alexa_with(world, tokens["access_token"])

    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"))  # 120.00 left; threshold 100.00
    assert "pay €120.00 for your phone bill from Lumen Mobile" in alexa.speech
    alexa.intent("AMAZON.YesIntent")
    assert alexa.speech == "Please say your four-digit voice PIN."
    for wrong in ("1111", "2222", "3333"):
        alexa.intent("VoicePinIntent", slot("pin", wrong))
    assert "locked after three wrong PINs" in alexa.speech and "http" not in alexa.speech  # said in words
    assert alexa.card is not None and f"{world.base_url}/account" in alexa.card["content"]  # the link: a card
    assert world.gateway.charged == []

    page.goto(world.base_url + "/account")
    assert "locked after three wrong PINs" in page.locator("#pin-state").inner_text()
    set_pin_on_account_page(world, page, "2468")
    assert "locked" not in page.locator("#pin-state").inner_text()

    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"))
    alexa.intent("AMAZON.YesIntent")
    alexa.intent("VoicePinIntent", slot("pin", "2468"))
    assert alexa.speech.startswith("Done. You paid €120.00 to Lumen Mobile.")
    assert [p.amount_minor for p in world.gateway.charged] == [12000]
