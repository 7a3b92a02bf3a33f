"""The webhook sender never posts to an internal address, whatever the registered host name resolves to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skill.domain.clock import FixedClock
from skill.notifications.senders import OutgoingMessage, PermanentDeliveryError
from skill.notifications.webhook import WebhookSender


class RecordingSender(WebhookSender):
    posted: list[str]

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.posted.append(url)
        return 200


def _sender(addresses: list[str], *, allow_private: bool = False) -> RecordingSender:
    sender = RecordingSender(
        lambda endpoint_id: "whsec_test",
        FixedClock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC)),
        allow_private=allow_private,
        resolve=lambda host: addresses,
    )
    sender.posted = []
    return sender


MESSAGE = OutgoingMessage(
    1,
    "webhook",
    "webhook",
    "https://hooks.biller.example/billpay",
    "en-US",
    {"endpoint_id": 7, "event_id": "evt_1", "body": "{}"},
)


@pytest.mark.parametrize(
    "addresses",
    [
        ["169.254.169.254"],
        ["10.0.0.5"],
        ["127.0.0.1"],
        ["93.184.215.14", "192.168.1.1"],
        ["::ffff:127.0.0.1"],
    ],
)
def test_a_public_name_that_resolves_to_an_internal_address_is_never_posted_to(addresses: list[str]) -> None:
    sender = _sender(addresses)
    with pytest.raises(PermanentDeliveryError, match="non-public"):
        sender.send(MESSAGE)
    assert sender.posted == []


def test_a_public_address_is_posted_to() -> None:
    sender = _sender(["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
    assert sender.send(MESSAGE) == "evt_1"
    assert sender.posted == ["https://hooks.biller.example/billpay"]


def test_local_development_may_post_to_private_addresses() -> None:
    sender = _sender(["127.0.0.1"], allow_private=True)
    assert sender.send(MESSAGE) == "evt_1"
