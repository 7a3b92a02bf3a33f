"""The pieces under Alexa verification: the bounded HTTPS download, the key cache and the certifi roots."""

from __future__ import annotations

import ipaddress
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.domain.clock import FixedClock
from skill.web.alexa_certs import CertFetchError, SigningKeyCache, UrlCertFetcher, certifi_store
from skill.web.alexa_verify import AlexaRequestVerifier, RequestVerificationError
from tests.conftest import NOW
from tests.support.alexa_signing import (
    CERT_URL,
    SKILL_ID,
    body_of,
    build_chain,
    envelope,
    issue,
    new_key,
    sign,
)
from tests.support.alexa_signing import Keys as SigningKeys

CAP = 4096
CHAIN = b"-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/echo.api/chain.pem")
            self.end_headers()
            return
        payload = b"x" * (CAP + 1) if self.path == "/big" else CHAIN
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        return


def _tls_contexts(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context for 127.0.0.1 signed by a throw-away root, and a client context trusting only that root."""
    root_key, server_key = new_key(), new_key()
    today = datetime.now(UTC)  # the TLS handshake checks real time, not the tests' pinned clock
    window = (today - timedelta(days=1), today + timedelta(days=1))
    root = issue(root_key, "Fetch Test Root", issuer=None, valid=window, ca=True)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(window[0])
        .not_valid_after(window[1])
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "server.pem", tmp_path / "server.key"
    cert_path.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cadata=root.public_bytes(serialization.Encoding.PEM).decode())
    return server, client


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ssl.SSLContext]]:
    """A local HTTPS server (one per module: shutting one down takes a poll interval); base URL and client context."""
    server_context, client_context = _tls_contexts(tmp_path_factory.mktemp("tls"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", client_context
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_url_fetcher_downloads_the_chain(https_server: tuple[str, ssl.SSLContext]) -> None:
    base, context = https_server
    fetcher = UrlCertFetcher(5, max_bytes=CAP, context=context)

    assert fetcher(f"{base}/echo.api/chain.pem") == CHAIN


def test_url_fetcher_refuses_a_chain_over_the_size_cap(https_server: tuple[str, ssl.SSLContext]) -> None:
    base, context = https_server
    fetcher = UrlCertFetcher(5, max_bytes=CAP, context=context)

    with pytest.raises(CertFetchError, match="larger than"):
        fetcher(f"{base}/big")


def test_url_fetcher_does_not_follow_redirects(https_server: tuple[str, ssl.SSLContext]) -> None:
    base, context = https_server
    fetcher = UrlCertFetcher(5, max_bytes=CAP, context=context)

    with pytest.raises(CertFetchError, match="HTTPError"):
        fetcher(f"{base}/redirect")


def test_url_fetcher_rejects_a_server_it_does_not_trust(https_server: tuple[str, ssl.SSLContext]) -> None:
    base, _ = https_server
    fetcher = UrlCertFetcher(5, max_bytes=CAP)  # system roots: the throw-away server root is not among them

    with pytest.raises(CertFetchError):
        fetcher(f"{base}/echo.api/chain.pem")


@pytest.mark.parametrize("url", ["http://s3.amazonaws.com/echo.api/x.pem", "file:///etc/passwd"])
def test_url_fetcher_fetches_only_https(url: str) -> None:
    with pytest.raises(CertFetchError, match="only https"):
        UrlCertFetcher(5)(url)


def test_key_cache_forgets_the_least_recently_used_url() -> None:
    key = new_key().public_key()
    cache = SigningKeyCache(max_entries=2)
    later = NOW + timedelta(days=1)
    cache.put("a", key, later)
    cache.put("b", key, later)
    assert cache.get("a", NOW) is key  # "a" is now the most recently used

    cache.put("c", key, later)

    assert (cache.get("a", NOW), cache.get("b", NOW), cache.get("c", NOW)) == (key, None, key)
    assert len(cache) == 2


def test_key_cache_drops_an_entry_once_its_chain_expires() -> None:
    key = new_key().public_key()
    cache = SigningKeyCache()
    cache.put("a", key, NOW + timedelta(minutes=5))

    assert cache.get("a", NOW + timedelta(minutes=4)) is key
    assert cache.get("a", NOW + timedelta(minutes=5)) is None
    assert len(cache) == 0


def test_certifi_roots_load_without_warnings() -> None:
    # pytest turns warnings into errors here, so this also proves the zero-serial roots do not warn.
    certifi_store.cache_clear()

    assert certifi_store() is certifi_store()


def test_default_trust_store_does_not_trust_a_test_ca() -> None:
    keys = SigningKeys(root=new_key(), intermediate=new_key(), leaf=new_key(), stranger=new_key())
    chain = build_chain(keys, NOW)
    verifier = AlexaRequestVerifier(
        skill_id=SKILL_ID, clock=FixedClock(NOW), fetcher=lambda url: chain.pem()
    )  # no trust_store: certifi's roots
    body = body_of(envelope(NOW))

    with pytest.raises(RequestVerificationError) as raised:
        verifier.verify(
            body=body, envelope=envelope(NOW), cert_url=CERT_URL, signature=sign(body, chain.leaf_key)
        )

    assert raised.value.reason == "cert_chain_untrusted"


# --- Bounded downloads: a recording HTTPS server stands in for s3.amazonaws.com -----------------------------


class _Recording:
    """What the stand-in S3 saw, and a gate that holds /echo.api/slow-* downloads until a test opens it."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.in_flight = 0
        self.changed = threading.Condition()
        self.gate = threading.Event()


class _RecordingHandler(BaseHTTPRequestHandler):
    recording: _Recording

    def do_GET(self) -> None:
        state = self.recording
        with state.changed:
            state.paths.append(self.path)
            state.in_flight += 1
            state.changed.notify_all()
        try:
            if self.path.startswith("/echo.api/slow-"):
                state.gate.wait(timeout=30)
            self.send_response(404 if "missing" in self.path else 200)
            self.send_header("Content-Length", str(len(CHAIN)))
            self.end_headers()
            self.wfile.write(CHAIN)
        finally:
            with state.changed:
                state.in_flight -= 1
                state.changed.notify_all()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def stand_in_s3(tmp_path: Path) -> Iterator[tuple[_Recording, UrlCertFetcher, str]]:
    """A recording HTTPS server, a fetcher that sends Amazon's URLs there, and the server's base URL."""
    server_context, client_context = _tls_contexts(tmp_path)
    recording = _Recording()
    handler = type("Handler", (_RecordingHandler,), {"recording": recording})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"https://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield recording, UrlCertFetcher(5, max_bytes=CAP, context=client_context), base
    finally:
        recording.gate.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _verifier_via(
    stand_in: tuple[_Recording, UrlCertFetcher, str], clock: FixedClock, **options: int
) -> tuple[AlexaRequestVerifier, list[str]]:
    _, fetch, base = stand_in
    asked: list[str] = []

    def fetcher(url: str) -> bytes:
        asked.append(url)
        return fetch(url.replace("https://s3.amazonaws.com", base, 1))

    verifier = AlexaRequestVerifier(skill_id=SKILL_ID, clock=clock, fetcher=fetcher, **options)  # type: ignore[arg-type]
    return verifier, asked


def _reason(verifier: AlexaRequestVerifier, cert_url: str, now: datetime) -> str:
    keys = SigningKeys(root=new_key(), intermediate=new_key(), leaf=new_key(), stranger=new_key())
    body = body_of(envelope(now))
    with pytest.raises(RequestVerificationError) as raised:
        verifier.verify(body=body, envelope=envelope(now), cert_url=cert_url, signature=sign(body, keys.leaf))
    return raised.value.reason


def test_a_failing_chain_url_is_downloaded_once_while_its_failure_is_remembered(
    stand_in_s3: tuple[_Recording, UrlCertFetcher, str],
) -> None:
    clock = FixedClock(NOW)
    verifier, _ = _verifier_via(stand_in_s3, clock)
    url = "https://s3.amazonaws.com/echo.api/missing.pem"

    first = _reason(verifier, url, clock.now())
    again = _reason(verifier, url, clock.now())
    clock.advance(seconds=61)
    later = _reason(verifier, url, clock.now())

    assert (first, again, later) == ("cert_fetch_failed", "cert_failed_recently", "cert_fetch_failed")
    assert stand_in_s3[0].paths == ["/echo.api/missing.pem", "/echo.api/missing.pem"]


def test_an_invalid_chain_is_remembered_as_failed_too(
    stand_in_s3: tuple[_Recording, UrlCertFetcher, str],
) -> None:
    clock = FixedClock(NOW)
    verifier, _ = _verifier_via(stand_in_s3, clock)
    url = "https://s3.amazonaws.com/echo.api/not-a-chain.pem"  # the server answers 200 with junk

    reasons = [_reason(verifier, url, clock.now()) for _ in range(3)]

    assert reasons == ["cert_chain_malformed", "cert_failed_recently", "cert_failed_recently"]
    assert len(stand_in_s3[0].paths) == 1


def test_only_a_few_downloads_run_at_once_and_one_more_is_refused_without_waiting(
    stand_in_s3: tuple[_Recording, UrlCertFetcher, str],
) -> None:
    recording = stand_in_s3[0]
    clock = FixedClock(NOW)
    verifier, _ = _verifier_via(stand_in_s3, clock, max_concurrent_fetches=2)
    results: list[str] = []

    def verify_slow(n: int) -> None:
        results.append(_reason(verifier, f"https://s3.amazonaws.com/echo.api/slow-{n}.pem", clock.now()))

    workers = [threading.Thread(target=verify_slow, args=(n,)) for n in (1, 2)]
    for worker in workers:
        worker.start()
    with recording.changed:
        assert recording.changed.wait_for(lambda: recording.in_flight == 2, timeout=10)

    busy = _reason(verifier, "https://s3.amazonaws.com/echo.api/slow-3.pem", clock.now())
    recording.gate.set()
    for worker in workers:
        worker.join(timeout=10)

    assert busy == "cert_fetches_busy"
    assert sorted(recording.paths) == ["/echo.api/slow-1.pem", "/echo.api/slow-2.pem"]
    assert sorted(results) == ["cert_chain_malformed", "cert_chain_malformed"]
    # The slots come back: the refused URL was not remembered as failed and can be tried now.
    assert _reason(verifier, "https://s3.amazonaws.com/echo.api/slow-3.pem", clock.now()) == (
        "cert_chain_malformed"
    )


@pytest.mark.parametrize(
    "cert_url",
    [
        "https://evil.example/echo.api/chain.pem",
        "https://s3.amazonaws.com/other/chain.pem",
        "https://s3.amazonaws.com:8443/echo.api/chain.pem",
        "http://s3.amazonaws.com/echo.api/chain.pem",
        "https://s3.amazonaws.com/echo.api/../other/chain.pem",
    ],
)
def test_a_cert_url_of_the_wrong_shape_is_never_downloaded(
    stand_in_s3: tuple[_Recording, UrlCertFetcher, str], cert_url: str
) -> None:
    verifier, asked = _verifier_via(stand_in_s3, FixedClock(NOW))

    reason = _reason(verifier, cert_url, NOW)

    assert reason.startswith("cert_url_")
    assert asked == [] and stand_in_s3[0].paths == []
