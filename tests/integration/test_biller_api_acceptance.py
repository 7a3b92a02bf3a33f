"""Issue 5's acceptance, end to end: a biller's system drives /api/v1 and hears back through signed webhooks.

Real parts: the Flask app, the store (SQLite or PostgreSQL), the outbox worker, the Twilio-protocol server, an
aiosmtpd server and a local HTTP server as the biller's webhook receiver.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from skill.domain.clock import FixedClock
from skill.notifications.email import SmtpSender
from skill.notifications.sms import TwilioSender
from skill.notifications.webhook import SIGNATURE_HEADER, verify
from skill.notifications.worker import OutboxWorker
from skill.services.links.payment_links import mark_link_opened, resolve_link
from skill.settings.notifications import NotifySettings
from skill.storage import models as m
from skill.worker import webhook_sender
from tests.support.recording_server import recording_server
from tests.support.smtp import SmtpServer
from tests.support.twilio_server import TwilioServer
from tests.web.api.conftest import Api, invoice_body, running_api

LINK = re.compile(r"https://pay\.example\.test/pay/([A-Za-z0-9_-]+)")


def worker_for(api: Api, twilio: TwilioServer, smtp: SmtpServer) -> OutboxWorker:
    settings = NotifySettings(
        twilio_account_sid=twilio.account_sid,
        twilio_auth_token=twilio.auth_token,
        twilio_from="+15005550006",
        twilio_api_base=twilio.base_url,
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        smtp_from="Billpay <billing@billpay.example>",
        smtp_starttls=False,
        send_timeout_seconds=5,
        max_attempts=3,
    )
    senders = {
        "sms": TwilioSender(settings),
        "email": SmtpSender(settings),
        "webhook": webhook_sender(api.services),
    }
    return OutboxWorker(api.services.uow, senders, api.services.clock, settings, rng=random.Random(7))


def test_biller_creates_1000_invoices_requests_payment_by_sms_and_email_and_hears_back_signed(
    database_url: str,
    tmp_path: Path,
    clock: FixedClock,
    twilio_server: TwilioServer,
    smtp_server: SmtpServer,
) -> None:
    with running_api(database_url, tmp_path, clock) as api, recording_server(status=204) as receiver:
        hook = api.call(
            "POST", "/webhooks", {"url": receiver.url + "/billpay", "events": ["invoice.paid", "link.opened"]}
        )
        assert hook.status_code == 201
        secret = hook.json["secret"]
        api.call("PUT", "/customers/SMS-1", {"name": "Sam Sms", "mobile": "+31612345678"})
        api.call("PUT", "/customers/MAIL-1", {"name": "Mia Mail", "email": "mia@example.com"})
        for n in range(8):
            api.customer(f"ACC-{n}", email=f"acc{n}@example.com")
        accounts = ["SMS-1", "MAIL-1"] + [f"ACC-{n}" for n in range(8)]

        batch = [
            invoice_body(f"2026-03-{i:04}", accounts[i % 10], amount_due_minor=1000 + i) for i in range(1000)
        ]
        created = api.call("POST", "/invoices/batch", {"invoices": batch}, Idempotency_Key="erp-march-run")
        assert created.status_code == 201, created.json
        assert created.json["created"] == 1000
        by_number = {r["number"]: r["id"] for r in created.json["results"]}
        sms_invoice, mail_invoice = by_number["2026-03-0000"], by_number["2026-03-0001"]
        with api.services.uow() as uow:
            assert len(uow.session.query(m.Invoice).all()) == 1000

        by_sms = api.call("POST", f"/invoices/{sms_invoice}/payment-requests", {"channel": "sms"})
        by_mail = api.call("POST", f"/invoices/{mail_invoice}/payment-requests", {"channel": "email"})
        assert (by_sms.status_code, by_mail.status_code) == (201, 201)
        with api.services.uow() as uow:
            queued = {
                (r.invoice_id, r.channel, r.recipient) for r in uow.session.query(m.OutboxMessage).all()
            }
        assert queued == {(sms_invoice, "sms", "+31612345678"), (mail_invoice, "email", "mia@example.com")}

        assert dict(worker_for(api, twilio_server, smtp_server).run(batch=10, once=True)) == {"sent": 2}
        [sms_body] = twilio_server.sent_bodies()
        [mail] = smtp_server.handler.messages()
        assert mail["To"] == "mia@example.com"
        assert LINK.search(mail.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
        token = LINK.search(sms_body).group(1)  # type: ignore[union-attr]

        # The customer opens the SMS link (what the pay page does), then the money lands.
        state = resolve_link(api.services.uow(), token, clock)
        assert mark_link_opened(api.services.uow(), state.link_id, clock) is True
        assert (
            mark_link_opened(api.services.uow(), state.link_id, clock) is False
        )  # a reload says nothing new
        clock.advance(minutes=2)
        paid = api.call(
            "POST",
            f"/invoices/{sms_invoice}/payments",
            {"amount_minor": 1000, "currency": "EUR", "method": "bank_transfer"},
            Idempotency_Key="bank-stmt-1",
        )
        assert paid.json["invoice_status"] == "paid"
        assert api.call("GET", f"/payment-requests/{by_sms.json['id']}").json["status"] == "opened"

        assert dict(worker_for(api, twilio_server, smtp_server).run(batch=10, once=True)) == {"sent": 2}
        now = int(clock.now().timestamp())
        events = []
        for request in receiver.requests:
            assert request.path == "/billpay"
            headers = {name.lower(): value for name, value in request.headers.items()}  # names are case-blind
            assert verify(secret, request.body, headers[SIGNATURE_HEADER.lower()], now)
            assert not verify("whsec_wrong", request.body, headers[SIGNATURE_HEADER.lower()], now)
            events.append(json.loads(request.body))
        assert [e["type"] for e in events] == ["link.opened", "invoice.paid"]
        assert events[0]["data"]["invoice_id"] == events[1]["data"]["invoice_id"] == sms_invoice
        assert events[1]["data"]["amount_paid_minor"] == 1000
        assert "+31612345678" not in receiver.requests[0].body.decode() + receiver.requests[1].body.decode()
        timeline = api.call("GET", f"/invoices/{sms_invoice}/timeline").json
        assert [e["kind"] for e in timeline["events"]] == ["created", "link_created", "link_opened", "paid"]
