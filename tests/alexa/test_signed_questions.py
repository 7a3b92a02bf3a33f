"""A pending voice question is signed with SECRET_KEY and bound to its customer; the PIN rule is worked out anew."""

from __future__ import annotations

from datetime import timedelta

from skill.alexa.entry import dispatch
from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.services.identity.link_tokens import issue_token
from skill.services.identity.voice_pin import set_voice_pin
from skill.storage import models as m
from tests.alexa.driver import AlexaClient, slot
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import attempts, invoice

ELECTRICITY = slot("billType", "electricity", "electricity")  # EUR 94.30, under the EUR 100.00 PIN threshold
OUT_OF_CONTEXT = "not sure what you're saying yes to"


def _pending(alexa: AlexaClient) -> dict:  # type: ignore[type-arg]
    pending = alexa.attributes["conv"]["pending"]
    assert pending["question"] == "confirm_payment" and pending["mac"]
    return pending  # type: ignore[no-any-return]


def test_a_tampered_amount_is_no_question_and_nothing_is_charged(
    alexa: AlexaClient, services: Services, gateway: FakeGateway
) -> None:
    alexa.intent("PayBillIntent", ELECTRICITY)
    _pending(alexa)["data"]["amount_minor"] = 1000

    alexa.intent("AMAZON.YesIntent")

    assert OUT_OF_CONTEXT in alexa.speech
    assert gateway.charged == []
    assert attempts(services, invoice(services, "NWE-2026-11").id) == []


def test_a_question_without_its_signature_or_with_another_one_is_rejected(
    alexa: AlexaClient, services: Services, gateway: FakeGateway
) -> None:
    alexa.intent("PayBillIntent", ELECTRICITY)
    signed = dict(_pending(alexa))
    for forged in ({k: v for k, v in signed.items() if k != "mac"}, {**signed, "mac": "0" * 64}):
        alexa.attributes["conv"]["pending"] = forged
        alexa.intent("AMAZON.YesIntent")
        assert OUT_OF_CONTEXT in alexa.speech
    assert gateway.charged == []


def test_a_question_copied_into_another_customers_session_is_rejected(
    alexa: AlexaClient, services: Services, gateway: FakeGateway, demo: DemoSummary
) -> None:
    with services.uow() as uow:
        uow.session.add(
            m.Customer(name="Other Person", email="other@example.test", created_at=services.clock.now())
        )
        uow.commit()
    other = AlexaClient(
        send=lambda event: dispatch(services, event),
        access_token=issue_token(services.uow(), "other@example.test", services.clock, ttl=timedelta(days=1)),
    )
    alexa.intent("PayBillIntent", ELECTRICITY)
    other.intent("AMAZON.HelpIntent")
    other.attributes = {**other.attributes, "conv": alexa.attributes["conv"]}

    other.intent("AMAZON.YesIntent")

    assert OUT_OF_CONTEXT in other.speech
    assert gateway.charged == []


def test_the_pin_rule_is_worked_out_again_when_the_customer_says_yes(
    alexa: AlexaClient, services: Services, gateway: FakeGateway, demo: DemoSummary
) -> None:
    alexa.intent("PayBillIntent", ELECTRICITY)  # no PIN yet: the question was asked without one
    set_voice_pin(
        services.uow(), demo.customer_id, "4321", services.clock, pepper=services.settings.voice_pin_pepper
    )
    with services.uow() as uow:
        uow.customers.get(demo.customer_id).always_ask_pin = True  # chosen on the account page meanwhile
        uow.commit()

    alexa.intent("AMAZON.YesIntent")

    assert gateway.charged == []
    assert alexa.attributes["conv"]["pending"]["question"] == "pin"
    alexa.intent("VoicePinIntent", slot("pin", "4321"))
    assert [p.amount_minor for p in gateway.charged] == [9430]


def test_an_untampered_question_still_pays(alexa: AlexaClient, gateway: FakeGateway) -> None:
    alexa.intent("PayBillIntent", ELECTRICITY)
    alexa.intent("AMAZON.YesIntent")
    assert [p.amount_minor for p in gateway.charged] == [9430]
