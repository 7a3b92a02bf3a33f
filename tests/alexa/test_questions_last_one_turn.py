"""Questions the skill asks stand for one turn (a later "yes" confirms nothing) and their answers carry on the request."""

from __future__ import annotations

from skill.bootstrap import Services
from tests.alexa.driver import AlexaClient, slot
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import attempts, invoice, outbox


def test_yes_after_another_answer_does_not_confirm_the_payment(
    alexa: AlexaClient, services: Services, gateway: FakeGateway
) -> None:
    alexa.intent("PayBillIntent", slot("billType", "electricity", "electricity"))
    assert alexa.speech.endswith("Shall I go ahead?")
    alexa.intent("PaymentStatusIntent")  # "Yes, your payment of €30.00 to Lumen Mobile ... went through."
    alexa.intent("AMAZON.YesIntent")
    assert "not sure what you're saying yes to" in alexa.speech
    assert gateway.charged == []
    assert attempts(services, invoice(services, "NWE-2026-11").id) == []


def test_yes_after_another_answer_sends_no_link(alexa: AlexaClient, services: Services) -> None:
    alexa.intent("ListBillsIntent", slot("billType", "water", "water"))
    assert alexa.speech.endswith("Would you like to pay it?")
    alexa.intent("PaymentHistoryIntent")
    alexa.intent("AMAZON.YesIntent")
    assert "not sure what you're saying yes to" in alexa.speech
    assert outbox(services, "payment_request") == []


def test_the_launch_question_is_gone_after_another_answer(alexa: AlexaClient) -> None:
    alexa.launch()
    assert alexa.speech.endswith("Would you like to hear them or pay one?")
    alexa.intent("PayBillIntent", slot("billType", "gas", "gas"))
    assert alexa.speech.startswith("I couldn't find an open bill like that.")
    alexa.intent("AMAZON.YesIntent")
    assert "not sure what you're saying yes to" in alexa.speech


def test_a_question_asked_again_still_stands(alexa: AlexaClient, gateway: FakeGateway) -> None:
    alexa.intent("PayBillIntent", slot("billType", "electricity", "electricity"))
    alexa.intent("PayBillIntent", slot("billType", "electricity", "electricity"))
    alexa.intent("AMAZON.YesIntent")
    assert alexa.speech.startswith("Done. You paid €94.30 to Northwind Energy.")
    assert [p.amount_minor for p in gateway.charged] == [9430]


def test_a_link_asked_for_by_email_goes_by_email_after_which_bill(
    alexa: AlexaClient, services: Services
) -> None:
    alexa.intent("SendLinkIntent", slot("channel", "email", "email"))
    assert alexa.speech.startswith("Which bill should I send a link for")
    alexa.intent("BillDetailsIntent", slot("ordinal", "first", "1"))  # the bare answer "the first one"
    assert (
        alexa.speech.startswith("I've sent a payment link for your water bill") and "by email" in alexa.speech
    )
    [message] = outbox(services, "payment_request")
    assert (message.channel, message.recipient) == ("email", "alex@example.com")
