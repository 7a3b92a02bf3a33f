"""Account-linking test helpers: PKCE pairs, a registered Alexa client, and a browser-like walk through the pages."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from skill.bootstrap import Services
from skill.services.identity.oauth_clients import CreatedClient, create_client
from skill.storage import models as m

VENDOR_ID = "M2TESTVENDOR01"


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636 section 4.2)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def register_alexa_client(services: Services, name: str = "Alexa") -> CreatedClient:
    return create_client(services.uow(), services.clock, vendor_id=VENDOR_ID, name=name)


def authorize_query(client: CreatedClient, challenge: str | None, **overrides: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0],
        "state": "alexa-state-123",
        "scope": "bills",
    }
    if challenge is not None:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return "/oauth/authorize?" + urlencode(params | overrides)


def basic_auth(client: CreatedClient, secret: str | None = None) -> dict[str, str]:
    raw = f"{client.client_id}:{secret if secret is not None else client.client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def form_value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name} field on the page"
    return html.unescape(match.group(1))


def form_action(page: str) -> str:
    match = re.search(r'<form method="post" action="([^"]+)" class="decision"', page)
    assert match, "no consent form on the page"
    return html.unescape(match.group(1))


def latest_code(services: Services, customer_id: int) -> str:
    """The one-time code the worker would deliver (read from the outbox, as the worker does)."""
    with services.uow() as uow:
        messages = [msg for msg in uow.outbox.for_customer(customer_id) if msg.kind == "otp"]
        assert messages, "no one-time code was queued"
        return str(messages[-1].payload["code"])


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


@dataclass
class WebUser:
    """A person at a browser, through Flask's test client: reads forms, keeps the session cookie."""

    http: FlaskClient
    services: Services

    def page(self, path: str) -> TestResponse:
        return self.http.get(path)

    def csrf(self, path: str = "/login") -> str:
        return form_value(self.http.get(path).get_data(as_text=True), "csrf_token")

    def start_code_login(
        self, identifier: str, channel: str = "email", next_url: str = "/account"
    ) -> TestResponse:
        token = self.csrf()
        return self.http.post(
            "/login",
            data={"csrf_token": token, "identifier": identifier, "channel": channel, "next": next_url},
        )

    def enter_code(self, code: str) -> TestResponse:
        return self.http.post("/login/code", data={"csrf_token": self.csrf(), "code": code})

    def sign_in_with_code(
        self, customer_id: int, identifier: str, next_url: str = "/account"
    ) -> TestResponse:
        self.start_code_login(identifier, next_url=next_url)
        return self.enter_code(latest_code(self.services, customer_id))

    def password_login(self, identifier: str, password: str) -> TestResponse:
        return self.http.post(
            "/login/password",
            data={
                "csrf_token": self.csrf(),
                "identifier": identifier,
                "password": password,
                "next": "/account",
            },
        )

    def post_account(self, path: str, **data: str) -> TestResponse:
        return self.http.post(path, data={"csrf_token": self.csrf("/account"), **data})

    def link(self, client: CreatedClient, customer_id: int, identifier: str) -> tuple[str, str]:
        """Authorize with PKCE, sign in by code, allow: returns (authorization code, verifier)."""
        verifier, challenge = pkce_pair()
        query = authorize_query(client, challenge)
        to_login = self.http.get(query)
        assert to_login.status_code == 303 and to_login.location.startswith("/login?next=")
        signed_in = self.sign_in_with_code(customer_id, identifier, next_url=query)
        assert signed_in.status_code == 303 and signed_in.location == query
        consent = self.http.get(query).get_data(as_text=True)
        decided = self.http.post(
            form_action(consent), data={"csrf_token": form_value(consent, "csrf_token"), "decision": "allow"}
        )
        assert decided.status_code == 302, decided.get_data(as_text=True)
        params = query_of(decided.location)
        assert params["state"] == "alexa-state-123"
        return params["code"], verifier


def exchange(
    http: FlaskClient, client: CreatedClient, code: str, verifier: str | None, **extra: str
) -> TestResponse:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client.redirect_uris[0],
        **extra,
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    return http.post("/oauth/token", data=data, headers=basic_auth(client))


def refresh(http: FlaskClient, client: CreatedClient, refresh_token: str) -> TestResponse:
    return http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers=basic_auth(client),
    )


def token_rows(services: Services) -> list[dict[str, Any]]:
    with services.uow() as uow:
        rows = uow.session.query(m.LinkedAccountToken).order_by(m.LinkedAccountToken.id).all()
        return [
            {"hash": r.token_hash, "kind": r.kind, "family": r.family_id, "revoked": r.revoked_at is not None}
            for r in rows
        ]
