"""/oauth: the authorization endpoint (sign-in, then consent), the token endpoint and revocation.

A request whose client or redirect URI we do not know gets an error page, never a redirect (RFC 6749 section
4.1.2.1); other errors go back to Alexa's redirect URI with `error` and `state`.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Flask, Response, current_app, make_response, redirect, request
from flask.typing import ResponseReturnValue

from ..bootstrap import Services
from .login_views import page_locale
from .oauth_server import BillpayAuthorizationServer
from .pages import render_page
from .security import content_security_policy, csp_nonce, csrf_exempt, signed_in_customer

bp = Blueprint("oauth", __name__, url_prefix="/oauth")
_EXTENSION = "billpay_oauth"


def init_oauth(app: Flask, services: Services) -> None:
    # Authlib logs issued tokens at DEBUG ("Issue token ..."): never let them reach our logs.
    logging.getLogger("authlib").setLevel(logging.INFO)
    app.extensions[_EXTENSION] = BillpayAuthorizationServer(services)
    app.register_blueprint(bp)


def _server() -> BillpayAuthorizationServer:
    server: BillpayAuthorizationServer = current_app.extensions[_EXTENSION]
    return server


def _login_redirect() -> ResponseReturnValue:
    return redirect("/login?next=" + quote(request.full_path, safe=""), 303)


def _oauth_error(error: OAuth2Error) -> ResponseReturnValue:
    if error.redirect_uri:
        return _server().handle_error_response(None, error)
    return render_page("auth/oauth_error.html", page_locale(), 400, error=error.error)


@bp.get("/authorize")
def authorize() -> ResponseReturnValue:
    customer = signed_in_customer()
    try:
        grant = _server().get_consent_grant(end_user=customer)
    except OAuth2Error as error:
        return _oauth_error(error)
    if customer is None:
        return _login_redirect()
    client_name = grant.client.view.name
    page = make_response(
        render_page("auth/consent.html", page_locale(), client_name=client_name, action=request.full_path)
    )
    _allow_form_target(page, grant.redirect_uri)
    return page


def _allow_form_target(page: Response, redirect_uri: str) -> None:
    """Chromium applies form-action to the redirect that follows a form post: let the consent form reach Alexa.

    https://www.w3.org/TR/CSP3/#directive-form-action
    """
    parts = urlsplit(redirect_uri)
    settings = current_app.config["SERVICES"].settings
    policy = content_security_policy(settings).replace("{nonce}", csp_nonce())
    page.headers["Content-Security-Policy"] = policy.replace(
        "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}"
    )


@bp.post("/authorize")
def decide() -> ResponseReturnValue:
    customer = signed_in_customer()
    server = _server()
    try:
        grant = server.get_consent_grant(end_user=customer)
    except OAuth2Error as error:
        return _oauth_error(error)
    if customer is None:
        return _login_redirect()
    allowed = request.form.get("decision") == "allow"
    return server.create_authorization_response(grant_user=customer if allowed else None, grant=grant)


@bp.post("/token")
@csrf_exempt  # machines (Alexa) post here with client credentials, not with our cookie
def token() -> ResponseReturnValue:
    return _server().create_token_response()


@bp.post("/revoke")
@csrf_exempt
def revoke() -> ResponseReturnValue:
    return _server().create_endpoint_response("revocation")
