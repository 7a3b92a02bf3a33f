"""Step-up for voice payments chosen on the account page: a recognized voice only, or the PIN every time."""

from __future__ import annotations

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.services.identity.account import Notices, set_voice_preferences
from skill.services.identity.voice_pin import set_voice_pin
from tests.alexa.driver import AlexaClient, slot
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import outbox

ELECTRICITY = slot("billType", "electricity", "electricity")  # 94.30, under the 100.00 threshold


def _choose(
    services: Services, demo: DemoSummary, *, always_ask: bool = False, speaker: bool = False
) -> None:
    set_voice_preferences(
        services.uow(),
        demo.customer_id,
        services.clock,
        Notices("https://pay.example.test", "test-secret-key"),
        always_ask_pin=always_ask,
        require_recognized_speaker=speaker,
    )


def test_an_unrecognized_voice_only_gets_the_offer_of_a_link(
    alexa: AlexaClient, services: Services, gateway: FakeGateway, demo: DemoSummary
) -> None:
    _choose(services, demo, speaker=True)

    alexa.intent("PayBillIntent", ELECTRICITY)

    assert "only when I recognize your voice" in alexa.speech
    assert "Shall I send you a payment link" in alexa.speech
    assert "To confirm" not in alexa.speech
    alexa.intent("AMAZON.YesIntent")
    assert "I've sent a payment link for your electricity bill" in alexa.speech
    assert gateway.charged == [] and len(outbox(services, "payment_request")) == 1


def test_a_recognized_voice_pays_as_usual(
    alexa: AlexaClient, services: Services, gateway: FakeGateway, demo: DemoSummary
) -> None:
    _choose(services, demo, speaker=True)
    alexa.person_id = "amzn1.ask.person.ALEX"

    alexa.intent("PayBillIntent", ELECTRICITY)
    alexa.intent("AMAZON.YesIntent")

    assert alexa.speech.startswith("Done. You paid €94.30 to Northwind Energy.")
    assert [p.amount_minor for p in gateway.charged] == [9430]


def test_a_yes_from_an_unrecognized_voice_does_not_pay(
    alexa: AlexaClient, services: Services, gateway: FakeGateway, demo: DemoSummary
) -> None:
    _choose(services, demo, speaker=True)
    alexa.person_id = "amzn1.ask.person.ALEX"
    alexa.intent("PayBillIntent", ELECTRICITY)
    alexa.person_id = None  # someone else answers

    alexa.intent("AMAZON.YesIntent")

    assert "only when I recognize your voice" in alexa.speech and gateway.charged == []


def test_always_ask_asks_for_the_pin_below_the_threshold(
    alexa: AlexaClient, services: Services, gateway: FakeGateway, demo: DemoSummary
) -> None:
    set_voice_pin(
        services.uow(), demo.customer_id, "4321", services.clock, pepper=services.settings.voice_pin_pepper
    )
    _choose(services, demo, always_ask=True)

    alexa.intent("PayBillIntent", ELECTRICITY)
    alexa.intent("AMAZON.YesIntent")

    assert alexa.speech == "Please say your four-digit voice PIN."
    alexa.intent("VoicePinIntent", slot("pin", "4321"))
    assert alexa.speech.startswith("Done. You paid €94.30")


def test_an_unrecognized_voice_is_told_in_german_too(
    alexa: AlexaClient, services: Services, demo: DemoSummary
) -> None:
    _choose(services, demo, speaker=True)
    alexa.locale = "de-DE"
    alexa.intent("PayBillIntent", slot("billType", "Strom", "electricity"))
    assert "wenn ich Ihre Stimme erkenne" in alexa.speech and "Zahlungslink" in alexa.speech
