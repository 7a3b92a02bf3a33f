"""SMS through the twilio package against a local server that speaks Twilio's REST protocol."""

from __future__ import annotations

import random
from urllib.parse import parse_qs

import pytest

from skill.bootstrap import Services
from skill.domain.clock import FixedClock
from skill.notifications.messages import gsm7_septets
from skill.notifications.sms import TwilioSender
from skill.notifications.worker import OutboxWorker
from skill.settings.notifications import NotifySettings
from skill.storage import models as m
from tests.support.fake_senders import queue
from tests.support.twilio_server import TwilioServer

FROM = "+15005550006"
TO = "+46701234567"


def twilio_settings(server: TwilioServer, **overrides: object) -> NotifySettings:
    values: dict[str, object] = {
        "twilio_account_sid": server.account_sid,
        "twilio_auth_token": server.auth_token,
        "twilio_from": FROM,
        "twilio_api_base": server.base_url,
        "send_timeout_seconds": 5,
        "max_attempts": 3,
    }
    values.update(overrides)
    return NotifySettings(**values)  # type: ignore[arg-type]


def make_worker(services: Services, server: TwilioServer, **overrides: object) -> OutboxWorker:
    settings = twilio_settings(server, **overrides)
    return OutboxWorker(
        services.uow, {"sms": TwilioSender(settings)}, services.clock, settings, rng=random.Random(5)
    )


def stored(services: Services, message_id: int) -> m.OutboxMessage:
    with services.uow() as uow:
        row = uow.outbox.get(message_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def test_sms_reaches_twilio_exactly_as_its_api_expects(
    services: Services, twilio_server: TwilioServer
) -> None:
    url = "https://pay.example.test/pay/abc123"
    [message_id] = queue(
        services, locale="sv-SE", recipient=TO, payload={"url": url, "customer_name": "Sven Svensson"}
    )
    assert make_worker(services, twilio_server).run(batch=5, once=True) == {"sent": 1}
    [request] = twilio_server.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{twilio_server.account_sid}/Messages.json"
    assert request.auth == (twilio_server.account_sid, twilio_server.auth_token)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(request.body.decode())
    assert sorted(form) == ["Body", "From", "To"]
    assert form["To"] == [TO] and form["From"] == [FROM]
    body = form["Body"][0]
    assert body == f"Acme Energy: din faktura på 42,50 € är klar. Betala säkert: {url}"
    assert "Sven" not in body
    septets = gsm7_septets(body)
    assert septets is not None and septets <= 160
    row = stored(services, message_id)
    assert row.status == "sent" and row.provider_ref == twilio_server.messages[0]["sid"]


def test_rate_limited_sms_is_retried_later(
    services: Services, twilio_server: TwilioServer, clock: FixedClock
) -> None:
    twilio_server.fail_next(429, code=20429)
    [message_id] = queue(services, recipient=TO)
    worker = make_worker(services, twilio_server)
    assert worker.run_batch(5) == {"retry": 1}
    assert stored(services, message_id).last_error == "TransientDeliveryError: twilio http 429 code 20429"
    clock.advance(seconds=3600)
    assert worker.run_batch(5) == {"sent": 1}
    assert len(twilio_server.sent_bodies()) == 1


def test_invalid_number_is_a_dead_letter_without_the_number_in_the_error(
    services: Services, twilio_server: TwilioServer
) -> None:
    twilio_server.fail_next(400, code=21211)
    [message_id] = queue(services, recipient=TO)
    assert make_worker(services, twilio_server).run(batch=5, once=True) == {"dead": 1}
    row = stored(services, message_id)
    assert row.last_error == "PermanentDeliveryError: twilio http 400 code 21211"


def test_server_error_is_looked_up_before_the_sms_is_sent_again(
    services: Services, twilio_server: TwilioServer, clock: FixedClock
) -> None:
    twilio_server.fail_next(500, code=20500)
    [message_id] = queue(services, recipient=TO)
    worker = make_worker(services, twilio_server)
    assert worker.run_batch(5) == {"unknown": 1}
    row = stored(services, message_id)
    assert row.status == "sending" and row.lease_until is not None
    clock.advance(seconds=(row.lease_until - clock.now()).total_seconds())
    assert worker.run_batch(5) == {"sent": 1}
    methods = [(r.method, r.status) for r in twilio_server.requests]
    assert methods == [("POST", 500), ("GET", 200), ("POST", 201)]
    assert twilio_server.requests[1].query["To"] == [TO] and twilio_server.requests[1].query["From"] == [FROM]


def test_sms_accepted_before_a_crash_is_found_and_not_sent_twice(
    services: Services, twilio_server: TwilioServer, clock: FixedClock
) -> None:
    [message_id] = queue(services, recipient=TO)
    sender = TwilioSender(twilio_settings(twilio_server))
    from skill.notifications.senders import OutgoingMessage

    row = stored(services, message_id)
    outgoing = OutgoingMessage(row.id, row.kind, row.channel, row.recipient, row.locale, dict(row.payload))
    accepted_sid = sender.send(outgoing)
    assert sender.find_sent(outgoing, row.created_at) == accepted_sid
    other = OutgoingMessage(row.id, row.kind, row.channel, row.recipient, "de-DE", dict(row.payload))
    assert sender.find_sent(other, row.created_at) is None, "another body is another message"


def test_wrong_credentials_are_retried_not_dead_lettered(
    services: Services, twilio_server: TwilioServer
) -> None:
    [message_id] = queue(services, recipient=TO)
    worker = make_worker(services, twilio_server, twilio_auth_token="wrong")
    assert worker.run_batch(5) == {"retry": 1}
    assert stored(services, message_id).last_error == "TransientDeliveryError: twilio http 401 code 20003"


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "de-DE", "nl-NL", "sv-SE"])
def test_every_locale_sends_a_single_gsm7_segment(
    services: Services, twilio_server: TwilioServer, locale: str
) -> None:
    queue(services, locale=locale, recipient=TO, payload={"amount_minor": 123456, "currency": "SEK"})
    assert make_worker(services, twilio_server).run(batch=5, once=True) == {"sent": 1}
    [body] = twilio_server.sent_bodies()
    septets = gsm7_septets(body)
    assert septets is not None and septets <= 160, body
