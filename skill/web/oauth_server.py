"""Authlib's authorization server wired to our services: it speaks OAuth 2.0, the services decide and store.

Authorization code grant (PKCE S256 optional, as Alexa offers it), refresh tokens that rotate, RFC 7009
revocation. Clients authenticate with HTTP Basic or with credentials in the body: the two schemes the Alexa
console offers. https://developer.amazon.com/en-US/docs/alexa/account-linking/requirements-account-linking.html
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge

from ..bootstrap import Services
from ..domain.tokens import new_token
from ..services.identity import oauth_clients
from ..services.identity.oauth_grants import CodeView, GrantReplayed, NewTokens, RefreshView, TokenRef

AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
GRANT_TYPES = ("authorization_code", "refresh_token")


class Client(ClientMixin):
    def __init__(self, view: oauth_clients.ClientView) -> None:
        self.view = view

    def get_client_id(self) -> str:
        return self.view.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # Alexa always names its redirect URI; we never guess one

    def get_allowed_scope(self, scope: str | None) -> str:
        return self.view.scope  # one scope, whatever the console asks for: the customer's bills

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.view.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self.view.secret_matches(client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


class IssuedCode:
    """The code as Authlib's grant and its PKCE extension read it."""

    def __init__(self, view: CodeView) -> None:
        self.view = view
        self.code_challenge = view.code_challenge
        self.code_challenge_method = view.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.view.redirect_uri

    def get_scope(self) -> str:
        return self.view.scope


class PresentedToken:
    """A refresh token (for the refresh grant) or any token (for revocation), bound to its client."""

    def __init__(self, client_id: str, scope: str = "", view: Any = None) -> None:
        self.client_id, self.scope, self.view = client_id, scope, view

    def check_client(self, client: Client) -> bool:
        return bool(client.get_client_id() == self.client_id)

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return False  # the service only hands out live tokens

    def is_revoked(self) -> bool:
        return False


class Pkce(CodeChallenge):
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # RFC 9700 section 2.1.1: "plain" adds nothing

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if data.get("code_challenge") and not data.get("code_challenge_method"):
            # An absent method means "plain" (RFC 7636 section 4.3), which would slip past the list above.
            raise InvalidRequestError("Unsupported 'code_challenge_method'")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    @property
    def services(self) -> Services:
        services: Services = self.server.services
        return services

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        self.services.identity.save_authorization_code(
            code=code,
            client_id=request.client.get_client_id(),
            customer_id=int(request.user),
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope or "",
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )

    def query_authorization_code(self, code: str, client: Client) -> IssuedCode | None:
        view = self.services.identity.find_code(code, client.get_client_id())
        return IssuedCode(view) if view is not None else None

    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        """Nothing left to do: save_token used the code in the same transaction that stored the tokens."""

    def authenticate_user(self, authorization_code: IssuedCode) -> int:
        return authorization_code.view.customer_id


class RefreshGrant(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotate on every use

    def authenticate_refresh_token(self, refresh_token: str) -> PresentedToken | None:
        services: Services = self.server.services
        view = services.identity.find_refresh_token(refresh_token)
        return PresentedToken(view.client_id, view.scope, view) if view is not None else None

    def authenticate_user(self, credential: PresentedToken) -> int:
        view: RefreshView = credential.view
        return view.customer_id

    def revoke_old_credential(self, refresh_token: PresentedToken) -> None:
        """Nothing left to do: save_token retired it in the same transaction that stored the new pair."""


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> PresentedToken | None:
        services: Services = self.server.services
        ref = services.identity.find_token(token_string)
        return PresentedToken(ref.client_id, view=ref) if ref is not None else None

    def revoke_token(self, token: PresentedToken, request: Any) -> None:
        services: Services = self.server.services
        ref: TokenRef = token.view
        services.identity.revoke_link(ref)


class BillpayAuthorizationServer(AuthorizationServer):
    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        auth = services.settings.auth

        def opaque(**_: Any) -> str:
            return new_token()

        self.register_token_generator(
            "default",
            BearerTokenGenerator(opaque, opaque, lambda client, grant_type: auth.access_token_ttl_seconds),
        )
        self.register_grant(CodeGrant, [Pkce(required=False)])
        self.register_grant(RefreshGrant)
        self.register_endpoint(Revocation)

    @property
    def issuer(self) -> str:
        """Our issuer identifier (RFC 9207 section 2): the public base URL, as the client configured it."""
        return self.services.settings.public_base_url.rstrip("/")

    def handle_response(self, status_code: int, payload: Any, headers: Any) -> Any:
        """Every redirect back to the client carries `iss`, the code and error responses alike (RFC 9207).

        Authlib's IssuerParameter extension hooks an event Authlib 1.9 never fires, and it would miss the error
        redirects made outside create_authorization_response; the token and revocation endpoints never redirect.
        """
        headers = [
            (name, add_params_to_uri(value, {"iss": self.issuer}) if name.lower() == "location" else value)
            for name, value in headers
        ]
        return super().handle_response(status_code, payload, headers)

    def query_client(self, client_id: str) -> Client | None:
        view = self.services.identity.find_client(client_id)
        return Client(view) if view is not None else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Store the pair in the same transaction that uses the code or retires the old refresh token."""
        auth = self.services.settings.auth
        tokens = NewTokens(
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            access_ttl=timedelta(seconds=auth.access_token_ttl_seconds),
            refresh_ttl=timedelta(days=auth.refresh_token_ttl_days),
            label=request.client.view.name,
        )
        identity = self.services.identity
        try:
            if request.payload.grant_type == "authorization_code":
                identity.exchange_code(request.authorization_code.view, tokens)
            else:
                identity.rotate_refresh_token(request.refresh_token.view, tokens)
        except GrantReplayed as replay:
            raise InvalidGrantError(replay.message) from None
