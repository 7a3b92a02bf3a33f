"""Browser security for every response, wired once in ``create_app`` by ``init_security(app, settings)``.

It sets the session cookie flags (sessions.py), adds the security headers and the CSP (headers.py) to every
response, checks CSRF tokens before every unsafe request (csrf.py) and keeps tokens and exception text out of
the logs (log_filters.py).
"""

from __future__ import annotations

import logging
import secrets

from flask import Flask

from ..settings import Settings
from .csrf import CsrfFailure, check_csrf, csrf_failure, csrf_token
from .headers import csp_nonce, security_headers
from .log_filters import redact_tokens_in_access_logs, scrub_unhandled_error_logs
from .sessions import SESSION_COOKIE, SESSION_LIFETIME

log = logging.getLogger(__name__)


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
    app.before_request(check_csrf)
    app.after_request(security_headers(settings))
    app.register_error_handler(CsrfFailure, csrf_failure)
    redact_tokens_in_access_logs()
    scrub_unhandled_error_logs(app)
    app.jinja_env.globals.update(csrf_token=csrf_token, csp_nonce=csp_nonce)
