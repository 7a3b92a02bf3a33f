"""Signing in on the web: a one-time code by email or SMS, or a password. Mobile-friendly, no pop-ups.

Every refusal reads the same whether or not the account exists (no account enumeration).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote, urlsplit

from flask import Blueprint, redirect, request, session
from flask.typing import ResponseReturnValue

from ..domain.errors import DomainError
from ..services.identity.sign_in import LoginRefused
from ..services.identity.throttle import TooManyAttempts
from .app_services import current_services
from .pages import choose_locale, render_page
from .sessions import freshly_proven, sign_in, sign_out, signed_in_customer

bp = Blueprint("login", __name__)

_CHALLENGE = "login_challenge"
_NEXT = "login_next"
_CHANNELS = ("email", "sms")


def safe_next(raw: str | None) -> str:
    """Only our own pages: the authorization request being completed, or the account page (no open redirect)."""
    if not raw or not raw.startswith("/") or raw.startswith(("//", "/\\")):
        return "/account"
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or parts.path not in ("/oauth/authorize", "/account"):
        return "/account"
    return raw


def page_locale() -> str:
    customer = signed_in_customer()
    return choose_locale(current_services().identity.customer_locale(customer) if customer else None)


def fresh_proof() -> bool:
    """A one-time code was entered in this session within FRESH_PROOF_MINUTES (a password does not count)."""
    services = current_services()
    window = timedelta(minutes=services.settings.auth.fresh_proof_minutes)
    return freshly_proven(services.clock.now(), window)


def confirm_redirect(next_url: str) -> ResponseReturnValue:
    """To the code sign-in, which comes back to `next_url` with a fresh proof."""
    return redirect(f"/login?confirm=1&next={quote(next_url, safe='')}", 303)


def _ip() -> str:
    return request.remote_addr or "unknown"


def _page(template: str, status: int = 200, **context: object) -> ResponseReturnValue:
    auth = current_services().settings.auth
    return render_page(
        template,
        page_locale(),
        status,
        window_minutes=auth.login_window_minutes,
        code_minutes=auth.login_code_ttl_minutes,
        fresh_minutes=auth.fresh_proof_minutes,
        **context,
    )


def _refusal(error: DomainError) -> str:
    return "login.too_many" if isinstance(error, TooManyAttempts) else "login.refused"


@bp.get("/login")
def login_form() -> ResponseReturnValue:
    next_url = safe_next(request.args.get("next"))
    confirm = request.args.get("confirm") == "1" and signed_in_customer() is not None
    return _page("auth/login.html", next_url=next_url, error=None, identifier="", confirm=confirm)


@bp.post("/login")
def send_code() -> ResponseReturnValue:
    next_url = safe_next(request.form.get("next"))
    identifier = request.form.get("identifier", "")
    channel = request.form.get("channel", "email")
    locale = page_locale()
    try:
        started = current_services().identity.start_code_login(
            identifier=identifier,
            channel=channel if channel in _CHANNELS else "email",
            ip=_ip(),
            locale=locale,
        )
    except TooManyAttempts as error:
        return _page("auth/login.html", 429, next_url=next_url, error=_refusal(error), identifier=identifier)
    session[_CHALLENGE] = started.challenge_token
    session[_NEXT] = next_url
    return redirect("/login/code", 303)


@bp.get("/login/code")
def code_form() -> ResponseReturnValue:
    if _CHALLENGE not in session:
        return redirect("/login", 303)
    return _page("auth/code.html", error=None, next_url=safe_next(session.get(_NEXT)))


@bp.post("/login/code")
def check_code() -> ResponseReturnValue:
    services = current_services()
    try:
        customer_id = services.identity.verify_code(
            challenge_token=session.get(_CHALLENGE),
            code=request.form.get("code", ""),
            ip=_ip(),
        )
    except (LoginRefused, TooManyAttempts) as error:
        status = 429 if isinstance(error, TooManyAttempts) else 400
        return _page("auth/code.html", status, error=_refusal(error), next_url=safe_next(session.get(_NEXT)))
    next_url = safe_next(session.get(_NEXT))
    sign_in(customer_id, proven_at=services.clock.now())
    return redirect(next_url, 303)


@bp.get("/login/password")
def password_form() -> ResponseReturnValue:
    next_url = safe_next(request.args.get("next"))
    return _page("auth/password.html", next_url=next_url, error=None, identifier="")


@bp.post("/login/password")
def check_password() -> ResponseReturnValue:
    next_url = safe_next(request.form.get("next"))
    identifier = request.form.get("identifier", "")
    try:
        customer_id = current_services().identity.password_login(
            identifier=identifier,
            password=request.form.get("password", ""),
            ip=_ip(),
        )
    except (LoginRefused, TooManyAttempts) as error:
        status = 429 if isinstance(error, TooManyAttempts) else 400
        return _page(
            "auth/password.html", status, next_url=next_url, error=_refusal(error), identifier=identifier
        )
    sign_in(customer_id)
    return redirect(next_url, 303)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    sign_out()
    return redirect("/login", 303)
