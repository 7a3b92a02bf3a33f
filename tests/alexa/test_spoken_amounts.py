"""An amount Alexa did not catch, or one that is no plain number, is asked for again: never the full amount."""

from __future__ import annotations

import pytest

from skill.bootstrap import Services
from tests.alexa.driver import AlexaClient, slot
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import attempts, invoice

ELECTRICITY = slot("billType", "electricity", "electricity")  # EUR 94.30, part payments from EUR 10.00
ASKED_AGAIN = {
    "en-US": "How much would you like to pay?",
    "en-GB": "How much would you like to pay?",
    "de-DE": "Wie viel möchten Sie bezahlen?",
    "nl-NL": "Hoeveel wilt u betalen?",
}
UNUSABLE = [
    [slot("amount", "?")],
    [slot("amount", "1e9")],
    [slot("amount", "NaN")],
    [slot("amount", "-20")],
    [slot("amount", "２０")],
    [slot("amount", "20"), slot("cents", "150")],
    [slot("amount", "20"), slot("cents", "?")],
]


@pytest.mark.parametrize("locale", sorted(ASKED_AGAIN))
@pytest.mark.parametrize("amount_slots", UNUSABLE, ids=lambda s: "+".join(x["value"] for x in s))
def test_an_unusable_spoken_amount_is_asked_for_again(
    alexa: AlexaClient, services: Services, gateway: FakeGateway, locale: str, amount_slots: list
) -> None:  # type: ignore[type-arg]
    alexa.locale = locale

    alexa.intent("PayBillIntent", ELECTRICITY, *amount_slots)

    assert ASKED_AGAIN[locale] in alexa.speech
    assert (alexa.attributes.get("conv") or {}).get("pending") is None  # nothing to say yes to
    alexa.intent("AMAZON.YesIntent")
    assert gateway.charged == []
    assert attempts(services, invoice(services, "NWE-2026-11").id) == []


@pytest.mark.parametrize("locale", sorted(ASKED_AGAIN))
def test_a_plain_spoken_amount_with_cents_is_read_back(alexa: AlexaClient, locale: str) -> None:
    alexa.locale = locale

    alexa.intent("PayBillIntent", ELECTRICITY, slot("amount", "20"), slot("cents", "5"))

    assert alexa.attributes["conv"]["pending"]["data"]["amount_minor"] == 2005
