"""/account: linked devices (unlink), the voice PIN (set or reset, which lifts a lock), voice choices, password."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, redirect, request
from flask.typing import ResponseReturnValue

from ..bootstrap import Services
from ..domain.errors import InvalidInput, NotFound
from .app_services import current_services
from .login_views import confirm_redirect, fresh_proof
from .pages import choose_locale, render_message, render_page
from .sessions import sign_out, signed_in_customer

bp = Blueprint("account", __name__)

# Notices the page can show after a change (?done=...); anything else is ignored.
NOTICES = ("pin_saved", "voice_saved", "password_saved", "unlinked", "already_unlinked")


def _show(customer_id: int, status: int = 200, error: str | None = None) -> ResponseReturnValue:
    services = current_services()
    view = services.identity.account_overview(customer_id)
    done = request.args.get("done")
    return render_page(
        "auth/account.html",
        choose_locale(view.locale),
        status,
        account=view,
        notice=done if done in NOTICES else None,
        error=error,
        fresh=fresh_proof(),
        fresh_minutes=services.settings.auth.fresh_proof_minutes,
    )


def _signed_in(change: Callable[[Services, int], str]) -> ResponseReturnValue:
    """Run a change for the signed-in customer, then show the page again (Post/Redirect/Get).

    Only with a fresh proof: a one-time code entered within FRESH_PROOF_MINUTES (docs/adr/0003). A stolen
    session or a password alone cannot change the PIN, the password or what is linked.
    """
    customer_id = signed_in_customer()
    if customer_id is None:
        return redirect("/login?next=/account", 303)
    if not fresh_proof():
        return confirm_redirect("/account")
    try:
        done = change(current_services(), customer_id)
    except InvalidInput as refused:
        return _show(customer_id, 400, error=f"account.invalid_{refused.details.get('field', 'input')}")
    return redirect(f"/account?done={done}", 303)


@bp.get("/account")
def show() -> ResponseReturnValue:
    customer_id = signed_in_customer()
    if customer_id is None:
        return redirect("/login?next=/account", 303)
    return _show(customer_id)


@bp.post("/account/unlink")
def unlink() -> ResponseReturnValue:
    def change(services: Services, customer_id: int) -> str:
        key = request.form.get("device", "")
        unlinked = services.identity.unlink_device(customer_id, key)
        return "unlinked" if unlinked else "already_unlinked"

    return _signed_in(change)


@bp.post("/account/pin")
def pin() -> ResponseReturnValue:
    def change(services: Services, customer_id: int) -> str:
        new, confirm = request.form.get("pin", ""), request.form.get("pin_confirm", "")
        if new != confirm:
            raise InvalidInput("the two PINs differ", field="pin_confirm")
        services.identity.set_voice_pin(customer_id, new)
        services.identity.record_change(customer_id, "pin")
        return "pin_saved"

    return _signed_in(change)


@bp.post("/account/voice")
def voice() -> ResponseReturnValue:
    def change(services: Services, customer_id: int) -> str:
        services.identity.set_voice_preferences(
            customer_id,
            always_ask_pin=request.form.get("always_ask_pin") == "on",
            require_recognized_speaker=request.form.get("require_recognized_speaker") == "on",
        )
        return "voice_saved"

    return _signed_in(change)


@bp.post("/account/password")
def password() -> ResponseReturnValue:
    def change(services: Services, customer_id: int) -> str:
        services.identity.set_password(
            customer_id, request.form.get("password", ""), request.form.get("password_confirm", "")
        )
        return "password_saved"

    return _signed_in(change)


@bp.get("/account/secure/<token>")
def secure_form(token: str) -> ResponseReturnValue:
    """The "this wasn't me" link from a change notice: a page with one button (a GET never changes anything)."""
    identity = current_services().identity
    try:
        customer_id = identity.secure_token_customer(token)
    except NotFound:
        return render_message(choose_locale(), "secure_unknown", 404)
    locale = choose_locale(identity.customer_locale(customer_id))
    return render_page("auth/secure.html", locale, token=token)


@bp.post("/account/secure/<token>")
def secure(token: str) -> ResponseReturnValue:
    identity = current_services().identity
    try:
        customer_id = identity.secure_token_customer(token)
        identity.secure_account(customer_id)
    except NotFound:
        return render_message(choose_locale(), "secure_unknown", 404)
    sign_out()
    locale = choose_locale(identity.customer_locale(customer_id))
    return render_message(locale, "account_secured", 200)
