"""POST /alexa: only requests signed through a trusted Alexa chain reach the skill; everything else gets 400."""

from __future__ import annotations

import logging
import sys
import types
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.x509.verification import Store
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from skill.bootstrap import Services, bootstrap
from skill.domain.clock import FixedClock
from skill.settings import Settings
from skill.web import create_app
from skill.web.alexa_certs import CertFetchError
from skill.web.alexa_endpoint import MAX_BODY_BYTES, VERIFIER_EXTENSION
from skill.web.alexa_verify import AlexaRequestVerifier, RequestVerificationError, normalise_cert_url
from tests.conftest import NOW
from tests.support.alexa_signing import (
    CERT_URL,
    SKILL_ID,
    Keys,
    SigningChain,
    body_of,
    build_chain,
    envelope,
    issue,
    new_key,
    sign,
)

ENDPOINT_LOGGER = "skill.web.alexa_endpoint"
SKILL_RESPONSE = {"version": "1.0", "response": {"outputSpeech": {"type": "PlainText", "text": "Done."}}}


class FakeFetcher:
    """Serves chains from a dict and remembers every URL it was asked for."""

    def __init__(self, documents: dict[str, bytes]) -> None:
        self.documents = documents
        self.fetched: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.fetched.append(url)
        if url not in self.documents:
            raise CertFetchError("404")
        return self.documents[url]


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys(root=new_key(), intermediate=new_key(), leaf=new_key(), stranger=new_key())


@pytest.fixture
def chain(keys: Keys) -> SigningChain:
    return build_chain(keys, NOW)


@pytest.fixture
def fetcher(chain: SigningChain) -> FakeFetcher:
    return FakeFetcher({CERT_URL: chain.pem()})


@pytest.fixture
def dispatched(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Stands in for skill.alexa.entry (written elsewhere); records each envelope the endpoint hands over."""
    calls: list[dict[str, Any]] = []

    def dispatch(services: Services, event: dict[str, Any]) -> dict[str, Any]:
        calls.append(event)
        return SKILL_RESPONSE

    module = types.ModuleType("skill.alexa.entry")
    module.dispatch = dispatch  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "skill.alexa.entry", module)
    return calls


def make_app(services: Services, verifier: AlexaRequestVerifier, *, skill_id: str | None = SKILL_ID) -> Flask:
    settings = replace(services.settings, alexa_skill_id=skill_id)
    app = create_app(services=replace(services, settings=settings))
    app.extensions[VERIFIER_EXTENSION] = verifier
    return app


def make_verifier(
    chain: SigningChain, fetcher: FakeFetcher, clock: FixedClock, *, skill_id: str | None = SKILL_ID
) -> AlexaRequestVerifier:
    return AlexaRequestVerifier(
        skill_id=skill_id, clock=clock, fetcher=fetcher, trust_store=Store([chain.root])
    )


@pytest.fixture
def client(services: Services, chain: SigningChain, fetcher: FakeFetcher, clock: FixedClock) -> FlaskClient:
    return make_app(services, make_verifier(chain, fetcher, clock)).test_client()


def logged_reasons(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The reason codes the endpoint logged for rejected requests."""
    return [
        str(record.args[0])
        for record in caplog.records
        if record.name == ENDPOINT_LOGGER
        and record.msg.startswith("rejected")
        and isinstance(record.args, tuple)
    ]


def post(
    client: FlaskClient,
    body: bytes,
    *,
    signature: str | None,
    cert_url: str | None = CERT_URL,
    content_type: str = "application/json; charset=utf-8",
) -> TestResponse:
    headers = {"Signature-256": signature, "SignatureCertChainUrl": cert_url}
    return client.post(
        "/alexa",
        data=body,
        content_type=content_type,
        headers={k: v for k, v in headers.items() if v is not None},
    )


def post_signed(
    client: FlaskClient, chain: SigningChain, document: dict[str, Any], **kwargs: Any
) -> TestResponse:
    body = body_of(document)
    return post(client, body, signature=sign(body, chain.leaf_key), **kwargs)


def assert_rejected(
    response: TestResponse, dispatched: list[dict[str, Any]], caplog: pytest.LogCaptureFixture, reason: str
) -> None:
    assert response.status_code == 400
    assert response.get_json()["status"] == 400
    assert dispatched == []
    assert logged_reasons(caplog) == [reason]


@pytest.mark.parametrize("with_intermediate", [True, False])
def test_signed_request_reaches_the_skill(
    services: Services,
    keys: Keys,
    clock: FixedClock,
    dispatched: list[dict[str, Any]],
    with_intermediate: bool,
) -> None:
    chain = build_chain(keys, NOW, intermediate=with_intermediate)
    fetcher = FakeFetcher({CERT_URL: chain.pem()})
    client = make_app(services, make_verifier(chain, fetcher, clock)).test_client()
    document = envelope(NOW)

    response = post_signed(client, chain, document)

    assert response.status_code == 200
    assert response.get_json() == SKILL_RESPONSE
    assert dispatched == [document]


def test_tampered_body_is_rejected(
    client: FlaskClient,
    chain: SigningChain,
    dispatched: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    signed = body_of(envelope(NOW, utterance="pay 10 dollars"))
    tampered = body_of(envelope(NOW, utterance="pay 99 dollars"))

    response = post(client, tampered, signature=sign(signed, chain.leaf_key))

    assert_rejected(response, dispatched, caplog, "signature_invalid")


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (None, "signature_missing"),
        ("", "signature_missing"),
        ("this is not base64!", "signature_malformed"),
        ("c2lnbmF0dXJl", "signature_invalid"),  # valid base64, but not a signature
    ],
)
def test_missing_or_garbage_signature_is_rejected(
    client: FlaskClient,
    dispatched: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    signature: str | None,
    reason: str,
) -> None:
    response = post(client, body_of(envelope(NOW)), signature=signature)

    assert_rejected(response, dispatched, caplog, reason)


def test_signature_by_another_key_is_rejected(
    client: FlaskClient, keys: Keys, dispatched: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    body = body_of(envelope(NOW))

    response = post(client, body, signature=sign(body, keys.stranger))

    assert_rejected(response, dispatched, caplog, "signature_invalid")


@pytest.mark.parametrize("offset_seconds", [-151, 151, -3600])
def test_request_outside_the_150_second_window_is_rejected(
    client: FlaskClient,
    chain: SigningChain,
    dispatched: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    offset_seconds: int,
) -> None:
    document = envelope(NOW + timedelta(seconds=offset_seconds))

    response = post_signed(client, chain, document)

    assert_rejected(response, dispatched, caplog, "timestamp_out_of_range")


@pytest.mark.parametrize("offset_seconds", [-150, 150])
def test_request_at_the_edge_of_the_window_is_accepted(
    client: FlaskClient, chain: SigningChain, dispatched: list[dict[str, Any]], offset_seconds: int
) -> None:
    response = post_signed(client, chain, envelope(NOW + timedelta(seconds=offset_seconds)))

    assert response.status_code == 200
    assert len(dispatched) == 1


@pytest.mark.parametrize(
    ("timestamp", "reason"), [(None, "timestamp_missing"), ("yesterday", "timestamp_malformed")]
)
def test_request_without_a_usable_timestamp_is_rejected(
    client: FlaskClient,
    chain: SigningChain,
    dispatched: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    timestamp: str | None,
    reason: str,
) -> None:
    document = envelope(NOW)
    document["request"]["timestamp"] = timestamp

    response = post_signed(client, chain, document)

    assert_rejected(response, dispatched, caplog, reason)


@pytest.mark.parametrize(
    "san", [("echo-api.amazon.com.evil.example",), ("*.amazon.com",), ("example.com",), ()], ids=repr
)
def test_certificate_without_the_alexa_name_is_rejected(
    services: Services,
    keys: Keys,
    clock: FixedClock,
    dispatched: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    san: tuple[str, ...],
) -> None:
    chain = build_chain(keys, NOW, san=san)
    client = make_app(
        services, make_verifier(chain, FakeFetcher({CERT_URL: chain.pem()}), clock)
    ).test_client()

    response = post_signed(client, chain, envelope(NOW))

    assert_rejected(response, dispatched, caplog, "cert_san_mismatch")


def test_chain_from_an_untrusted_root_is_rejected(
    services: Services,
    keys: Keys,
    chain: SigningChain,
    fetcher: FakeFetcher,
    clock: FixedClock,
    dispatched: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Same name as the real test root, different key: trust must follow the key, not the name.
    impostor_root = issue(
        keys.stranger,
        "Test Root CA",
        issuer=None,
        valid=(NOW - timedelta(days=1), NOW + timedelta(days=9)),
        ca=True,
    )
    verifier = AlexaRequestVerifier(
        skill_id=SKILL_ID, clock=clock, fetcher=fetcher, trust_store=Store([impostor_root])
    )
    client = make_app(services, verifier).test_client()

    response = post_signed(client, chain, envelope(NOW))

    assert_rejected(response, dispatched, caplog, "cert_chain_untrusted")


def test_chain_missing_its_intermediate_is_rejected(
    client: FlaskClient,
    chain: SigningChain,
    fetcher: FakeFetcher,
    dispatched: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fetcher.documents[CERT_URL] = replace(chain, certificates=chain.certificates[:1]).pem()

    response = post_signed(client, chain, envelope(NOW))

    assert_rejected(response, dispatched, caplog, "cert_chain_untrusted")


@pytest.mark.parametrize(
    "leaf_valid",
    [
        (NOW - timedelta(days=60), NOW - timedelta(seconds=1)),
        (NOW + timedelta(seconds=1), NOW + timedelta(days=60)),
    ],
    ids=["expired", "not-yet-valid"],
)
def test_certificate_not_valid_now_is_rejected(
    services: Services,
    keys: Keys,
    clock: FixedClock,
    dispatched: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    leaf_valid: tuple[Any, Any],
) -> None:
    chain = build_chain(keys, NOW, leaf_valid=leaf_valid)
    client = make_app(
        services, make_verifier(chain, FakeFetcher({CERT_URL: chain.pem()}), clock)
    ).test_client()

    response = post_signed(client, chain, envelope(NOW))

    assert_rejected(response, dispatched, caplog, "cert_not_valid_now")


BAD_CERT_URLS = [
    (None, "cert_url_missing"),
    ("http://s3.amazonaws.com/echo.api/echo-api-cert-test.pem", "cert_url_scheme"),
    ("https://notamazon.com/echo.api/echo-api-cert-test.pem", "cert_url_host"),
    ("https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert-test.pem", "cert_url_host"),
    ("https://attacker@s3.amazonaws.com/echo.api/echo-api-cert-test.pem", "cert_url_host"),
    ("https://s3.amazonaws.com:563/echo.api/echo-api-cert-test.pem", "cert_url_port"),
    ("https://s3.amazonaws.com:https/echo.api/echo-api-cert-test.pem", "cert_url_malformed"),
    ("https://s3.amazonaws.com/echo.api/../x", "cert_url_path"),
    ("https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert-test.pem", "cert_url_path"),
    ("https://s3.amazonaws.com/echo.api/%2e%2e/x.pem", "cert_url_path"),
    ("https://s3.amazonaws.com/ECHO.API/echo-api-cert-test.pem", "cert_url_path"),
    ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-test.pem", "cert_url_path"),
    ("https://s3.amazonaws.com/invalid.path/echo-api-cert-test.pem", "cert_url_path"),
]


@pytest.mark.parametrize(("cert_url", "reason"), BAD_CERT_URLS)
def test_bad_cert_url_is_rejected_without_fetching(
    client: FlaskClient,
    chain: SigningChain,
    fetcher: FakeFetcher,
    dispatched: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    cert_url: str | None,
    reason: str,
) -> None:
    response = post_signed(client, chain, envelope(NOW), cert_url=cert_url)

    assert_rejected(response, dispatched, caplog, reason)
    assert fetcher.fetched == []


@pytest.mark.parametrize(
    "cert_url",
    [
        CERT_URL,
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert-test.pem",
        "https://S3.AmazonAWS.com/echo.api/echo-api-cert-test.pem",
        "HTTPS://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert-test.pem",
    ],
)
def test_cert_url_variants_allowed_by_amazon_are_normalised(cert_url: str) -> None:
    assert normalise_cert_url(cert_url) == CERT_URL


def test_normalised_cert_url_is_the_one_fetched(
    client: FlaskClient, chain: SigningChain, fetcher: FakeFetcher, dispatched: list[dict[str, Any]]
) -> None:
    url = "https://S3.amazonaws.com:443/echo.api/../echo.api/echo-api-cert-test.pem"

    response = post_signed(client, chain, envelope(NOW), cert_url=url)

    assert response.status_code == 200
    assert fetcher.fetched == [CERT_URL]


@pytest.mark.parametrize(
    ("served", "reason"),
    [(None, "cert_fetch_failed"), (b"<Error>AccessDenied</Error>", "cert_chain_malformed")],
)
def test_chain_that_cannot_be_downloaded_or_read_is_rejected(
    client: FlaskClient,
    chain: SigningChain,
    fetcher: FakeFetcher,
    dispatched: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    served: bytes | None,
    reason: str,
) -> None:
    if served is None:
        del fetcher.documents[CERT_URL]
    else:
        fetcher.documents[CERT_URL] = served

    response = post_signed(client, chain, envelope(NOW))

    assert_rejected(response, dispatched, caplog, reason)


def test_request_for_another_skill_is_rejected(
    client: FlaskClient,
    chain: SigningChain,
    dispatched: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    document = envelope(NOW, skill_id="amzn1.ask.skill.99999999-9999-9999-9999-999999999999")

    response = post_signed(client, chain, document)

    assert_rejected(response, dispatched, caplog, "application_id_mismatch")


def test_skill_id_is_read_from_the_session_when_context_has_none(
    client: FlaskClient, chain: SigningChain, dispatched: list[dict[str, Any]]
) -> None:
    document = envelope(NOW)
    del document["context"]["System"]["application"]

    response = post_signed(client, chain, document)

    assert response.status_code == 200
    assert dispatched == [document]


def test_request_without_any_skill_id_is_rejected_when_one_is_configured(
    client: FlaskClient,
    chain: SigningChain,
    dispatched: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    document = envelope(NOW)
    del document["context"]
    del document["session"]

    response = post_signed(client, chain, document)

    assert_rejected(response, dispatched, caplog, "application_id_mismatch")


def test_any_skill_id_passes_when_none_is_configured(
    services: Services,
    chain: SigningChain,
    fetcher: FakeFetcher,
    clock: FixedClock,
    dispatched: list[dict[str, Any]],
) -> None:
    verifier = make_verifier(chain, fetcher, clock, skill_id=None)
    client = make_app(services, verifier, skill_id=None).test_client()

    response = post_signed(client, chain, envelope(NOW, skill_id="amzn1.ask.skill.other"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"not json", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"[]", "application/json"),
        (b'{"request": "LaunchRequest"}', "application/json"),
        (b'{"request": {"timestamp": "2026-03-10T09:30:00Z"}}', "application/json"),
        (b'{"version": "1.0"}', "application/json"),
        (body_of(envelope(NOW)), "text/plain"),
    ],
)
def test_malformed_envelope_gets_a_400_problem(
    client: FlaskClient,
    dispatched: list[dict[str, Any]],
    fetcher: FakeFetcher,
    body: bytes,
    content_type: str,
) -> None:
    response = post(client, body, signature=None, content_type=content_type)

    assert response.status_code == 400
    assert response.get_json()["title"] == "Bad Request"
    assert dispatched == []
    assert fetcher.fetched == []


def test_oversized_body_is_refused_before_verification(
    client: FlaskClient, dispatched: list[dict[str, Any]], fetcher: FakeFetcher
) -> None:
    response = post(client, b" " * (MAX_BODY_BYTES + 1), signature=None)

    assert response.status_code == 413
    assert dispatched == []
    assert fetcher.fetched == []


def test_rejection_is_logged_without_request_data(
    client: FlaskClient,
    chain: SigningChain,
    caplog: pytest.LogCaptureFixture,
    dispatched: list[dict[str, Any]],
) -> None:
    caplog.set_level(logging.DEBUG)
    body = body_of(envelope(NOW - timedelta(hours=1), utterance="secret-utterance-4242"))

    response = post(client, body, signature=sign(body, chain.leaf_key))

    assert response.status_code == 400
    assert logged_reasons(caplog) == ["timestamp_out_of_range"]
    assert "secret-utterance-4242" not in caplog.text
    assert "amzn1.ask.account" not in caplog.text


@pytest.mark.parametrize(
    ("env", "verified"),
    [
        ({}, True),
        ({"ALEXA_VERIFY_REQUESTS": ""}, True),
        ({"ALEXA_VERIFY_REQUESTS": "true"}, True),
        ({"BILLPAY_DEMO": "true"}, True),
        ({"ALEXA_VERIFY_REQUESTS": "false"}, False),
    ],
)
def test_verification_is_off_only_with_the_explicit_setting(
    database_url: str,
    tmp_path: Path,
    clock: FixedClock,
    dispatched: list[dict[str, Any]],
    env: dict[str, str],
    verified: bool,
) -> None:
    settings = Settings.from_env({"DATABASE_URL": database_url, "BILLPAY_VAR_DIR": str(tmp_path), **env})
    services = bootstrap(settings, clock=clock)
    try:
        client = create_app(services=services).test_client()  # the production verifier, untouched
        response = post(client, body_of(envelope(NOW)), signature=None, cert_url=None)
    finally:
        services.dispose()

    assert response.status_code == (400 if verified else 200)
    assert len(dispatched) == (0 if verified else 1)


def test_second_request_with_the_same_cert_url_does_not_fetch_again(
    client: FlaskClient, chain: SigningChain, fetcher: FakeFetcher, dispatched: list[dict[str, Any]]
) -> None:
    first = post_signed(client, chain, envelope(NOW))
    second = post_signed(client, chain, envelope(NOW, utterance="and the water bill"))

    assert (first.status_code, second.status_code) == (200, 200)
    assert fetcher.fetched == [CERT_URL]
    assert len(dispatched) == 2


def test_cached_chain_is_fetched_again_once_it_expires(
    services: Services, keys: Keys, clock: FixedClock, dispatched: list[dict[str, Any]]
) -> None:
    short_lived = build_chain(keys, NOW, leaf_valid=(NOW - timedelta(days=1), NOW + timedelta(hours=1)))
    fetcher = FakeFetcher({CERT_URL: short_lived.pem()})
    client = make_app(services, make_verifier(short_lived, fetcher, clock)).test_client()
    assert post_signed(client, short_lived, envelope(NOW)).status_code == 200

    clock.advance(hours=2)
    renewed = build_chain(keys, clock.now())
    fetcher.documents[CERT_URL] = renewed.pem()
    response = post_signed(client, renewed, envelope(clock.now()))

    assert response.status_code == 200
    assert fetcher.fetched == [CERT_URL, CERT_URL]


def test_failed_chain_is_remembered_briefly_then_fetched_again(
    client: FlaskClient,
    chain: SigningChain,
    fetcher: FakeFetcher,
    clock: FixedClock,
    dispatched: list[dict[str, Any]],
) -> None:
    fetcher.documents[CERT_URL] = b"not a chain"
    assert post_signed(client, chain, envelope(NOW)).status_code == 400

    fetcher.documents[CERT_URL] = chain.pem()
    soon = post_signed(client, chain, envelope(NOW))  # the failure is cached: no second download yet
    clock.advance(seconds=61)
    later = post_signed(client, chain, envelope(clock.now()))

    assert (soon.status_code, later.status_code) == (400, 200)
    assert fetcher.fetched == [CERT_URL, CERT_URL]


def test_verifier_raises_one_error_type_with_a_reason(chain: SigningChain, clock: FixedClock) -> None:
    verifier = make_verifier(chain, FakeFetcher({}), clock)

    with pytest.raises(RequestVerificationError) as raised:
        verifier.verify(body=b"{}", envelope={}, cert_url=CERT_URL, signature=None)

    assert raised.value.reason == "signature_missing"
