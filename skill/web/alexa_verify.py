"""Proof that a request to POST /alexa came from Alexa: cert URL, certificate chain, signature, timestamp, skill id.

Every rule comes from https://developer.amazon.com/en-US/docs/alexa/custom-skills/host-a-custom-skill-as-a-web-service.html
(section "Verify that the request was sent by Alexa"). Built on `cryptography` because flask-ask-sdk cannot be
imported on OpenSSL >= 3.0.10; see docs/adr/0001-alexa-request-verification.md.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.x509.verification import DNSName, PolicyBuilder, Store, VerificationError

from ..domain.clock import Clock
from .alexa_certs import (
    CertFetcher,
    CertFetchError,
    FailedUrlCache,
    SigningKeyCache,
    certifi_store,
    load_pem_certificates,
)

CERT_URL_HOST = "s3.amazonaws.com"
CERT_URL_PATH_PREFIX = "/echo.api/"
SIGNING_CERT_DOMAIN = "echo-api.amazon.com"
TIMESTAMP_TOLERANCE = timedelta(seconds=150)
# Downloads running at once across the process's threads; more get 400 at once instead of waiting in line.
MAX_CONCURRENT_FETCHES = 4


class RequestVerificationError(Exception):
    """The request is not provably from Alexa. `reason` is a short code, safe to log (never request data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise_cert_url(url: str | None) -> str:
    """The SignatureCertChainUrl, checked against Amazon's format and returned normalised (the URL to fetch)."""
    if not url:
        raise RequestVerificationError("cert_url_missing")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RequestVerificationError("cert_url_malformed") from None
    if parts.scheme.lower() != "https":
        raise RequestVerificationError("cert_url_scheme")
    # The host compares case-insensitively; user info has no business in this URL.
    if (parts.hostname or "").lower() != CERT_URL_HOST or parts.username is not None:
        raise RequestVerificationError("cert_url_host")
    if port not in (None, 443):
        raise RequestVerificationError("cert_url_port")
    # The path is case-sensitive and checked after resolving "..": /echo.api/../x is not under /echo.api/.
    path = posixpath.normpath(unquote(parts.path)) if parts.path else ""
    if not path.startswith(CERT_URL_PATH_PREFIX):
        raise RequestVerificationError("cert_url_path")
    return f"https://{CERT_URL_HOST}{quote(path)}"


def _dig(document: Mapping[str, Any], *keys: str) -> Any:
    value: Any = document
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def request_application_id(envelope: Mapping[str, Any]) -> str | None:
    """The skill id the request is addressed to: context first, then session (absent for some requests)."""
    found = _dig(envelope, "context", "System", "application", "applicationId") or _dig(
        envelope, "session", "application", "applicationId"
    )
    return found if isinstance(found, str) else None


def _decode_signature(signature: str | None) -> bytes:
    if not signature:
        raise RequestVerificationError("signature_missing")
    try:
        return base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise RequestVerificationError("signature_malformed") from None


def _check_timestamp(envelope: Mapping[str, Any], now: datetime) -> None:
    raw = _dig(envelope, "request", "timestamp")
    if not isinstance(raw, str):
        raise RequestVerificationError("timestamp_missing")
    try:
        sent_at = datetime.fromisoformat(raw)
    except ValueError:
        raise RequestVerificationError("timestamp_malformed") from None
    if sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=UTC)
    # Both directions: a replay is old, and a far-future stamp would let a captured request be replayed later.
    if abs(now - sent_at) > TIMESTAMP_TOLERANCE:
        raise RequestVerificationError("timestamp_out_of_range")


def _san_dns_names(certificate: x509.Certificate) -> list[str]:
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    except ValueError:
        raise RequestVerificationError("cert_chain_malformed") from None
    return san.value.get_values_for_type(x509.DNSName)


class AlexaRequestVerifier:
    """Checks one request; keeps validated signing keys between requests. Thread-safe."""

    def __init__(
        self,
        *,
        skill_id: str | None,
        clock: Clock,
        fetcher: CertFetcher,
        trust_store: Store | None = None,
        cache: SigningKeyCache | None = None,
        failures: FailedUrlCache | None = None,
        max_concurrent_fetches: int = MAX_CONCURRENT_FETCHES,
    ) -> None:
        self._skill_id = skill_id
        self._clock = clock
        self._fetch = fetcher
        self._trust_store = trust_store
        self.cache = cache if cache is not None else SigningKeyCache()
        self.failures = failures if failures is not None else FailedUrlCache()
        self._fetch_slots = threading.BoundedSemaphore(max_concurrent_fetches)

    def verify(
        self, *, body: bytes, envelope: Mapping[str, Any], cert_url: str | None, signature: str | None
    ) -> None:
        """Raise RequestVerificationError unless every check passes. Cheap checks run before any download."""
        now = self._clock.now()
        url = normalise_cert_url(cert_url)
        signature_bytes = _decode_signature(signature)
        _check_timestamp(envelope, now)
        if self._skill_id is not None and request_application_id(envelope) != self._skill_id:
            raise RequestVerificationError("application_id_mismatch")
        key = self._signing_key(url, now)
        try:
            # Signature-256: RSA PKCS#1 v1.5 with SHA-256 over the raw body bytes, exactly as received.
            key.verify(signature_bytes, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise RequestVerificationError("signature_invalid") from None

    def _signing_key(self, url: str, now: datetime) -> RSAPublicKey:
        """The URL's validated key: from the cache, else one bounded download (failures are remembered)."""
        key = self.cache.get(url, now)
        if key is not None:
            return key
        if self.failures.reason(url, now) is not None:
            raise RequestVerificationError("cert_failed_recently")
        if not self._fetch_slots.acquire(blocking=False):
            raise RequestVerificationError("cert_fetches_busy")
        try:
            key = self.cache.get(url, now)  # another thread may have fetched it meanwhile
            if key is None:
                key = self._fetch_and_validate(url, now)
        finally:
            self._fetch_slots.release()
        return key

    def _fetch_and_validate(self, url: str, now: datetime) -> RSAPublicKey:
        try:
            try:
                pem = self._fetch(url)
            except CertFetchError:
                raise RequestVerificationError("cert_fetch_failed") from None
            key, expires_at = self._validate_chain(pem, now)
        except RequestVerificationError as failed:
            self.failures.put(url, failed.reason, now)
            raise
        self.cache.put(url, key, expires_at)
        return key

    def _validate_chain(self, pem: bytes, now: datetime) -> tuple[RSAPublicKey, datetime]:
        """The leaf's key and when the chain stops being valid, if the chain is Alexa's and valid now."""
        try:
            certificates = load_pem_certificates(pem)
        except ValueError:
            raise RequestVerificationError("cert_chain_malformed") from None
        if not certificates:
            raise RequestVerificationError("cert_chain_malformed")
        leaf, intermediates = certificates[0], certificates[1:]
        if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
            raise RequestVerificationError("cert_not_valid_now")
        # Exact name, not a wildcard match: the docs require echo-api.amazon.com itself in the SAN.
        if SIGNING_CERT_DOMAIN not in _san_dns_names(leaf):
            raise RequestVerificationError("cert_san_mismatch")
        store = self._trust_store if self._trust_store is not None else certifi_store()
        builder = PolicyBuilder().store(store).time(now)
        try:
            chain = builder.build_server_verifier(DNSName(SIGNING_CERT_DOMAIN)).verify(leaf, intermediates)
        except VerificationError:
            raise RequestVerificationError("cert_chain_untrusted") from None
        key = leaf.public_key()
        if not isinstance(key, RSAPublicKey):
            raise RequestVerificationError("cert_key_not_rsa")
        return key, min(certificate.not_valid_after_utc for certificate in chain)
