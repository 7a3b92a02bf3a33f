"""Senders keep their connections: SMTP pipelines over one connection, and a broken one never marks a message sent."""

from __future__ import annotations

import asyncio
import random
import smtplib
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from skill.bootstrap import Services
from skill.domain.clock import FixedClock
from skill.notifications.email import SmtpSender
from skill.notifications.senders import OutgoingMessage
from skill.notifications.sms import TwilioSender
from skill.notifications.webhook import WebhookSender
from skill.notifications.worker import OutboxWorker
from skill.settings.notifications import NotifySettings
from skill.storage import models as m
from tests.support.fake_senders import queue
from tests.support.smtp import CollectingHandler, free_port
from tests.support.twilio_server import RunningTwilioServer

FROM = "Billpay <billing@billpay.example>"


class SinkHandler(CollectingHandler):
    """Counts connections (one EHLO each), may offer PIPELINING, and may drop a connection at a given DATA."""

    def __init__(self, *, pipelining: bool) -> None:
        super().__init__()
        self.pipelining = pipelining
        self.connections = 0
        self.drop_at_data: int | None = None  # drop the connection instead of answering this many-th DATA
        self.datas = 0
        self.servers: list[Any] = []

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        with self.lock:
            self.connections += 1
            self.servers.append(server)
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.datas += 1
            drop = self.datas == self.drop_at_data
        if drop:  # the server goes away before it accepted the message
            server.transport.close()
            return "421 closing"
        return await super().handle_DATA(server, session, envelope)


class Sink:
    def __init__(self, *, pipelining: bool) -> None:
        self.handler = SinkHandler(pipelining=pipelining)
        self.port = free_port()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Sink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def close_connections(self) -> None:
        """What a server does to connections idle past its timeout."""
        loop: asyncio.AbstractEventLoop = self._controller.loop
        done = threading.Event()

        def close_all() -> None:
            for server in self.handler.servers:
                if server.transport is not None:
                    server.transport.close()
            done.set()

        loop.call_soon_threadsafe(close_all)
        assert done.wait(timeout=10)

    def message_ids(self) -> Counter[str]:
        return Counter(str(message["Message-ID"]) for message in self.handler.messages())


@pytest.fixture(params=[True, False], ids=["pipelining", "lockstep"])
def sink(request: pytest.FixtureRequest) -> Iterator[Sink]:
    with Sink(pipelining=request.param) as running:
        yield running


def settings_for(sink: Sink) -> NotifySettings:
    return NotifySettings(
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_from=FROM,
        smtp_starttls=False,
        send_timeout_seconds=5,
        lease_seconds=60,
        backoff_base_seconds=10,
        backoff_max_seconds=10,
    )


@pytest.fixture
def smtp(sink: Sink) -> Iterator[SmtpSender]:
    sender = SmtpSender(settings_for(sink))
    yield sender
    sender.close()


def worker(services: Services, sender: SmtpSender, sink: Sink) -> OutboxWorker:
    return OutboxWorker(
        services.uow,
        {"email": sender},
        services.clock,
        settings_for(sink),
        worker_id="w1",
        rng=random.Random(2),
    )


def emails(services: Services, count: int) -> list[int]:
    return queue(services, count, channel="email", recipient="kunde@example.org", locale="de-DE")


def rows(services: Services) -> dict[int, tuple[str, int, str | None]]:
    with services.uow() as uow:
        found = uow.session.execute(
            select(
                m.OutboxMessage.id,
                m.OutboxMessage.status,
                m.OutboxMessage.attempts,
                m.OutboxMessage.last_error,
            )
        ).all()
    return {row.id: (row.status, row.attempts, row.last_error) for row in found}


def expected(ids: list[int]) -> Counter[str]:
    return Counter({f"<outbox-{i}@billpay.example>": 1 for i in ids})


def test_every_message_goes_once_over_one_kept_connection(
    services: Services, sink: Sink, smtp: SmtpSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[int] = []
    original: Callable[[smtplib.SMTP, bytes | str], None] = smtplib.SMTP.send

    def counted(self: smtplib.SMTP, data: bytes | str) -> None:
        writes.append(len(data))
        original(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", counted)
    ids = emails(services, 25)
    delivering = worker(services, smtp, sink)
    for _ in range(3):  # three claims of 10, 10 and 5
        delivering.run_batch(10)

    assert sink.message_ids() == expected(ids)
    assert Counter(status for status, _, _ in rows(services).values()) == {"sent": 25}
    assert sink.handler.connections == 1, "one connection for all three batches"
    if sink.handler.pipelining:  # one write per message: its envelope and the content before it
        assert len(writes) <= 25 + 2 * 3, writes


def test_a_refused_recipient_inside_a_stream_fails_only_its_message(
    services: Services, sink: Sink, smtp: SmtpSender
) -> None:
    ids = emails(services, 5)
    sink.handler.refuse_next_recipient("550 5.1.1 mailbox unavailable")
    sink.handler.refuse_next_recipient("451 4.3.0 try again later")

    assert worker(services, smtp, sink).run_batch(10) == {"dead": 1, "retry": 1, "sent": 3}

    stored = rows(services)
    assert stored[ids[0]] == ("dead", 1, "PermanentDeliveryError: smtp recipient refused [550]")
    assert stored[ids[1]] == ("pending", 1, "TransientDeliveryError: smtp recipient refused [451]")
    assert sink.message_ids() == expected(ids[2:])


def test_a_connection_lost_mid_stream_marks_no_unanswered_message_sent(
    services: Services, sink: Sink, smtp: SmtpSender, clock: FixedClock
) -> None:
    ids = emails(services, 6)
    sink.handler.drop_at_data = 3  # the third message's content never gets its 250
    delivering = worker(services, smtp, sink)

    first = delivering.run_batch(10)

    stored = rows(services)
    assert [stored[i][0] for i in ids[:2]] == ["sent", "sent"]
    assert stored[ids[2]][0] == "pending" and (stored[ids[2]][2] or "").startswith(
        "TransientDeliveryError: smtp"
    )
    assert all(status != "sent" for status, _, _ in (stored[i] for i in ids[2:]))
    assert first["sent"] == 2 and first["retry"] in (1, 2), first  # the next envelope, when it was pipelined
    counted = [stored[i][1] for i in ids[2:]]
    assert counted[0] == 1 and sum(counted) == first["retry"], (
        "a message nothing of which went out is uncounted"
    )
    assert sink.message_ids() == expected(ids[:2])

    clock.advance(seconds=10)
    for _ in range(2):  # a new connection delivers the rest: what was never handed over went back to pending
        delivering.run_batch(10)
    assert sink.message_ids() == expected(ids)
    assert Counter(status for status, _, _ in rows(services).values()) == {"sent": 6}


def test_a_kept_connection_the_server_closed_meanwhile_is_opened_again(
    services: Services, sink: Sink, smtp: SmtpSender
) -> None:
    delivering = worker(services, smtp, sink)
    first = emails(services, 2)
    assert delivering.run_batch(10) == {"sent": 2}

    sink.close_connections()
    second = emails(services, 2)

    assert delivering.run_batch(10) == {"sent": 2}, "no message pays for the stale connection"
    assert sink.message_ids() == expected(first + second)
    assert sink.handler.connections == 2


def test_sms_reuse_one_connection_to_twilio(services: Services) -> None:
    running = RunningTwilioServer()
    twilio = running.__enter__()
    accepted = _count_connections(running._httpd)
    try:
        settings = NotifySettings(
            twilio_account_sid=twilio.account_sid,
            twilio_auth_token=twilio.auth_token,
            twilio_from="+15005550006",
            twilio_api_base=twilio.base_url,
        )
        ids = queue(services, 4)
        sms = TwilioSender(settings)
        assert OutboxWorker(services.uow, {"sms": sms}, services.clock, settings).run(
            batch=10, once=True
        ) == {"sent": 4}
        assert len(twilio.messages) == len(ids) and accepted() == 1
    finally:
        running.__exit__(None, None, None)


def test_webhooks_to_one_receiver_reuse_one_connection() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KeepAliveHandler)
    server.daemon_threads = True
    accepted = _count_connections(server)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    sender = WebhookSender(
        lambda endpoint_id: "whsec_test",
        FixedClock(datetime(2026, 3, 10, 9, 30, tzinfo=UTC)),
        allow_private=True,
    )
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        for n in range(4):
            message = OutgoingMessage(
                n,
                "webhook",
                "webhook",
                url,
                "en-US",
                {"endpoint_id": 1, "event_id": f"evt_{n}", "body": "{}"},
            )
            assert sender.send(message) == f"evt_{n}"
        assert accepted() == 1
    finally:
        sender.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class _KeepAliveHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _count_connections(server: ThreadingHTTPServer) -> Callable[[], int]:
    """Wrap the server's accept: returns how many connections it accepted so far."""
    count = [0]
    accept = server.get_request

    def counted() -> tuple[Any, Any]:
        connection = accept()
        count[0] += 1
        return connection

    server.get_request = counted  # type: ignore[method-assign]
    return lambda: count[0]
