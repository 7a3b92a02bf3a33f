"""Conversations stored as data (tests/e2e/conversations/*.json), each spoken through virtual-alexa.

A file holds a locale, who is speaking, optional setup, the turns (what is said and what must be heard) and
what the store must show afterwards. See tests/e2e/README.md for the format; unknown keys fail the test,
so a typo cannot silently drop a check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.services.identity.voice_pin import set_voice_pin
from tests.e2e.conftest import OpenConversation
from tests.e2e.store import bill_states, customer_without_bills, remove_stored_methods
from tests.e2e.virtual_alexa import VirtualAlexa
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import outbox

pytestmark = pytest.mark.e2e

CONVERSATIONS = sorted((Path(__file__).parent / "conversations").glob("*.json"))
FILE_KEYS = {"title", "locale", "customer", "setup", "turns", "then"}
SETUP_KEYS = {"no_stored_card", "voice_pin"}
TURN_KEYS = {"launch", "say", "intend", "slots", "intent", "resolved", "hears", "not_hears", "card", "ends"}
THEN_KEYS = {"bills", "charged_minor", "outbox"}


def load(path: Path) -> dict[str, Any]:
    conversation: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert set(conversation) <= FILE_KEYS, f"unknown keys {set(conversation) - FILE_KEYS}"
    assert set(conversation.get("setup", {})) <= SETUP_KEYS, "unknown setup"
    assert set(conversation.get("then", {})) <= THEN_KEYS, "unknown expectations"
    for turn in conversation["turns"]:
        assert set(turn) <= TURN_KEYS, f"unknown keys {set(turn) - TURN_KEYS} in {turn}"
        assert sum(k in turn for k in ("launch", "say", "intend")) == 1, f"say one thing per turn: {turn}"
    return conversation


def speak(alexa: VirtualAlexa, turn: dict[str, Any]) -> str:
    if turn.get("launch"):
        return alexa.launch()
    if "say" in turn:
        return alexa.utter(turn["say"])
    return alexa.intend(turn["intend"], **turn.get("slots", {}))


def check_turn(alexa: VirtualAlexa, turn: dict[str, Any], heard: str) -> None:
    said = turn.get("say") or turn.get("intend") or "launch"
    if "intent" in turn:
        assert alexa.last.intent == turn["intent"], f"{said!r} resolved to {alexa.last.intent}"
    if "resolved" in turn:
        assert alexa.last.slots == turn["resolved"], f"{said!r} filled {alexa.last.slots}"
    for expected in turn.get("hears", []):
        assert expected in heard, f"after {said!r} expected {expected!r} in {heard!r}"
    for unexpected in turn.get("not_hears", []):
        assert unexpected not in heard, f"after {said!r} did not expect {unexpected!r} in {heard!r}"
    if "card" in turn:
        card = alexa.last.card or {}
        assert turn["card"] in (card.get("title"), card.get("type")), f"after {said!r} the card was {card}"
    if "ends" in turn:
        assert alexa.last.ended is turn["ends"], f"after {said!r} the session ended: {alexa.last.ended}"


def check_store(services: Services, gateway: FakeGateway, then: dict[str, Any]) -> None:
    states = bill_states(services)
    for number, expected in then.get("bills", {}).items():
        status, paid = states[number]
        assert [status, paid] == expected, f"{number} is {status} with {paid} paid"
    if "charged_minor" in then:
        assert [p.amount_minor for p in gateway.charged] == then["charged_minor"]
    for kind, expected in then.get("outbox", {}).items():
        rows = sorted([m.channel, m.recipient] for m in outbox(services, kind))
        assert rows == sorted(expected), f"outbox {kind}: {rows}"


@pytest.mark.parametrize("path", CONVERSATIONS, ids=[p.stem for p in CONVERSATIONS])
def test_stored_conversation(
    path: Path,
    open_conversation: OpenConversation,
    services: Services,
    demo: DemoSummary,
    demo_token: str,
    gateway: FakeGateway,
) -> None:
    conversation = load(path)
    setup = conversation.get("setup", {})
    if setup.get("no_stored_card"):
        remove_stored_methods(services, demo.customer_id)
    if "voice_pin" in setup:
        set_voice_pin(
            services.uow(),
            demo.customer_id,
            setup["voice_pin"],
            services.clock,
            pepper=services.settings.voice_pin_pepper,
        )
    token = {
        "demo": lambda: demo_token,
        "no-bills": lambda: customer_without_bills(services.uow, services.clock),
        "unlinked": lambda: None,
    }[conversation.get("customer", "demo")]()
    alexa = open_conversation(locale=conversation["locale"], access_token=token)
    for turn in conversation["turns"]:
        check_turn(alexa, turn, speak(alexa, turn))
    check_store(services, gateway, conversation.get("then", {}))


def test_there_are_stored_conversations_in_every_locale() -> None:
    locales = {load(path)["locale"] for path in CONVERSATIONS}
    assert locales == {"en-US", "en-GB", "de-DE", "nl-NL"}
