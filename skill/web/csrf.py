"""CSRF tokens: every unsafe browser request must send the session's token.

- ``csrf_token()``: the session's token (also a Jinja global). Put it in every form as
  ``<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">`` or send it from ``fetch`` in the
  ``X-CSRF-Token`` header.
- ``@csrf_exempt``: for a view that machines POST forms to without our cookie (e.g. an OAuth token endpoint).

CSRF design: a synchronizer token kept in Flask's signed session cookie (SameSite=Lax, HttpOnly) and compared in
constant time. It is checked on every POST/PUT/PATCH/DELETE that carries our session cookie or a body a
cross-site page could send without a CORS preflight (form, multipart, text/plain). JSON from Alexa, Stripe or
biller API clients carries neither, so those endpoints need no exemption; a cookie-less JSON request has no
ambient authority to forge. https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, jsonify, request, session
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_CSRF_KEY = "csrf"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SIMPLE_BODIES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})

F = TypeVar("F", bound=Callable[..., object])


class CsrfFailure(BadRequest):
    description = "The form was not sent from our page, or it is too old. Reload the page and try again."


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


def csrf_failure(exc: CsrfFailure) -> ResponseReturnValue:
    """A page for people (reload and try again), a problem document for scripts."""
    from .pages import choose_locale, render_message

    if request.accept_mimetypes.accept_html and not request.is_json:
        return render_message(choose_locale(), "csrf", 400)
    return jsonify({"title": "Bad Request", "status": 400, "detail": exc.description}), 400
