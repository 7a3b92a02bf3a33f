"""The OAuth 2.0 authorization server Alexa links through: codes, PKCE, redirect URIs, clients, refresh, revocation."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.tokens import hash_token
from skill.services.identity.link_tokens import resolve_access_token
from skill.services.identity.oauth_clients import CreatedClient
from skill.storage import models as m
from skill.web import create_app
from tests.support.oauth import (
    WebUser,
    authorize_query,
    basic_auth,
    exchange,
    form_action,
    form_value,
    pkce_pair,
    query_of,
    refresh,
    register_alexa_client,
    token_rows,
)


@pytest.fixture
def app(services: Services) -> Flask:
    return create_app(services=services)


@pytest.fixture
def alexa_client(services: Services) -> CreatedClient:
    return register_alexa_client(services)


@pytest.fixture
def user(app: Flask, services: Services, demo: DemoSummary) -> WebUser:
    return WebUser(app.test_client(), services)


def _linked(user: WebUser, client: CreatedClient, demo: DemoSummary) -> dict[str, str]:
    code, verifier = user.link(client, demo.customer_id, demo.email)
    response = exchange(user.http, client, code, verifier)
    assert response.status_code == 200, response.get_json()
    tokens: dict[str, str] = response.get_json()
    return tokens


def _knows(services: Services, access_token: str) -> int | None:
    customer = resolve_access_token(services.uow(), access_token, services.clock)
    return customer.customer_id if customer else None


def test_linking_with_pkce_gives_opaque_expiring_tokens_the_skill_resolves(
    user: WebUser, alexa_client: CreatedClient, services: Services, demo: DemoSummary
) -> None:
    tokens = _linked(user, alexa_client, demo)

    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600 and tokens["scope"] == "bills"
    assert len(tokens["access_token"]) >= 40 and tokens["refresh_token"] != tokens["access_token"]
    assert _knows(services, tokens["access_token"]) == demo.customer_id
    assert _knows(services, tokens["refresh_token"]) is None  # a refresh token is no access token
    rows = token_rows(services)
    assert {r["hash"] for r in rows} == {
        hash_token(tokens["access_token"]),
        hash_token(tokens["refresh_token"]),
    }
    assert len({r["family"] for r in rows}) == 1


def test_the_access_token_expires_after_an_hour(
    user: WebUser, alexa_client: CreatedClient, services: Services, demo: DemoSummary, clock: FixedClock
) -> None:
    tokens = _linked(user, alexa_client, demo)
    clock.advance(seconds=3599)
    assert _knows(services, tokens["access_token"]) == demo.customer_id
    clock.advance(seconds=1)
    assert _knows(services, tokens["access_token"]) is None


def test_authorize_sends_an_anonymous_visitor_to_sign_in_and_back(
    user: WebUser, alexa_client: CreatedClient
) -> None:
    query = authorize_query(alexa_client, pkce_pair()[1])
    response = user.page(query)
    assert response.status_code == 303
    login = user.page(response.location).get_data(as_text=True)
    assert form_value(login, "next") == query


def test_a_code_works_once_and_its_reuse_revokes_the_tokens_it_gave(
    user: WebUser, alexa_client: CreatedClient, services: Services, demo: DemoSummary
) -> None:
    code, verifier = user.link(alexa_client, demo.customer_id, demo.email)
    first = exchange(user.http, alexa_client, code, verifier).get_json()
    assert _knows(services, first["access_token"]) == demo.customer_id

    again = exchange(user.http, alexa_client, code, verifier)

    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    assert _knows(services, first["access_token"]) is None
    assert refresh(user.http, alexa_client, first["refresh_token"]).status_code == 400


def test_an_unknown_code_is_refused(user: WebUser, alexa_client: CreatedClient) -> None:
    response = exchange(user.http, alexa_client, "not-a-code-we-issued", pkce_pair()[0])
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"


def test_an_expired_code_is_refused(
    user: WebUser, alexa_client: CreatedClient, demo: DemoSummary, clock: FixedClock
) -> None:
    code, verifier = user.link(alexa_client, demo.customer_id, demo.email)
    clock.advance(seconds=301)
    response = exchange(user.http, alexa_client, code, verifier)
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"


def test_a_pkce_mismatch_is_refused_and_a_missing_verifier_too(
    user: WebUser, alexa_client: CreatedClient, services: Services, demo: DemoSummary
) -> None:
    code, verifier = user.link(alexa_client, demo.customer_id, demo.email)

    wrong = exchange(user.http, alexa_client, code, pkce_pair()[0])
    missing = exchange(user.http, alexa_client, code, None)

    assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_grant"
    assert missing.status_code == 400 and missing.get_json()["error"] == "invalid_request"
    assert token_rows(services) == []
    assert exchange(user.http, alexa_client, code, verifier).status_code == 200  # the real client still can


def test_plain_pkce_is_not_offered(user: WebUser, alexa_client: CreatedClient, demo: DemoSummary) -> None:
    user.sign_in_with_code(demo.customer_id, demo.email)
    query = authorize_query(alexa_client, "x" * 43, code_challenge_method="plain")
    response = user.page(query)
    assert response.status_code == 302
    assert query_of(response.location)["error"] == "invalid_request"


def test_a_challenge_without_a_method_is_refused_as_plain(
    user: WebUser, alexa_client: CreatedClient, demo: DemoSummary
) -> None:
    user.sign_in_with_code(demo.customer_id, demo.email)
    query = authorize_query(alexa_client, None, code_challenge="x" * 43)
    response = user.page(query)
    assert response.status_code == 302
    assert query_of(response.location)["error"] == "invalid_request"


def test_an_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(
    user: WebUser, alexa_client: CreatedClient, demo: DemoSummary
) -> None:
    user.sign_in_with_code(demo.customer_id, demo.email)
    for uri in (
        "https://evil.example/api/skill/link/M2TESTVENDOR01",
        "https://pitangui.amazon.com/api/skill/link/OTHER",
    ):
        response = user.page(authorize_query(alexa_client, pkce_pair()[1], redirect_uri=uri))
        assert response.status_code == 400 and "Location" not in response.headers
        assert "cannot be completed" in response.get_data(as_text=True)


def test_an_unknown_client_gets_an_error_page(user: WebUser, alexa_client: CreatedClient) -> None:
    response = user.page(authorize_query(alexa_client, None, client_id="alexa-nobody"))
    assert response.status_code == 400 and "Location" not in response.headers


def test_the_token_request_must_name_the_same_redirect_uri(
    user: WebUser, alexa_client: CreatedClient, services: Services, demo: DemoSummary
) -> None:
    code, verifier = user.link(alexa_client, demo.customer_id, demo.email)
    response = exchange(user.http, alexa_client, code, verifier, redirect_uri=alexa_client.redirect_uris[1])
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"
    assert token_rows(services) == []


def test_a_wrong_client_secret_is_refused_in_either_scheme(
    user: WebUser, alexa_client: CreatedClient, services: Services, demo: DemoSummary
) -> None:
    code, verifier = user.link(alexa_client, demo.customer_id, demo.email)
    grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": alexa_client.redirect_uris[0]}

    basic = user.http.post(
        "/oauth/token", data={**grant, "code_verifier": verifier}, headers=basic_auth(alexa_client, "wrong")
    )
    body = user.http.post(
        "/oauth/token",
        data={
            **grant,
            "code_verifier": verifier,
            "client_id": alexa_client.client_id,
            "client_secret": "wrong",
        },
    )

    assert basic.status_code == 401 and basic.get_json()["error"] == "invalid_client"
    assert body.status_code == 401 and body.get_json()["error"] == "invalid_client"
    assert token_rows(services) == []
    right_in_body = user.http.post(
        "/oauth/token",
        data={
            **grant,
            "code_verifier": verifier,
            "client_id": alexa_client.client_id,
            "client_secret": alexa_client.client_secret,
        },
    )
    assert right_in_body.status_code == 200


def test_refresh_tokens_rotate_and_a_replayed_one_revokes_the_whole_link(
    user: WebUser, alexa_client: CreatedClient, services: Services, demo: DemoSummary
) -> None:
    first = _linked(user, alexa_client, demo)
    second = refresh(user.http, alexa_client, first["refresh_token"]).get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert _knows(services, second["access_token"]) == demo.customer_id

    replay = refresh(user.http, alexa_client, first["refresh_token"])  # someone kept the old one

    assert replay.status_code == 400 and replay.get_json()["error"] == "invalid_grant"
    assert _knows(services, second["access_token"]) is None
    assert refresh(user.http, alexa_client, second["refresh_token"]).status_code == 400
    assert all(row["revoked"] for row in token_rows(services))


def test_a_refresh_token_works_only_for_its_own_client(
    app: Flask, user: WebUser, alexa_client: CreatedClient, services: Services, demo: DemoSummary
) -> None:
    tokens = _linked(user, alexa_client, demo)
    other = register_alexa_client(services, name="Another skill")
    response = refresh(user.http, other, tokens["refresh_token"])
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"


def test_revocation_ends_the_link(
    user: WebUser, alexa_client: CreatedClient, services: Services, demo: DemoSummary
) -> None:
    tokens = _linked(user, alexa_client, demo)
    response = user.http.post(
        "/oauth/revoke",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        headers=basic_auth(alexa_client),
    )
    assert response.status_code == 200
    assert _knows(services, tokens["access_token"]) is None
    assert refresh(user.http, alexa_client, tokens["refresh_token"]).status_code == 400


def test_denying_consent_goes_back_to_alexa_with_access_denied(
    user: WebUser, alexa_client: CreatedClient, services: Services, demo: DemoSummary
) -> None:
    query = authorize_query(alexa_client, pkce_pair()[1])
    user.sign_in_with_code(demo.customer_id, demo.email, next_url=query)
    consent = user.page(query).get_data(as_text=True)
    response = user.http.post(
        form_action(consent), data={"csrf_token": form_value(consent, "csrf_token"), "decision": "deny"}
    )
    assert response.status_code == 302
    assert response.location.startswith(alexa_client.redirect_uris[0] + "?")
    params = query_of(response.location)
    assert (params["error"], params["state"]) == ("access_denied", "alexa-state-123") and "code" not in params


def test_the_consent_page_may_post_only_to_us_and_the_alexa_redirect(
    user: WebUser, alexa_client: CreatedClient, demo: DemoSummary
) -> None:
    query = authorize_query(alexa_client, pkce_pair()[1])
    user.sign_in_with_code(demo.customer_id, demo.email, next_url=query)
    policy = user.page(query).headers["Content-Security-Policy"]
    assert "form-action 'self' https://pitangui.amazon.com;" in policy
    assert "frame-ancestors 'none'" in policy


def test_consent_without_the_csrf_token_is_refused(
    user: WebUser, alexa_client: CreatedClient, services: Services, demo: DemoSummary
) -> None:
    query = authorize_query(alexa_client, pkce_pair()[1])
    user.sign_in_with_code(demo.customer_id, demo.email, next_url=query)
    consent = user.page(query).get_data(as_text=True)
    response = user.http.post(form_action(consent), data={"decision": "allow"})
    assert response.status_code == 400 and "Location" not in response.headers
    with services.uow() as uow:
        assert uow.session.query(m.OAuthAuthorizationCode).count() == 0


@pytest.fixture
def statements(services: Services) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.startswith(("BEGIN", "PRAGMA")):
            seen.append(statement.split()[0])

    event.listen(services.engine, "before_cursor_execute", record)
    yield seen
    event.remove(services.engine, "before_cursor_execute", record)


def test_the_token_endpoint_answers_fast_in_a_few_statements(
    user: WebUser, alexa_client: CreatedClient, demo: DemoSummary, statements: list[str]
) -> None:
    code, verifier = user.link(alexa_client, demo.customer_id, demo.email)
    statements.clear()
    started = time.perf_counter()

    response = exchange(user.http, alexa_client, code, verifier)

    assert response.status_code == 200
    assert time.perf_counter() - started < 4.5  # Alexa's limit for the token endpoint
    # client, code, then one transaction: use the code and insert both tokens
    assert statements == ["SELECT", "SELECT", "UPDATE", "INSERT"]


# --- RFC 9207: the authorization response names its issuer --------------------------------------------------

ISSUER = "https://pay.example.test"  # PUBLIC_BASE_URL in the test settings


def _decide(user: WebUser, client: CreatedClient, demo: DemoSummary, decision: str) -> str:
    query = authorize_query(client, pkce_pair()[1])
    user.sign_in_with_code(demo.customer_id, demo.email, next_url=query)
    consent = user.http.get(query).get_data(as_text=True)
    decided = user.http.post(
        form_action(consent), data={"csrf_token": form_value(consent, "csrf_token"), "decision": decision}
    )
    assert decided.status_code == 302
    return decided.location


def test_the_code_response_carries_the_issuer(
    user: WebUser, alexa_client: CreatedClient, demo: DemoSummary
) -> None:
    params = query_of(_decide(user, alexa_client, demo, "allow"))

    assert params["iss"] == ISSUER and params["code"] and params["state"] == "alexa-state-123"


def test_a_refusal_by_the_customer_carries_the_issuer(
    user: WebUser, alexa_client: CreatedClient, demo: DemoSummary
) -> None:
    params = query_of(_decide(user, alexa_client, demo, "deny"))

    assert params["error"] == "access_denied" and params["iss"] == ISSUER


def test_an_error_redirect_before_consent_carries_the_issuer(
    user: WebUser, alexa_client: CreatedClient, demo: DemoSummary
) -> None:
    user.sign_in_with_code(demo.customer_id, demo.email)

    response = user.page(authorize_query(alexa_client, "x" * 43, code_challenge_method="plain"))

    assert response.status_code == 302
    assert query_of(response.location) | {"error_description": ""} == {
        "error": "invalid_request",
        "error_description": "",
        "state": "alexa-state-123",
        "iss": ISSUER,
    }


def test_the_token_response_is_not_touched_by_the_issuer_parameter(
    user: WebUser, alexa_client: CreatedClient, demo: DemoSummary
) -> None:
    tokens = _linked(user, alexa_client, demo)

    assert "iss" not in tokens
