"""/oauth: the authorization endpoint (sign-in, then consent), the token endpoint and revocation.

A request whose client or redirect URI we do not know gets an error page, never a redirect (RFC 6749 section
4.1.2.1); other errors go back to Alexa's redirect URI with `error` and `state`.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, urlsplit

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Flask, Response, current_app, make_response, redirect, request
from flask.typing import ResponseReturnValue

from ..bootstrap import Services
from .app_services import current_services
from .csrf import csrf_exempt
from .headers import content_security_policy, policy_for_response
from .login_views import fresh_proof, page_locale
from .oauth_server import BillpayAuthorizationServer
from .pages import render_page
from .sessions import signed_in_customer

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


# What a value of the authorization request may hold: printable ASCII without quote or backslash. Authlib refuses
# anything else with a ValueError (a 500), and no registered client has such a redirect URI.
_SAFE_VALUE = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]*")


def _well_formed() -> bool:
    values = [*request.args.items(multi=True), *request.form.items(multi=True)]
    if not all(_SAFE_VALUE.fullmatch(value) for _, value in values):
        return False
    return not any(" " in value for name, value in values if name == "redirect_uri")


def _malformed() -> ResponseReturnValue:
    """Never a redirect: the redirect URI itself may be what is wrong (RFC 6749 section 4.1.2.1)."""
    return render_page("auth/oauth_error.html", page_locale(), 400, error="invalid_request")


def _oauth_error(error: OAuth2Error) -> ResponseReturnValue:
    if error.redirect_uri:
        return _server().handle_error_response(None, error)
    return render_page("auth/oauth_error.html", page_locale(), 400, error=error.error)


def _consenting_customer() -> int | None:
    """Linking a device needs a fresh proof (docs/adr/0003): a password or an old session signs in again by code."""
    return signed_in_customer() if fresh_proof() else None


@bp.get("/authorize")
def authorize() -> ResponseReturnValue:
    customer = _consenting_customer()
    if not _well_formed():
        return _malformed()
    try:
        grant = _server().get_consent_grant(end_user=customer)
    except OAuth2Error as error:
        return _oauth_error(error)
    except ValueError:  # Authlib's query parser: encodings the check above does not foresee
        return _malformed()
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
    settings = current_services().settings
    policy = policy_for_response(content_security_policy(settings))
    page.headers["Content-Security-Policy"] = policy.replace(
        "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}"
    )


@bp.post("/authorize")
def decide() -> ResponseReturnValue:
    customer = _consenting_customer()
    server = _server()
    if not _well_formed():
        return _malformed()
    try:
        grant = server.get_consent_grant(end_user=customer)
    except OAuth2Error as error:
        return _oauth_error(error)
    except ValueError:  # Authlib's query parser: encodings the check above does not foresee
        return _malformed()
    if customer is None:
        return _login_redirect()
    allowed = request.form.get("decision") == "allow"
    response = server.create_authorization_response(grant_user=customer if allowed else None, grant=grant)
    if allowed:
        current_services().identity.record_change(customer, "device_linked")
    return response


@bp.post("/token")
@csrf_exempt  # machines (Alexa) post here with client credentials, not with our cookie
def token() -> ResponseReturnValue:
    return _server().create_token_response()


@bp.post("/revoke")
@csrf_exempt
def revoke() -> ResponseReturnValue:
    return _server().create_endpoint_response("revocation")
