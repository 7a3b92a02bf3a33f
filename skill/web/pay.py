"""GET /pay/<token> and its steps: the payment-link page. The token is a secret: never log these paths.

The page pays through Stripe.js (docs/adr/0002-payment-page.md): cards by SetupIntent then a server-side
charge, SEPA and iDEAL by a PaymentIntent the browser confirms. The bill is marked paid on the provider's word.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue

from ..domain.errors import DomainError, NotFound
from ..payments.gateway import BrowserConfig, GatewayError, ProviderObjectMissing
from ..services.identity.throttle import TooManyAttempts
from ..services.links.pay_page import PayPage
from ..services.payments.link_payments import MAX_ROW_ID
from ..settings import ConfigError
from .amounts import parse_amount
from .app_services import current_services
from .invoice_links import invoice_page_url
from .json_body import JsonBodyError, json_object
from .pages import PageText, choose_locale, render_message, render_page
from .sessions import remember_biller, sign_in
from .statuses import status_of

bp = Blueprint("pay", __name__)

_METHODS = ("card", "sepa_debit", "ideal")
_MAX_ID_DIGITS = 10  # ids are 32-bit; longer digit strings are refused before any lookup
_MESSAGE_FOR_STATE = {
    "paid": ("link_paid", 200),
    "expired": ("link_expired", 410),
    "void": ("link_void", 410),
}


def _browser_config() -> BrowserConfig | None:
    try:
        config: BrowserConfig = current_services().payments.browser_config()
    except ConfigError:
        return None
    return config if config.publishable_key else None


@bp.get("/pay/<token>")
def pay_page(token: str) -> ResponseReturnValue:
    try:
        page = current_services().links.open_pay_page(token)
    except NotFound:
        return render_message(choose_locale(), "link_unknown", 404)
    locale = choose_locale(page.customer_locale)
    if page.state != "payable":
        key, status = _MESSAGE_FOR_STATE.get(page.state, ("link_disputed", 200))
        return render_message(locale, key, status, bill=page)
    browser = _browser_config()
    methods = (
        current_services().payments.offered_methods(
            country=page.biller_country, currency=page.status.currency
        )
        if browser
        else ()
    )
    return render_page("pay.html", locale, page=page, token=token, browser=browser, methods=methods)


@bp.get("/pay/<token>/status")
def pay_status(token: str) -> ResponseReturnValue:
    services = current_services()
    attempt = _row_id(request.args["attempt"]) if "attempt" in request.args else None
    if "attempt" in request.args and attempt is None:
        return _bad_request({})
    try:
        status = services.links.bill_status(token)
        payment = services.payments.link_payment_status(token=token, attempt_id=attempt) if attempt else None
    except NotFound:
        return jsonify({"error": "not_found"}), 404
    body: dict[str, Any] = {
        "invoice_status": str(status.invoice_status),
        "amount_paid_minor": status.amount_paid_minor,
        "remaining_minor": status.remaining_minor,
        "currency": status.currency,
    }
    if payment is not None:
        body["payment"] = {"status": str(payment.status), "finished": payment.finished}
    return jsonify(body)


@bp.post("/pay/<token>/start")
def pay_start(token: str) -> ResponseReturnValue:
    services, form = current_services(), _form()
    if form is None:
        return _bad_request({})
    method, save = form.get("method", "card"), form.get("save") is True
    if method not in _METHODS:
        return _bad_request(form)
    try:
        # The link's own currency decides the minor units, never the one the browser sends back.
        currency = services.links.resolve(token).currency
        amount = parse_amount(form.get("amount"), currency, _locale(form))
        # Counted only for requests that may reach the provider: refused input above changes nothing.
        services.links.count_pay_attempt(token=token, ip=_ip())
        if method == "card":
            start = services.payments.start_link_card_payment(
                token=token, amount_minor=amount, save_method=save
            )
        else:
            start = services.payments.start_link_payment(token=token, amount_minor=amount, method=method)
    except (DomainError, GatewayError, ConfigError) as exc:
        return _refusal(exc, form)
    return jsonify({"attempt_id": start.attempt_id, "client_secret": start.client_secret, "method": method})


@bp.post("/pay/<token>/charge")
def pay_charge(token: str) -> ResponseReturnValue:
    services, form = current_services(), _form()
    if form is None:
        return _bad_request({})
    attempt_id, setup_intent_id = _row_id(form.get("attempt_id")), form.get("setup_intent_id")
    if attempt_id is None or not isinstance(setup_intent_id, str) or not 0 < len(setup_intent_id) <= 255:
        return _bad_request(form)
    try:
        services.links.count_pay_attempt(token=token, ip=_ip())
        charge = services.payments.charge_link_card(
            token=token, attempt_id=attempt_id, setup_intent_id=setup_intent_id
        )
    except (DomainError, GatewayError, ConfigError) as exc:
        return _refusal(exc, form)
    return jsonify(
        {
            "status": str(charge.status.status),
            "authentication_client_secret": charge.authentication_client_secret,
            "message": _failure_text(form, charge.status.failure_reason),
            "done_url": url_for("pay.pay_done", token=token, attempt=charge.status.attempt_id),
        }
    )


@bp.get("/pay/<token>/done")
def pay_done(token: str) -> ResponseReturnValue:
    services = current_services()
    attempt = _row_id(request.args.get("attempt")) or 0  # an unreadable id is an unknown one: 404
    try:
        payment = services.payments.confirm_link_payment_from_provider(token=token, attempt_id=attempt)
        page: PayPage = services.links.open_pay_page(token)
    except NotFound:
        return render_message(choose_locale(), "link_unknown", 404)
    except GatewayError:
        payment = services.payments.link_payment_status(token=token, attempt_id=attempt)
        page = services.links.open_pay_page(token)
    locale = choose_locale(page.customer_locale)
    next_step = invoice_page_url(payment.receipt.invoice_id) if payment.receipt else None
    return render_page("done.html", locale, page=page, payment=payment, token=token, invoice_url=next_step)


@bp.post("/pay/<token>/wallet")
def pay_open_wallet(token: str) -> ResponseReturnValue:
    """The customer holding a valid link may manage their stored methods (see wallet.py)."""
    try:
        holder = current_services().links.link_holder(token)
    except NotFound:
        return render_message(choose_locale(), "wallet_signin", 401)
    sign_in(holder.customer_id, wallet_only=True)
    remember_biller(holder.biller_id)
    return redirect(url_for("wallet.wallet_page"), 303)


def _form() -> dict[str, Any] | None:
    """The JSON object pay.js sends; None for anything else (not JSON, too deep, an array, a string...)."""
    try:
        return json_object(request.get_data(cache=True))
    except JsonBodyError:
        return None


def _row_id(raw: object) -> int | None:
    """A positive id sent as a JSON number or as digits; None for anything else (bool, float, "abc", 10**30)."""
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= _MAX_ID_DIGITS:
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < raw <= MAX_ROW_ID:
        return None
    return raw


def _locale(form: dict[str, Any]) -> str:
    raw = form.get("locale")
    return choose_locale(raw if isinstance(raw, str) else None)


def _ip() -> str:
    """The client's address as the login limits see it (REMOTE_ADDR, or ProxyFix's behind TRUSTED_PROXY_HOPS)."""
    return request.remote_addr or "unknown"


def _bad_request(form: dict[str, Any]) -> ResponseReturnValue:
    text = PageText(_locale(form))
    return jsonify({"error": "invalid_input", "message": str(text("pay.bad_request"))}), 400


def _refusal(exc: Exception, form: dict[str, Any]) -> ResponseReturnValue:
    text = PageText(_locale(form))
    if isinstance(exc, TooManyAttempts):
        minutes = current_services().settings.auth.pay_window_minutes
        body = {"error": exc.code, "message": str(text("pay.too_many", minutes=minutes))}
        return jsonify(body), 429, {"Retry-After": str(minutes * 60)}
    if isinstance(exc, ConfigError):
        return jsonify({"error": "not_configured", "message": str(text("pay.not_configured"))}), 503
    if isinstance(exc, ProviderObjectMissing):  # the page sent an id the provider does not know
        return jsonify({"error": "not_found", "message": str(text("pay.reload"))}), 404
    if isinstance(exc, GatewayError):
        return jsonify({"error": "unavailable", "message": str(text("pay.unavailable"))}), 503
    assert isinstance(exc, DomainError)
    messages = {
        "link_not_payable": text("pay.reload"),
        "payment_in_progress": text("pay.in_progress"),
        "invalid_amount": text("pay.failed", reason=text("reason.payment_failed")),
        "partial_payment_not_allowed": text("pay.failed", reason=text("reason.payment_failed")),
    }
    message = messages.get(exc.code, text("pay.failed", reason=text("reason.payment_failed")))
    return jsonify({"error": exc.code, "message": str(message)}), status_of(exc.code, 400)


def _failure_text(form: dict[str, Any], reason: str | None) -> str | None:
    if reason is None:
        return None
    text = PageText(_locale(form))
    key = f"reason.{reason}"
    return str(text("pay.failed", reason=text(key) if text.has(key) else text("reason.payment_failed")))
