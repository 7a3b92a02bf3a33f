"""Biller webhooks: POST each queued event, signed like Stripe's (`t=<unix time>,v1=<HMAC-SHA256 hex>`).

The signed text is `"<t>.<raw body>"` with the endpoint's secret as the key; the body is fixed when the event is
queued (skill/services/biller_api/events.py), the timestamp when it is sent, so a receiver can refuse old replays.
Each worker thread keeps one HTTP session, so deliveries to the same receiver reuse its connection (keep-alive).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..domain.clock import Clock
from .senders import DeliveryOutcomeUnknown, OutgoingMessage, PermanentDeliveryError, TransientDeliveryError

if TYPE_CHECKING:
    import requests

SIGNATURE_HEADER = "BillPay-Signature"
EVENT_ID_HEADER = "BillPay-Event-Id"
TOLERANCE_SECONDS = 300
_ANSWER_LIMIT = 64 * 1024  # bytes of a receiver's answer read before its connection is given up


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: recompute over the raw body, compare in constant time, refuse stale timestamps."""
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    timestamps = [value for key, value in parts if key == "t"]
    signatures = [value for key, value in parts if key == "v1"]
    if (
        len(timestamps) != 1
        or not (timestamps[0].isascii() and timestamps[0].isdigit())
        or abs(now - int(timestamps[0])) > tolerance
    ):
        return False
    expected = sign(secret, body, int(timestamps[0])).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


class WebhookSender:
    """The `webhook` channel. Receivers dedupe by the BillPay-Event-Id header, so a resend is safe."""

    channel = "webhook"
    resend_is_safe = True

    def __init__(
        self,
        secret_for: Callable[[int], str | None],
        clock: Clock,
        *,
        timeout: float = 10.0,
        allow_private: bool = False,
        resolve: Callable[[str], list[str]] | None = None,
    ) -> None:
        self._secret_for = secret_for
        self._clock = clock
        self._timeout = timeout
        self._local = threading.local()  # worker threads share a sender, never a session
        self._allow_private = allow_private  # WEBHOOKS_ALLOW_INSECURE_URLS: local development only
        self._resolve = resolve or _addresses

    def send(self, message: OutgoingMessage) -> str | None:
        payload = message.payload
        secret = self._secret_for(int(payload["endpoint_id"]))
        if secret is None:
            raise PermanentDeliveryError("webhook endpoint was removed")
        if not self._allow_private:
            self._refuse_internal_hosts(message.recipient)
        body = str(payload["body"]).encode()
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "billpay-webhooks/1",
            SIGNATURE_HEADER: sign(secret, body, timestamp),
            EVENT_ID_HEADER: str(payload["event_id"]),
        }
        status = self._post(message.recipient, body, headers)
        if 200 <= status < 300:
            return str(payload["event_id"])
        if status == 410:
            raise PermanentDeliveryError("receiver answered 410 Gone")
        raise TransientDeliveryError(f"receiver answered {status}")

    def _refuse_internal_hosts(self, url: str) -> None:
        """Registration refuses internal hosts by address, but a public name can resolve to one (SSRF).

        Checked at each delivery, so a name re-pointed after registration is caught too; a rebinding between
        this lookup and the connection's own is not.
        """
        try:
            found = [
                ipaddress.ip_address(a.split("%")[0]) for a in self._resolve(urlsplit(url).hostname or "")
            ]
        except (OSError, ValueError):
            raise TransientDeliveryError("receiver host does not resolve") from None
        mapped = [a.ipv4_mapped or a if isinstance(a, ipaddress.IPv6Address) else a for a in found]
        if not mapped or not all(a.is_global for a in mapped):
            raise PermanentDeliveryError("receiver host resolves to a non-public address")

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST on this thread's session (https, or http only where WEBHOOKS_ALLOW_INSECURE_URLS)."""
        import requests

        try:
            # A redirect could point the worker at an internal address: the receiver answers at its URL or fails.
            with self._session().post(
                url, data=body, headers=headers, timeout=self._timeout, allow_redirects=False, stream=True
            ) as response:
                # Read the answer to its end, so the connection can carry the next delivery; a receiver that
                # answers at length gets its connection closed instead.
                read = 0
                for chunk in response.iter_content(chunk_size=_ANSWER_LIMIT):
                    read += len(chunk)
                    if read >= _ANSWER_LIMIT:
                        break
                return int(response.status_code)
        except requests.ConnectTimeout as exc:  # before the connection existed: certainly not received
            raise TransientDeliveryError(f"receiver unreachable ({type(exc).__name__})") from None
        except requests.Timeout as exc:  # the request went out; the answer did not come back
            raise DeliveryOutcomeUnknown(f"receiver timed out ({type(exc).__name__})") from None
        except (requests.RequestException, OSError) as exc:
            raise TransientDeliveryError(f"receiver unreachable ({type(exc).__name__})") from None

    def close(self) -> None:
        """Close this thread's session and its kept-alive connections."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is not None:
            self._local.session = None
            session.close()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = self._local.session = requests.Session()
            session.trust_env = (
                False  # no proxy or .netrc from the environment: receivers are called directly
            )
        return session


def _addresses(host: str) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]
