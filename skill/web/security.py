"""Browser security for every response: headers (CSP with per-request nonces), cookie flags, CSRF tokens.

API (for every blueprint that renders HTML or accepts a browser form):

- ``init_security(app, settings)``: once, in ``create_app``. Sets the session cookie flags, adds the headers
  below to every response and checks CSRF tokens before every unsafe request.
- ``csrf_token()``: the session's token (also a Jinja global). Put it in every form as
  ``<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">`` or send it from ``fetch`` in the
  ``X-CSRF-Token`` header.
- ``csp_nonce()``: this response's nonce (also a Jinja global) for ``<script nonce="...">`` and
  ``<style nonce="...">``; prefer external files in ``static/``.
- ``@csrf_exempt``: for a view that machines POST forms to without our cookie (e.g. an OAuth token endpoint).
- ``sign_in(customer_id, wallet_only=False, proven_at=None)`` / ``signed_in_customer(for_wallet=False)`` /
  ``freshly_proven(now, window)`` / ``sign_out()``: the browser session's customer; a session opened by a link
  from a message counts for /wallet only; changes to the account need a one-time code entered within the window.

CSRF design: a synchronizer token kept in Flask's signed session cookie (SameSite=Lax, HttpOnly) and compared in
constant time. It is checked on every POST/PUT/PATCH/DELETE that carries our session cookie or a body a
cross-site page could send without a CORS preflight (form, multipart, text/plain). JSON from Alexa, Stripe or
biller API clients carries neither, so those endpoints need no exemption; a cookie-less JSON request has no
ambient authority to forge. https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar
from urllib.parse import urlparse

from flask import Flask, Response, current_app, g, jsonify, request, session
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest

from ..settings import Settings

log = logging.getLogger(__name__)

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_COOKIE = "billpay_session"
SESSION_LIFETIME = timedelta(minutes=30)
_CSRF_KEY = "csrf"
_CUSTOMER_KEY = "customer_id"
_WALLET_ONLY_KEY = "wallet_only"
_PROVEN_KEY = "proven_at"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SIMPLE_BODIES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
# https://docs.stripe.com/security/guide#content-security-policy
STRIPE_SCRIPT = ("https://js.stripe.com", "https://*.js.stripe.com")
STRIPE_FRAME = ("https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com")
STRIPE_CONNECT = ("https://api.stripe.com",)

F = TypeVar("F", bound=Callable[..., object])


class CsrfFailure(BadRequest):
    description = "The form was not sent from our page, or it is too old. Reload the page and try again."


def stripe_test_origin(settings: Settings) -> str | None:
    """localstripe's origin when STRIPE_API_BASE points at it: the page loads its Stripe.js shim from there."""
    if not settings.stripe_api_base:
        return None
    parsed = urlparse(settings.stripe_api_base)
    return f"{parsed.scheme}://{parsed.netloc}"


def content_security_policy(settings: Settings) -> str:
    """The policy with a ``{nonce}`` placeholder. No inline script or style without this response's nonce."""
    local = (stripe_test_origin(settings),) if stripe_test_origin(settings) else ()
    directives = {
        "default-src": ("'self'",),
        "script-src": ("'self'", "'nonce-{nonce}'", *STRIPE_SCRIPT, *local),
        "style-src": ("'self'", "'nonce-{nonce}'"),
        "img-src": ("'self'", "data:", "https://*.stripe.com"),
        "font-src": ("'self'",),
        "connect-src": ("'self'", *STRIPE_CONNECT, *local),
        "frame-src": (*STRIPE_FRAME, *local),
        "object-src": ("'none'",),
        "base-uri": ("'none'",),
        "form-action": ("'self'",),
        "frame-ancestors": ("'none'",),
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def init_security(app: Flask, settings: Settings) -> None:
    https = settings.public_base_url.startswith("https://")
    if not app.secret_key:
        # Sessions (CSRF tokens, the wallet sign-in) need a key; a random one lasts until the process ends.
        log.warning(
            "SECRET_KEY is not set: using a per-process key (forms break across restarts and workers)"
        )
        app.secret_key = secrets.token_hex(32)
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_SECURE=https,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )
    policy = content_security_policy(settings)

    def add_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy.replace("{nonce}", csp_nonce()))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")  # payment-link tokens live in our URLs
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if https:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if request.endpoint != "static":
            headers.setdefault("Cache-Control", "no-store")  # pages carry tokens and client secrets
        return response

    app.before_request(check_csrf)
    app.after_request(add_headers)
    app.register_error_handler(CsrfFailure, _csrf_failure)
    redact_tokens_in_access_logs()
    scrub_unhandled_error_logs(app)
    app.jinja_env.globals.update(csrf_token=csrf_token, csp_nonce=csp_nonce)


class RedactLinkTokens(logging.Filter):
    """Access logs (werkzeug, gunicorn) never show a payment-link or wallet token: they are bearer secrets."""

    _PATTERN = re.compile(r"(/pay/)[^/\s?\"]+|([?&]t=)[^&\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = self._PATTERN.sub(lambda m: (m.group(1) or m.group(2)) + "<redacted>", str(record.msg))
        return True


def redact_tokens_in_access_logs() -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinkTokens) for f in logger.filters):
            logger.addFilter(RedactLinkTokens())


class ScrubExceptionText(logging.Filter):
    """Keep a logged traceback's frames and the exception's type, drop its text: it can carry SQL parameters."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            frames = "".join(traceback.format_tb(exc.__traceback__))
            record.exc_text = f"Traceback (most recent call last):\n{frames}{type(exc).__name__}"
            record.exc_info = None
        return True


def scrub_unhandled_error_logs(app: Flask) -> None:
    """Flask logs an unhandled error as "Exception on <path> [<method>]" with its traceback, on app.logger:
    the path may hold a payment-link token and the exception text personal data."""
    for kind in (RedactLinkTokens, ScrubExceptionText):
        if not any(isinstance(f, kind) for f in app.logger.filters):
            app.logger.addFilter(kind())


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    nonce: str = g.csp_nonce
    return nonce


def csrf_token() -> str:
    token = session.get(_CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[_CSRF_KEY] = token
    return token


def csrf_exempt(view: F) -> F:
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def _needs_check() -> bool:
    if request.method not in _UNSAFE:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "csrf_exempt", False):
        return False
    has_cookie = current_app.config["SESSION_COOKIE_NAME"] in request.cookies
    return has_cookie or request.mimetype in _SIMPLE_BODIES


def check_csrf() -> None:
    if not _needs_check():
        return
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    expected = session.get(_CSRF_KEY)
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailure()


def _csrf_failure(exc: CsrfFailure) -> ResponseReturnValue:
    """A page for people (reload and try again), a problem document for scripts."""
    from .pages import choose_locale, render_message

    if request.accept_mimetypes.accept_html and not request.is_json:
        return render_message(choose_locale(), "csrf", 400)
    return jsonify({"title": "Bad Request", "status": 400, "detail": exc.description}), 400


def sign_in(customer_id: int, *, wallet_only: bool = False, proven_at: datetime | None = None) -> None:
    """Bind the browser session to a customer (new CSRF token: no fixation across the sign-in).

    wallet_only: signed in by a link from a message (a bearer secret), not by a code or password: the session
    opens /wallet, never the account page or account linking (password, voice PIN, Alexa).
    proven_at: when a one-time code was entered (not for a password): changes need a fresh proof.
    """
    session.clear()
    session.permanent = True  # expires after SESSION_LIFETIME; the signature carries the time
    session[_CUSTOMER_KEY] = customer_id
    if wallet_only:
        session[_WALLET_ONLY_KEY] = True
    if proven_at is not None:
        session[_PROVEN_KEY] = int(proven_at.timestamp())


def freshly_proven(now: datetime, window: timedelta) -> bool:
    """Whether this session entered a one-time code within `window` (docs/adr/0003)."""
    proven = session.get(_PROVEN_KEY)
    if not isinstance(proven, int) or session.get(_WALLET_ONLY_KEY):
        return False
    return 0 <= now.timestamp() - proven <= window.total_seconds()


def signed_in_customer(*, for_wallet: bool = False) -> int | None:
    """The session's customer; a wallet-only session counts only where for_wallet is set."""
    value = session.get(_CUSTOMER_KEY)
    if session.get(_WALLET_ONLY_KEY) and not for_wallet:
        return None
    return value if isinstance(value, int) else None


def sign_out() -> None:
    session.clear()
