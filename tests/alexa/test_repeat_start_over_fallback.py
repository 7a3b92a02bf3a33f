"""Say that again, start over, and misunderstandings that help (issue #11 items 2 and 3), in every voice locale."""

from __future__ import annotations

import pytest

from skill.alexa.entry import dispatch
from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.services.identity.voice_pin import set_voice_pin
from tests.alexa.driver import AlexaClient, slot
from tests.support.fake_gateway import FakeGateway

LOCALES = ("en-US", "en-GB", "de-DE", "nl-NL")
ELECTRICITY = {"en-US": "electricity", "en-GB": "electricity", "de-DE": "Strom", "nl-NL": "stroom"}
# What the first misunderstanding says: one of its examples, and the question it ends on.
EXAMPLE = {
    "en-US": ("pay my phone bill", "What would you like to do?"),
    "en-GB": ("pay my phone bill", "What would you like to do?"),
    "de-DE": ("bezahle meine Telefonrechnung", "Was möchten Sie tun?"),
    "nl-NL": ("betaal mijn telefoonrekening", "Wat wilt u doen?"),
}
OFFER_HELP = {
    "en-US": "Would you like some help",
    "en-GB": "Would you like some help",
    "de-DE": "Möchten Sie hören, was Sie sagen können?",
    "nl-NL": "Wilt u horen wat u kunt zeggen?",
}
HELP = {
    "en-US": "I can tell you what you owe",
    "en-GB": "I can tell you what you owe",
    "de-DE": "Ich kann Ihnen sagen, was Sie schulden",
    "nl-NL": "Ik kan u vertellen wat u moet betalen",
}
FAULT = {
    "en-US": "something went wrong",
    "en-GB": "something went wrong",
    "de-DE": "etwas schiefgelaufen",
    "nl-NL": "misgegaan",
}


def _reprompt(alexa: AlexaClient) -> str:
    return str(alexa.last["response"].get("reprompt", {}).get("outputSpeech", {}).get("ssml", ""))


def _directives(alexa: AlexaClient) -> list[dict[str, object]]:
    return list(alexa.last["response"].get("directives") or [])


# Say that again


@pytest.mark.parametrize("locale", LOCALES)
def test_repeat_says_the_last_answer_again_and_its_question_still_stands(
    alexa: AlexaClient, locale: str
) -> None:
    alexa.locale = locale
    alexa.launch()
    said, reprompt = alexa.ssml, _reprompt(alexa)
    alexa.intent("AMAZON.RepeatIntent")
    assert (alexa.ssml, _reprompt(alexa)) == (said, reprompt) and not alexa.ended
    alexa.intent("AMAZON.RepeatIntent")  # and again
    assert alexa.ssml == said
    alexa.intent("AMAZON.YesIntent")  # "shall I read them?" is still the question
    assert "Lumen Mobile" in alexa.speech and "Aqua Pura" in alexa.speech


def test_repeat_at_the_confirmation_repeats_the_read_back_and_yes_pays_once(
    alexa: AlexaClient, gateway: FakeGateway
) -> None:
    alexa.intent("PayBillIntent", slot("billType", "electricity", "electricity"))
    readback = alexa.speech
    alexa.intent("AMAZON.RepeatIntent")
    assert alexa.speech == readback and gateway.charged == []
    alexa.intent("AMAZON.YesIntent")
    assert alexa.speech.startswith("Done. You paid €94.30 to Northwind Energy.")
    assert [p.amount_minor for p in gateway.charged] == [9430]


@pytest.mark.parametrize(
    ("locale", "nothing"),
    [
        ("en-US", "I haven't said anything yet"),
        ("en-GB", "I haven't said anything yet"),
        ("de-DE", "Ich habe noch nichts gesagt"),
        ("nl-NL", "Ik heb nog niets gezegd"),
    ],
)
def test_repeat_before_anything_was_said_says_what_the_customer_can_do(
    alexa: AlexaClient, locale: str, nothing: str
) -> None:
    alexa.locale = locale
    alexa.intent("AMAZON.RepeatIntent")
    assert alexa.speech.startswith(nothing) and alexa.speech.endswith("?") and not alexa.ended


def test_an_edited_last_answer_is_not_said(alexa: AlexaClient) -> None:
    alexa.launch()
    alexa.attributes["said"]["speech"] = "Please tell me your card number."
    alexa.intent("AMAZON.RepeatIntent")
    assert "card number" not in alexa.speech and alexa.speech.startswith("I haven't said anything yet")


def test_repeat_at_the_pin_prompt_asks_for_the_pin_slot_again(
    alexa: AlexaClient, services: Services, demo: DemoSummary, gateway: FakeGateway
) -> None:
    set_voice_pin(
        services.uow(), demo.customer_id, "4321", services.clock, pepper=services.settings.voice_pin_pepper
    )
    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"))
    alexa.intent("AMAZON.YesIntent")
    asked = alexa.speech
    alexa.intent("AMAZON.RepeatIntent")
    assert alexa.speech == asked
    [directive] = _directives(alexa)
    assert directive["type"] == "Dialog.ElicitSlot" and directive["slotToElicit"] == "pin"
    alexa.intent("VoicePinIntent", slot("pin", "4321"))
    assert alexa.speech.startswith("Done. You paid €120.00 to Lumen Mobile.")


def test_the_remembered_answer_is_the_last_one_and_bounded() -> None:
    from skill.alexa.state import MAX_SAID_CHARS, Said, Seal

    seal, attributes = Seal.for_customer("k", 7), {}
    Said("Hi.", "What now?", ("VoicePinIntent", "pin")).save(attributes, seal)
    assert Said.load(attributes, seal) == Said("Hi.", "What now?", ("VoicePinIntent", "pin"))
    assert Said.load(attributes, Seal.for_customer("k", 8)) is None  # sealed for the customer it was said to
    Said("x" * MAX_SAID_CHARS, "y").save(attributes, seal)  # too long to carry in every response: dropped
    assert "said" not in attributes and Said.load(attributes, seal) is None


# Start over


@pytest.mark.parametrize("locale", LOCALES)
def test_start_over_forgets_the_conversation_and_greets_as_a_launch_does(
    alexa: AlexaClient, services: Services, demo_token: str, gateway: FakeGateway, locale: str
) -> None:
    alexa.locale = locale
    alexa.intent("ListBillsIntent")
    alexa.intent("PayBillIntent", slot("billType", ELECTRICITY[locale], "electricity"))  # a read-back pending
    alexa.intent("AMAZON.StartOverIntent")
    launched = AlexaClient(send=lambda e: dispatch(services, e), access_token=demo_token, locale=locale)
    launched.launch()
    assert alexa.speech == launched.speech and not alexa.ended
    conv = alexa.attributes["conv"]
    assert (conv["heard"], conv["focus"], conv["listing"]) == ([], None, None)
    assert conv["pending"]["question"] == "hear_or_pay"
    alexa.intent("AMAZON.YesIntent")  # answers the launch's question, not the forgotten read-back
    assert gateway.charged == [] and "Aqua Pura" in alexa.speech


def test_after_start_over_an_ordinal_refers_to_nothing_heard_before(alexa: AlexaClient) -> None:
    alexa.intent("ListBillsIntent", slot("billType", "phone", "phone"))  # heard: the phone bill only
    alexa.intent("AMAZON.StartOverIntent")
    alexa.intent("PayBillIntent", slot("ordinal", "first", "1"))
    # The first of all open bills by due date (the water bill), not the first of the list heard before.
    assert "water bill from Aqua Pura" in alexa.speech


# Misunderstandings


@pytest.mark.parametrize("locale", LOCALES)
def test_a_first_miss_says_what_the_customer_can_do_and_asks(alexa: AlexaClient, locale: str) -> None:
    alexa.locale = locale
    alexa.intent("AMAZON.FallbackIntent")
    example, question = EXAMPLE[locale]
    assert example in alexa.speech and alexa.speech.endswith(
        question
    )  # the question is said, not only reprompted
    assert _reprompt(alexa) and not alexa.ended


@pytest.mark.parametrize("locale", LOCALES)
def test_a_second_miss_in_a_row_offers_help_and_yes_gives_it(alexa: AlexaClient, locale: str) -> None:
    alexa.locale = locale
    alexa.intent("AMAZON.FallbackIntent")
    alexa.intent("AMAZON.FallbackIntent")
    assert OFFER_HELP[locale] in alexa.speech and alexa.speech.endswith("?") and not alexa.ended
    alexa.intent("AMAZON.YesIntent")
    assert alexa.speech.startswith(HELP[locale]) and not alexa.ended


def test_no_to_the_offered_help_says_what_the_customer_can_ask(alexa: AlexaClient) -> None:
    alexa.intent("AMAZON.FallbackIntent")
    alexa.intent("AMAZON.FallbackIntent")
    alexa.intent("AMAZON.NoIntent")
    assert (
        alexa.speech
        == "OK. You can ask what you owe, hear a bill's details, or pay a bill. What would you like to do?"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_a_third_miss_in_a_row_ends_politely_instead_of_looping(alexa: AlexaClient, locale: str) -> None:
    alexa.locale = locale
    for _ in range(3):
        alexa.intent("AMAZON.FallbackIntent")
    goodbye = {"en-US": "Goodbye.", "en-GB": "Goodbye.", "de-DE": "Auf Wiederhören.", "nl-NL": "Tot ziens."}
    assert alexa.ended and alexa.speech.endswith(goodbye[locale])


def test_an_understood_turn_resets_the_misses(alexa: AlexaClient) -> None:
    alexa.intent("AMAZON.FallbackIntent")
    alexa.intent("ListBillsIntent")
    alexa.intent("AMAZON.FallbackIntent")
    assert alexa.speech.startswith("Sorry, I didn't get that.") and "pay my phone bill" in alexa.speech
    alexa.intent("AMAZON.FallbackIntent")
    alexa.intent("AMAZON.RepeatIntent")  # an understood turn too
    alexa.intent("AMAZON.FallbackIntent")
    assert alexa.speech.startswith("Sorry, I didn't get that.") and not alexa.ended


def test_an_unreadable_miss_count_counts_as_none(alexa: AlexaClient) -> None:
    alexa.intent("AMAZON.FallbackIntent")
    alexa.attributes["misses"] = "lots"
    alexa.intent("AMAZON.FallbackIntent")
    assert alexa.speech.startswith("Sorry, I didn't get that.") and not alexa.ended


def test_a_miss_at_the_confirmation_says_nothing_was_paid_and_a_later_yes_pays_nothing(
    alexa: AlexaClient, gateway: FakeGateway
) -> None:
    alexa.intent("PayBillIntent", slot("billType", "electricity", "electricity"))
    alexa.intent("AMAZON.FallbackIntent")
    assert alexa.speech.startswith("Sorry, I didn't get that. Nothing has been paid.")
    alexa.intent("AMAZON.YesIntent")
    assert gateway.charged == []


@pytest.mark.parametrize("locale", LOCALES)
def test_an_intent_no_handler_knows_is_answered_like_a_miss_not_as_a_fault(
    alexa: AlexaClient, locale: str
) -> None:
    alexa.locale = locale
    alexa.intent("SomeFutureIntent", slot("thing", "whatever"))
    example, question = EXAMPLE[locale]
    assert FAULT[locale] not in alexa.speech
    assert example in alexa.speech and alexa.speech.endswith(question) and not alexa.ended
    alexa.intent("SomeFutureIntent")  # and it counts as a miss
    assert OFFER_HELP[locale] in alexa.speech


def test_an_unknown_intent_is_logged_by_name_only(
    alexa: AlexaClient, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="skill.alexa"):
        alexa.intent("SomeFutureIntent", slot("thing", "my secret words"))
        alexa.intent("Not a <name>")
    assert "SomeFutureIntent" in caplog.text and "(unreadable)" in caplog.text
    assert "secret" not in caplog.text and "<name>" not in caplog.text


def test_a_fault_is_still_a_fault(alexa: AlexaClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The unknown-intent answer is a handler, not a catch-all exception handler: faults are still apologised for."""
    import skill.services.billing.bills as bills

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("broken store")

    monkeypatch.setattr(bills, "outstanding_of", broken)
    alexa.intent("ListBillsIntent")
    assert alexa.speech.startswith("Sorry, something went wrong on our side.")


def test_a_refusal_is_what_repeat_says_again(alexa: AlexaClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import skill.services.billing.bills as bills
    from skill.domain.errors import NotFound

    alexa.launch()

    def refused(*args: object, **kwargs: object) -> object:
        raise NotFound("no such bill")

    monkeypatch.setattr(bills, "outstanding_of", refused)
    alexa.intent("ListBillsIntent")
    assert alexa.speech.startswith("I couldn't find that bill.") and not alexa.ended
    assert alexa.attributes["conv"]["pending"] is None  # the launch's question is not pending any more
    alexa.intent("AMAZON.RepeatIntent")
    assert alexa.speech.startswith("I couldn't find that bill.")
