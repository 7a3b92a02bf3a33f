"""A voice turn's cost that is not time: no JSON round trip in dispatch, one connection, a few statements."""

from __future__ import annotations

import pytest
from ask_sdk_core.serialize import DefaultSerializer

from tests.alexa.driver import AlexaClient


def test_dispatch_builds_the_envelope_from_the_parsed_event_without_writing_it_out_as_json(
    alexa: AlexaClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: DefaultSerializer, payload: object, obj_type: object) -> None:
        raise AssertionError("the event was turned into JSON text and parsed again")

    monkeypatch.setattr(DefaultSerializer, "deserialize", refuse)
    alexa.launch()
    assert "You have 3 open bills" in alexa.speech
