"""`/` in four languages, and the demo-only routes (/demo/pay, /demo/mailbox): 404 whenever demo mode is off."""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from skill.bootstrap import Services, bootstrap
from skill.demo.access import demo_linking_token
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.settings import Settings
from skill.web import create_app
from tests.support.fake_gateway import FakeGateway
from tests.web.pages.conftest import csrf_of

DEMO_ROUTES = [("GET", "/demo/mailbox"), ("GET", "/demo/mailbox/anything"), ("POST", "/demo/pay")]


@pytest.fixture
def demo_client(
    database_url: str, tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[FlaskClient, Services]]:
    monkeypatch.setenv("BILLPAY_VAR_DIR", str(tmp_path))  # where the demo keeps its token
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "k",
        "BILLPAY_VAR_DIR": str(tmp_path),
        "BILLPAY_DEMO": "1",
    }
    services = bootstrap(Settings.from_env(env), clock=clock, gateway=FakeGateway())
    try:
        yield create_app(services=services).test_client(), services
    finally:
        services.dispose()


@pytest.mark.parametrize(
    ("language", "title", "register"),
    [
        ("en", "Pay your bills by voice", "Ask Alexa what you owe"),
        ("de", "Rechnungen per Sprache bezahlen", "Fragen Sie Alexa, was Sie schulden"),
        ("nl", "Uw rekeningen betalen met uw stem", "Vraag Alexa wat u verschuldigd bent"),
        ("sv", "Betala dina räkningar med rösten", "Fråga Alexa vad du är skyldig"),
    ],
)
def test_start_page_speaks_the_browsers_language_and_lists_what_to_try_in_the_demo(
    demo_client: tuple[FlaskClient, Services], language: str, title: str, register: str
) -> None:
    client, _ = demo_client
    response = client.get("/", headers={"Accept-Language": language})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f'<html lang="{language}">' in html
    assert title in html and register in html
    for link in (
        'action="/demo/pay"',
        'href="/demo/mailbox"',
        'href="/api/v1/openapi.json"',
        'href="/account"',
    ):
        assert link in html
    assert 'name="viewport"' in html
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert nonce and all(f'nonce="{nonce.group(1)}"' in tag for tag in re.findall(r"<script[^>]*>", html))


def test_outside_demo_mode_the_start_page_is_a_product_page_and_demo_routes_do_not_exist(
    client: FlaskClient, services: Services, demo: DemoSummary, tmp_path: Path
) -> None:
    assert not services.settings.demo_mode
    _deliver(
        services.settings.notify.mailbox_dir, "Your code", "Code 123456", datetime(2026, 3, 1, tzinfo=UTC)
    )
    demo_linking_token(services, tmp_path)  # even with a demo token and mail lying around
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Pay your bills by voice" in html and "/demo/" not in html and "mailbox" not in html
    key = next(iter(mailbox.Maildir(services.settings.notify.mailbox_dir, create=False).keys()))
    csrf = csrf_of(
        client.get("/login").get_data(as_text=True)
    )  # a valid form post, so only the route decides
    for method, path in [*DEMO_ROUTES, ("GET", f"/demo/mailbox/{key}")]:
        response = client.open(path, method=method, data={"csrf_token": csrf} if method == "POST" else None)
        assert response.status_code == 404, path
        assert "123456" not in response.get_data(as_text=True)


def test_mailbox_viewer_decodes_quoted_printable_mail_newest_first(
    demo_client: tuple[FlaskClient, Services],
) -> None:
    client, services = demo_client
    directory = services.settings.notify.mailbox_dir
    _deliver(directory, "Older receipt", "Old", datetime(2026, 3, 1, tzinfo=UTC))
    text = "Guten Tag, Ihre Zahlung über 94,30 € ist eingegangen. Grüße, Northwind Energy\n" * 2
    _deliver(
        directory, "Zahlungsbestätigung für Rechnung NWE-2026-11", text, datetime(2026, 3, 9, tzinfo=UTC)
    )
    raw = b"".join(p.read_bytes() for p in (directory / "new").iterdir())
    assert b"=C3=BC" in raw and "über".encode() not in raw  # on disk: quoted-printable, encoded headers

    listing = client.get("/demo/mailbox", headers={"Accept-Language": "de"}).get_data(as_text=True)
    newest, older = listing.index("Zahlungsbestätigung für Rechnung"), listing.index("Older receipt")
    assert newest < older and "alex@example.com" in listing and "Demo-Postfach" in listing
    key = re.search(r'href="/demo/mailbox/([^"]+)">Zahlungsbestätigung', listing)
    assert key
    page = client.get(f"/demo/mailbox/{key.group(1)}").get_data(as_text=True)
    assert "Ihre Zahlung über 94,30 € ist eingegangen" in page and "=C3" not in page
    assert client.get("/demo/mailbox/no-such-key").status_code == 404


def test_demo_pay_button_opens_the_pay_page_of_a_fresh_link(
    demo_client: tuple[FlaskClient, Services],
) -> None:
    client, services = demo_client
    from skill.demo.seed import seed_demo

    seed_demo(services.uow, services.clock)
    demo_linking_token(services, services.settings.notify.mailbox_dir.parent)
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    first = client.post("/demo/pay", data={"csrf_token": csrf_of(html)})
    second = client.post("/demo/pay", data={"csrf_token": csrf_of(html)})
    assert first.status_code == second.status_code == 303
    assert first.location != second.location and "/pay/" in first.location
    assert client.get(urlsplit(first.location).path).status_code == 200


def _deliver(directory: Path, subject: str, text: str, when: datetime) -> None:
    mail = EmailMessage()
    mail["Subject"], mail["To"], mail["From"] = (
        subject,
        "alex@example.com",
        "billpay <no-reply@billpay.invalid>",
    )
    mail["Date"] = format_datetime(when)
    mail.set_content(text, cte="quoted-printable")
    directory.parent.mkdir(parents=True, exist_ok=True)
    mailbox.Maildir(directory, create=True).add(mail)
