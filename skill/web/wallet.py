"""GET /wallet: the signed-in customer's stored cards and SEPA mandates (add through a SetupIntent, remove, default).

Sign-in: a password or one-time code on the login page, or, for this page only (a wallet-only session), the
button on a payment-link page or a signed "manage" link (`/wallet?t=...`, see services/links/wallet_links.py).
All end in `sign_in(customer_id)`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue

from ..domain.errors import DomainError, NotFound
from ..domain.model import MethodKind
from ..payments.gateway import BrowserConfig, GatewayError
from ..settings import ConfigError
from .app_services import current_services
from .json_body import JsonBodyError, json_object
from .pages import PageText, choose_locale, render_message, render_page
from .sessions import session_biller, sign_in, sign_out, signed_in_customer

bp = Blueprint("wallet", __name__)


@bp.get("/wallet")
def wallet_page() -> ResponseReturnValue:
    services = current_services()
    if "t" in request.args:
        try:
            linked = services.links.wallet_link_customer(request.args["t"])
        except NotFound:
            return render_message(choose_locale(), "wallet_signin", 401)
        sign_in(linked, wallet_only=True)
        return redirect(url_for("wallet.wallet_page"), 303)  # the token leaves the address bar and history
    customer_id = signed_in_customer(for_wallet=True)
    if customer_id is None:
        return render_message(choose_locale(), "wallet_signin", 401)
    try:
        view = services.links.wallet_view(customer_id, biller_id=session_biller())
    except NotFound:  # the customer was deleted since signing in
        sign_out()
        return render_message(choose_locale(), "wallet_signin", 401)
    browser = _browser()
    asked = request.args.get("remove", "")  # the confirmation step of removing one method (see wallet.html)
    confirm_remove = int(asked) if asked.isascii() and asked.isdigit() and len(asked) <= 10 else None
    locale = choose_locale(view.locale)
    return render_page("wallet.html", locale, view=view, browser=browser, confirm_remove=confirm_remove)


@bp.post("/wallet/setup")
def wallet_setup() -> ResponseReturnValue:
    services, customer_id = current_services(), signed_in_customer(for_wallet=True)
    if customer_id is None:
        return jsonify({"error": "signed_out"}), 401
    form = _form()
    if form is None:
        return _bad_request()
    try:
        kind = MethodKind(str(form.get("kind", "card")))
        setup = services.payments.start_wallet_setup(customer_id=customer_id, kind=kind)
    except (ValueError, DomainError, GatewayError, ConfigError):
        return jsonify({"error": "unavailable", "message": _text("pay.unavailable")}), 503
    return jsonify({"setup_intent_id": setup.setup_intent_id, "client_secret": setup.client_secret})


@bp.post("/wallet/complete")
def wallet_complete() -> ResponseReturnValue:
    services, customer_id = current_services(), signed_in_customer(for_wallet=True)
    if customer_id is None:
        return jsonify({"error": "signed_out"}), 401
    form = _form()
    setup_intent_id = form.get("setup_intent_id") if form is not None else None
    if form is None or not isinstance(setup_intent_id, str) or not 0 < len(setup_intent_id) <= 255:
        return _bad_request()
    try:
        method = services.payments.complete_wallet_setup(
            customer_id=customer_id, setup_intent_id=setup_intent_id
        )
    except (DomainError, GatewayError):
        return jsonify({"error": "not_saved", "message": _text("pay.unavailable")}), 400
    locale = form.get("locale")
    text = PageText(choose_locale(locale if isinstance(locale, str) else None))
    flash(str(text("wallet.saved", label=text.method_label(method))), "ok")
    return jsonify({"saved": method.id})


@bp.post("/wallet/<int:method_id>/remove")
def wallet_remove(method_id: int) -> ResponseReturnValue:
    services, customer_id = current_services(), signed_in_customer(for_wallet=True)
    if customer_id is None:
        return render_message(choose_locale(), "wallet_signin", 401)
    try:
        if request.form.get("confirm") != "yes":  # removing is two steps: an unconfirmed post only asks
            if method_id not in {method.id for method in services.links.wallet_view(customer_id).methods}:
                raise NotFound("unknown payment method", payment_method_id=method_id)
            return redirect(url_for("wallet.wallet_page", remove=method_id, _anchor="confirm-remove"), 303)
        services.payments.remove_method(customer_id=customer_id, method_id=method_id)
    except NotFound:
        return render_message(choose_locale(), "not_found", 404)
    except GatewayError:
        flash(_text("pay.unavailable"), "error")
        return redirect(url_for("wallet.wallet_page"), 303)
    flash(_text("wallet.removed", label=request.form.get("label", "")), "ok")
    return redirect(url_for("wallet.wallet_page"), 303)


@bp.post("/wallet/<int:method_id>/default")
def wallet_default(method_id: int) -> ResponseReturnValue:
    services, customer_id = current_services(), signed_in_customer(for_wallet=True)
    if customer_id is None:
        return render_message(choose_locale(), "wallet_signin", 401)
    try:
        services.payments.set_default_method(customer_id=customer_id, method_id=method_id)
    except NotFound:
        return render_message(choose_locale(), "not_found", 404)
    flash(_text("wallet.default_set", label=request.form.get("label", "")), "ok")
    return redirect(url_for("wallet.wallet_page"), 303)


@bp.post("/wallet/sign-out")
def wallet_sign_out() -> ResponseReturnValue:
    sign_out()
    return render_message(choose_locale(), "signed_out", 200)


def _form() -> dict[str, Any] | None:
    """The JSON object wallet.js sends; None for anything else (not JSON, too deep, an array, a string...)."""
    try:
        return json_object(request.get_data(cache=True))
    except JsonBodyError:
        return None


def _bad_request() -> ResponseReturnValue:
    return jsonify({"error": "invalid_input", "message": _text("pay.bad_request")}), 400


def _browser() -> BrowserConfig | None:
    try:
        config: BrowserConfig = current_services().payments.browser_config()
    except ConfigError:
        return None
    return config if config.publishable_key else None


def _text(key: str, **values: object) -> str:
    return str(PageText(choose_locale(request.form.get("locale")))(key, **values))
