"""Alexa's signing certificates: a bounded HTTPS download, the certifi trust roots, by-URL key and failure caches."""

from __future__ import annotations

import functools
import http.client
import re
import ssl
import threading
import urllib.error
import urllib.request
import warnings
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import certifi
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.verification import Store

# Amazon's chain is a few certificates (~5 KB); anything far larger is not it.
MAX_CHAIN_BYTES = 64 * 1024
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n.+?\r?\n-----END CERTIFICATE-----", re.DOTALL)

CertFetcher = Callable[[str], bytes]


class CertFetchError(Exception):
    """The certificate chain could not be downloaded (network error, HTTP error, redirect, too large)."""


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A 30x becomes an HTTPError: we fetch exactly the URL we validated, nothing it points to."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class UrlCertFetcher:
    """Downloads a PEM chain over HTTPS with a short timeout and a size cap."""

    def __init__(
        self,
        timeout_seconds: float,
        *,
        max_bytes: int = MAX_CHAIN_BYTES,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self._timeout = timeout_seconds
        self._max_bytes = max_bytes
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context), _RefuseRedirects
        )

    def __call__(self, url: str) -> bytes:
        if not url.startswith("https://"):
            raise CertFetchError("only https URLs are fetched")
        try:
            # The opener also knows file:// and ftp://; the scheme check above keeps them out.
            with self._opener.open(url, timeout=self._timeout) as response:
                data: bytes = response.read(self._max_bytes + 1)
        except (OSError, http.client.HTTPException) as exc:
            if isinstance(exc, urllib.error.HTTPError):
                exc.close()  # it holds the response's socket open (a 404 from S3, a refused redirect)
            raise CertFetchError(type(exc).__name__) from exc
        if len(data) > self._max_bytes:
            raise CertFetchError(f"chain larger than {self._max_bytes} bytes")
        return data


def load_pem_certificates(data: bytes, *, skip_invalid: bool = False) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, in order. Raises ValueError on a bad one unless `skip_invalid`."""
    certificates = []
    with warnings.catch_warnings():
        # certifi still ships roots with a zero serial (Starfield G2 among them, which cross-signs Amazon's roots);
        # cryptography parses them with a deprecation warning that would otherwise fail every request under -W error.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for block in _PEM_BLOCK.findall(data):
            try:
                certificates.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                if not skip_invalid:
                    raise
    return certificates


@functools.cache
def certifi_store() -> Store:
    """certifi's Mozilla roots, parsed once per process. A root this cryptography refuses is left out."""
    return Store(load_pem_certificates(Path(certifi.where()).read_bytes(), skip_invalid=True))


class SigningKeyCache:
    """Validated signing keys by chain URL, each kept until the first certificate of its chain expires.

    Bounded (least recently used goes first) and guarded by a lock: gunicorn threads share one instance.
    """

    def __init__(self, max_entries: int = 16) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[RSAPublicKey, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str, now: datetime) -> RSAPublicKey | None:
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            key, expires_at = entry
            if now >= expires_at:
                del self._entries[url]
                return None
            self._entries.move_to_end(url)
            return key

    def put(self, url: str, key: RSAPublicKey, expires_at: datetime) -> None:
        with self._lock:
            self._entries[url] = (key, expires_at)
            self._entries.move_to_end(url)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class FailedUrlCache:
    """Chain URLs whose download or validation failed recently, with the reason, for `ttl` (a negative cache).

    A caller who keeps sending a URL that fails must not make us download it again on every request.
    Bounded like SigningKeyCache (least recently failed goes first) and thread-safe.
    """

    def __init__(self, ttl: timedelta = timedelta(seconds=60), max_entries: int = 256) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[str, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def reason(self, url: str, now: datetime) -> str | None:
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            if now >= entry[1]:
                del self._entries[url]
                return None
            return entry[0]

    def put(self, url: str, reason: str, now: datetime) -> None:
        with self._lock:
            self._entries[url] = (reason, now + self._ttl)
            self._entries.move_to_end(url)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
