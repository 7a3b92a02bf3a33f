"""Security headers, cookie flags and CSRF tokens on every response (skill/web/security.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Blueprint, Flask, render_template_string, request
from flask.testing import FlaskClient

from skill.bootstrap import Services, bootstrap
from skill.domain.clock import FixedClock
from skill.settings import Settings
from skill.web import create_app
from skill.web.csrf import csrf_exempt, csrf_token
from skill.web.sessions import sign_in, signed_in_customer

FORM = '<form method="post"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}"></form>'


def _probe_blueprint() -> Blueprint:
    bp = Blueprint("probe", __name__)

    @bp.get("/probe/form")
    def form() -> str:
        return render_template_string(FORM)

    @bp.post("/probe/form")
    def submit() -> str:
        return f"accepted {request.form.get('x', '')}"

    @bp.post("/probe/machine")
    @csrf_exempt
    def machine() -> str:
        return "machine ok"

    @bp.post("/probe/sign-in")
    def do_sign_in() -> str:
        sign_in(42)
        return csrf_token()

    @bp.get("/probe/who")
    def who() -> str:
        return str(signed_in_customer())

    return bp


def _app(services: Services) -> Flask:
    app = create_app(services=services)
    app.register_blueprint(_probe_blueprint())
    return app


@pytest.fixture
def client(services: Services) -> FlaskClient:
    return _app(services).test_client()


def _token(client: FlaskClient) -> str:
    html = client.get("/probe/form").get_data(as_text=True)
    match = re.search(r'value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_every_response_carries_the_security_headers(client: FlaskClient) -> None:
    headers = client.get("/healthz").headers

    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["Cache-Control"] == "no-store"
    csp = dict(d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";"))
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert "https://js.stripe.com" in csp["script-src"].split()
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert {"https://js.stripe.com", "https://hooks.stripe.com"} <= set(csp["frame-src"].split())
    assert "https://api.stripe.com" in csp["connect-src"].split()


def test_each_response_gets_its_own_script_nonce(client: FlaskClient) -> None:
    nonces = {
        re.search(r"'nonce-([^']+)'", client.get("/healthz").headers["Content-Security-Policy"]).group(1)  # type: ignore[union-attr]
        for _ in range(3)
    }
    assert len(nonces) == 3


def _services_with(settings: Settings, clock: FixedClock, **env: str) -> Iterator[Services]:
    changed = Settings.from_env(
        {
            "DATABASE_URL": settings.database_url,
            "SECRET_KEY": "k",
            "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "https://pay.example.test"),
            **({"STRIPE_API_BASE": env["STRIPE_API_BASE"]} if "STRIPE_API_BASE" in env else {}),
        }
    )
    built = bootstrap(changed, clock=clock)
    yield built
    built.dispose()


def test_the_policy_allows_localstripe_only_when_it_is_configured(
    settings: Settings, clock: FixedClock
) -> None:
    for services in _services_with(settings, clock, STRIPE_API_BASE="http://127.0.0.1:8420"):
        csp = create_app(services=services).test_client().get("/healthz").headers["Content-Security-Policy"]
        for directive in ("script-src", "connect-src", "frame-src"):
            assert re.search(rf"{directive} [^;]*http://127\.0\.0\.1:8420", csp), directive
    for services in _services_with(settings, clock):
        csp = create_app(services=services).test_client().get("/healthz").headers["Content-Security-Policy"]
        assert "127.0.0.1" not in csp


def test_session_cookie_is_secure_httponly_and_lax_on_https(client: FlaskClient) -> None:
    cookie = client.get("/probe/form").headers["Set-Cookie"]

    assert cookie.startswith("billpay_session=")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_plain_http_gets_no_hsts_and_no_secure_cookie(settings: Settings, clock: FixedClock) -> None:
    for services in _services_with(settings, clock, PUBLIC_BASE_URL="http://127.0.0.1:8000"):
        client = _app(services).test_client()
        response = client.get("/probe/form")
        assert "Strict-Transport-Security" not in response.headers
        assert "Secure" not in response.headers["Set-Cookie"]
        assert "HttpOnly" in response.headers["Set-Cookie"]


def test_a_form_post_without_the_token_is_refused_with_a_page(client: FlaskClient) -> None:
    _token(client)

    response = client.post("/probe/form", data={"x": "1"}, headers={"Accept": "text/html"})

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "reload" in response.get_data(as_text=True).lower()


def test_a_form_post_with_a_wrong_token_is_refused(client: FlaskClient) -> None:
    real = _token(client)

    wrong = real[:-1] + ("B" if real.endswith("A") else "A")  # one character off, never the real token
    response = client.post("/probe/form", data={"x": "1", "csrf_token": wrong})

    assert response.status_code == 400


def test_a_cross_site_form_without_any_cookie_is_refused(services: Services) -> None:
    client = _app(services).test_client()

    response = client.post("/probe/form", data={"x": "1", "csrf_token": "guess"})

    assert response.status_code == 400


def test_a_form_post_with_the_session_token_is_accepted(client: FlaskClient) -> None:
    token = _token(client)

    response = client.post("/probe/form", data={"x": "1", "csrf_token": token})

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "accepted 1"


def test_fetch_sends_the_token_in_a_header(client: FlaskClient) -> None:
    token = _token(client)

    refused = client.post("/probe/form", json={"x": 1})
    accepted = client.post("/probe/form", json={"x": 1}, headers={"X-CSRF-Token": token})

    assert refused.status_code == 400
    assert refused.get_json()["status"] == 400
    assert accepted.status_code == 200


def test_cookieless_json_from_machines_needs_no_token(services: Services) -> None:
    client = _app(services).test_client()

    response = client.post("/probe/form", json={"x": 1})

    assert response.status_code == 200


def test_an_exempt_view_accepts_a_form_without_a_token(client: FlaskClient) -> None:
    _token(client)

    response = client.post("/probe/machine", data={"grant_type": "authorization_code"})

    assert response.status_code == 200


def test_signing_in_replaces_the_csrf_token(client: FlaskClient) -> None:
    before = _token(client)

    after = client.post("/probe/sign-in", data={"csrf_token": before}).get_data(as_text=True)

    assert after != before
    assert client.get("/probe/who").get_data(as_text=True) == "42"
    assert client.post("/probe/form", data={"csrf_token": before}).status_code == 400
    assert client.post("/probe/form", data={"csrf_token": after}).status_code == 200


def test_access_logs_never_show_link_or_wallet_tokens() -> None:
    import logging

    from skill.web.log_filters import RedactLinkTokens

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", "GET /pay/SeCrEt123/done?attempt=3 HTTP/1.1", "200"),
        None,
    )
    wallet = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '"GET /wallet?t=abc.def HTTP/1.1" 303', None, None
    )

    RedactLinkTokens().filter(record)
    RedactLinkTokens().filter(wallet)

    assert "SeCrEt123" not in record.getMessage()
    assert "/pay/<redacted>/done?attempt=3" in record.getMessage()
    assert "abc.def" not in wallet.getMessage() and "/wallet?t=<redacted>" in wallet.getMessage()


def test_an_unhandled_error_is_logged_without_the_link_token_or_the_exception_text(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(services)
    email = "alice@example.com"

    @app.get("/pay/<token>/boom")
    def boom(token: str) -> str:
        raise RuntimeError(f"duplicate key value (email)=({email})")

    with caplog.at_level("ERROR"):
        response = app.test_client().get("/pay/SeCrEt123/boom")

    assert response.status_code == 500
    assert "Exception on /pay/<redacted>/boom [GET]" in caplog.text
    assert "in boom" in caplog.text and "RuntimeError" in caplog.text  # frames and type stay
    assert "SeCrEt123" not in caplog.text and email not in caplog.text
