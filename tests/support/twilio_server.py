"""A local HTTP server that speaks the part of Twilio's REST API we use, and records every request as received.

POST /2010-04-01/Accounts/{sid}/Messages.json (form To/From/Body, basic auth sid:token) answers 201 with a
Message resource; GET on the same path lists the accepted messages, newest first (Twilio's paging shape).
Tests can script failures (`fail_next`) and hold a request open after recording it (`hold_next`).
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_PREFIX = "/2010-04-01/Accounts/"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    form: dict[str, list[str]]
    auth: tuple[str, str] | None
    status: int  # what we answered


@dataclass
class TwilioServer:
    account_sid: str
    auth_token: str
    requests: list[RecordedRequest] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # accepted Message resources
    _failures: deque[tuple[int, int]] = field(default_factory=deque)
    _holds: int = 0
    holding: threading.Event = field(default_factory=threading.Event)  # set once a held request is recorded
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    def fail_next(self, status: int, code: int = 20500, times: int = 1) -> None:
        """Answer the next `times` message creations with this HTTP status and Twilio error code."""
        with self.lock:
            self._failures.extend([(status, code)] * times)

    def hold_next(self) -> None:
        """Accept (record) the next message creation, then keep the response back until `release` is set."""
        with self.lock:
            self._holds += 1

    def sent_bodies(self) -> list[str]:
        with self.lock:
            return [message["body"] for message in self.messages]

    def create_message(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any], bool]:
        with self.lock:
            if self._failures:
                status, code = self._failures.popleft()
                return status, _error(status, code, "scripted failure"), False
            held = self._holds > 0
            self._holds -= int(held)
            now = format_datetime(datetime.now(UTC), usegmt=True)
            sid = "SM" + uuid.uuid4().hex
            resource = {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": form["To"][0],
                "from": form["From"][0],
                "body": form["Body"][0],
                "status": "queued",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "date_created": now,
                "date_updated": now,
                "date_sent": None,
                "num_segments": "1",
                "num_media": "0",
                "price": None,
                "price_unit": "USD",
                "error_code": None,
                "error_message": None,
                "messaging_service_sid": None,
                "uri": f"{API_PREFIX}{self.account_sid}/Messages/{sid}.json",
                "subresource_uris": {"media": f"{API_PREFIX}{self.account_sid}/Messages/{sid}/Media.json"},
            }
            self.messages.append(resource)
            return 201, resource, held

    def list_messages(self, query: dict[str, list[str]]) -> dict[str, Any]:
        with self.lock:
            found = [
                message
                for message in reversed(self.messages)
                if all(message[key.lower()] == query[key][0] for key in ("To", "From") if key in query)
            ]
        size = int(query.get("PageSize", ["50"])[0])
        return {
            "messages": found[:size],
            "page": 0,
            "page_size": size,
            "first_page_uri": f"{API_PREFIX}{self.account_sid}/Messages.json?PageSize={size}&Page=0",
            "next_page_uri": None,
            "previous_page_uri": None,
            "uri": f"{API_PREFIX}{self.account_sid}/Messages.json?PageSize={size}&Page=0",
            "start": 0,
            "end": max(len(found[:size]) - 1, 0),
        }


def _error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _handler(state: TwilioServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def do_POST(self) -> None:
            self._handle()

        def do_GET(self) -> None:
            self._handle()

        def _handle(self) -> None:
            url = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            auth = _basic_auth(self.headers.get("Authorization"))
            status, payload, held = self._respond(url.path, parse_qs(url.query), form, auth)
            recorded = RecordedRequest(
                self.command, url.path, parse_qs(url.query), dict(self.headers), body, form, auth, status
            )
            with state.lock:
                state.requests.append(recorded)
            if held:
                state.holding.set()
                state.release.wait(timeout=60)
            self._reply(status, payload)

        def _respond(
            self,
            path: str,
            query: dict[str, list[str]],
            form: dict[str, list[str]],
            auth: tuple[str, str] | None,
        ) -> tuple[int, dict[str, Any], bool]:
            if path != f"{API_PREFIX}{state.account_sid}/Messages.json":
                return 404, _error(404, 20404, "The requested resource was not found"), False
            if auth != (state.account_sid, state.auth_token):
                return 401, _error(401, 20003, "Authenticate"), False
            if self.command == "GET":
                return 200, state.list_messages(query), False
            if not all(form.get(key, [""])[0] for key in ("To", "From", "Body")):
                return 400, _error(400, 21604, "A 'To', 'From' and 'Body' are required"), False
            return state.create_message(form)

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client (a killed worker) is gone

    return Handler


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


class RunningTwilioServer:
    """Context manager: start on a free loopback port, stop (and release any held request) on exit."""

    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "test-auth-token") -> None:  # noqa: S107
        self.state = TwilioServer(account_sid, auth_token)

    def __enter__(self) -> TwilioServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="twilio-server", daemon=True
        )
        self._thread.start()
        self.state.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        return self.state

    def __exit__(self, *exc: object) -> None:
        self.state.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)
