"""Conversations spoken through virtual-alexa and our interaction models, answered by the running /alexa endpoint.

Each test checks what the customer hears and what the store holds afterwards. The app runs on a real port
(werkzeug, in this process) with a fixed clock and the in-memory gateway that holds the demo card.
"""

from __future__ import annotations

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.model import InvoiceStatus
from skill.services.links.payment_links import resolve_link
from skill.storage import models as m
from tests.conftest import NOW
from tests.e2e.conftest import OpenConversation
from tests.e2e.store import bill_states, count, customer_without_bills, expired_token, remove_stored_methods
from tests.e2e.virtual_alexa import NotUnderstood, VirtualAlexa
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import attempts, invoice, outbox, timeline
from tests.support.recording_server import RecordingServer

pytestmark = pytest.mark.e2e

ELECTRICITY_CONFIRMATION = (
    "To confirm: pay €94.30 for your electricity bill from Northwind Energy, "
    "with your Visa ending in 4242. Shall I go ahead?"
)
ELECTRICITY = "Your electricity bill from Northwind Energy: €94.30"
WATER = "Your water bill from Aqua Pura: €45.60, which was due"
PHONE = "Your phone bill from Lumen Mobile: €120.00"
NOTHING_CHANGED = {
    "NWE-2026-10": ("paid", 7910),
    "NWE-2026-11": ("open", 0),
    "AQP-2026-Q3": ("open", 0),
    "LUM-2026-11": ("partially_paid", 3000),
}


def test_hear_bills_several_ways_then_pay_electricity_by_stored_card(
    alexa: VirtualAlexa, services: Services, gateway: FakeGateway, alexa_api: RecordingServer
) -> None:
    assert alexa.launch() == (
        "Hi Alex. You have 3 open bills, one of them overdue, €259.90 in total. "
        "Would you like to hear them or pay one?"
    )
    for phrase in ("what do I owe", "read my bills"):
        heard = alexa.utter(phrase)
        assert alexa.last.intent == "ListBillsIntent"
        assert heard.startswith("You have 3 open bills.")
        assert all(bill in heard for bill in (ELECTRICITY, WATER, PHONE)), heard
        assert "You've already paid €30.00 of it." in heard
    overdue = alexa.utter("what's overdue")
    assert WATER in overdue and "is overdue" in overdue
    assert ELECTRICITY not in overdue and PHONE not in overdue
    this_week = alexa.utter("what's due this week")  # phone is due in 3 days, electricity in 10
    assert PHONE in this_week and ELECTRICITY not in this_week
    water = alexa.utter("what is my water bill")
    assert alexa.last.slots == {"billType": "water"}
    assert water.startswith("You have one open bill.") and water.endswith("Would you like to pay it?")

    assert alexa.utter("pay my electricity bill") == ELECTRICITY_CONFIRMATION
    assert alexa.last.slots == {"billType": "electricity"}
    assert gateway.charged == [] and bill_states(services) == NOTHING_CHANGED

    paid = alexa.utter("yes")
    assert paid == (
        "Done. You paid €94.30 to Northwind Energy. "
        "I've put a receipt in the Alexa app and sent one by email. Anything else?"
    )
    assert alexa.last.card is not None and alexa.last.card["title"] == "Payment received"
    assert not alexa.last.ended
    assert [p.amount_minor for p in gateway.charged] == [9430]
    bill = invoice(services, "NWE-2026-11")
    assert bill.status is InvoiceStatus.PAID and bill.amount_paid_minor == 9430
    [attempt] = attempts(services, bill.id)
    assert attempt.amount_minor == 9430 and attempt.applied_at is not None
    assert len(outbox(services, "receipt")) == 1
    # The progressive response reached "Alexa's API" before the charge, and the timeline keeps the evidence.
    assert [r.json()["directive"]["type"] for r in alexa_api.requests] == ["VoicePlayer.Speak"]
    [started] = [e for e in timeline(services, bill.id) if e.kind == "payment_started"]
    assert started.data["evidence"]["readback"] == ELECTRICITY_CONFIRMATION
    assert started.data["evidence"]["device_id"] == alexa.device_id

    after = alexa.utter("what do I owe")
    assert after.startswith("You have 2 open bills.") and ELECTRICITY not in after
    assert alexa.utter("did my payment go through").startswith(
        "Yes, your payment of €94.30 to Northwind Energy"
    )
    assert alexa.utter("stop") == "Goodbye." and alexa.last.ended
    assert [p.amount_minor for p in gateway.charged] == [9430]  # still once


def test_no_stored_card_offers_a_link_and_yes_texts_it_to_the_phone(
    alexa: VirtualAlexa, services: Services, demo: DemoSummary, gateway: FakeGateway
) -> None:
    remove_stored_methods(services, demo.customer_id)
    assert alexa.utter("pay my electricity bill") == (
        "You don't have a card or bank account saved for paying by voice. "
        "Shall I send you a payment link to pay on your phone?"
    )
    assert count(services, m.PaymentLink) == 0
    sent = alexa.utter("yes")
    assert sent == (
        "I've sent a payment link for your electricity bill from Northwind Energy, €94.30, "
        "by text message to your phone number ending in 5678. Anything else?"
    )
    assert alexa.last.card is not None and alexa.last.card["title"] == "Payment link sent"
    [message] = outbox(services, "payment_request")
    assert (message.channel, message.recipient) == ("sms", "+31612345678")
    assert message.payload["amount_minor"] == 9430 and message.payload["invoice_number"] == "NWE-2026-11"
    # The URL in the text message opens exactly the link row written in the same transaction.
    token = message.payload["url"].rsplit("/pay/", 1)[1]
    link = resolve_link(services.uow(), token, services.clock)
    assert link.link_id == message.payload["link_id"] and link.payable
    assert link.invoice_id == invoice(services, "NWE-2026-11").id and link.amount_minor == 9430
    assert gateway.charged == [] and bill_states(services) == NOTHING_CHANGED


@pytest.mark.parametrize("token", ["none", "unknown", "expired"])
def test_an_unlinked_account_gets_a_link_account_card(
    token: str, open_conversation: OpenConversation, services: Services, demo: DemoSummary
) -> None:
    access_token = {
        "none": None,
        "unknown": "not-a-token-we-issued",
        "expired": expired_token(services, demo.email, NOW),
    }[token]
    alexa = open_conversation(access_token=access_token)
    for turn in (
        alexa.launch,
        lambda: alexa.utter("what do I owe"),
        lambda: alexa.utter("pay my water bill"),
    ):
        assert turn() == (
            "To hear and pay your bills, please link your account. "
            "I've sent a card to the Alexa app to help you do that."
        )
        assert alexa.last.card == {"type": "LinkAccount"}
        assert alexa.last.ended
    assert bill_states(services) == NOTHING_CHANGED and count(services, m.OutboxMessage) == 0


def test_a_customer_with_no_bills_hears_so_and_nothing_is_paid(
    open_conversation: OpenConversation, services: Services, gateway: FakeGateway
) -> None:
    alexa = open_conversation(access_token=customer_without_bills(services.uow, services.clock))
    assert alexa.launch().startswith("Hi Sam. You have no open bills. Nice!")
    assert alexa.utter("what do I owe").startswith("You have no open bills.")
    assert alexa.utter("what's overdue").startswith("You have no open bills like that.")
    assert alexa.utter("pay my electricity bill").startswith("I couldn't find an open bill like that.")
    assert alexa.utter("yes").startswith("I'm not sure what you're saying yes to.")
    assert alexa.utter("text me a link").startswith("I couldn't find an open bill like that.")
    assert gateway.charged == [] and count(services, m.PaymentLink) == 0
    assert bill_states(services) == NOTHING_CHANGED  # the demo customer's bills are untouched too


def test_no_at_the_confirmation_charges_nothing(
    alexa: VirtualAlexa, services: Services, gateway: FakeGateway
) -> None:
    assert alexa.utter("pay my electricity bill") == ELECTRICITY_CONFIRMATION
    assert alexa.utter("no") == "OK, I won't make that payment. Nothing was charged."
    assert not alexa.last.ended
    assert alexa.utter("yes").startswith("I'm not sure what you're saying yes to.")
    assert gateway.charged == []
    assert attempts(services, invoice(services, "NWE-2026-11").id) == []
    assert bill_states(services) == NOTHING_CHANGED


def test_a_yes_after_another_question_charges_nothing(
    alexa: VirtualAlexa, services: Services, gateway: FakeGateway
) -> None:
    alexa.utter("pay my electricity bill")
    assert alexa.utter("did my payment go through").startswith("Yes, your payment of €30.00 to Lumen Mobile")
    assert alexa.utter("yes").startswith("I'm not sure what you're saying yes to.")
    assert gateway.charged == [] and bill_states(services) == NOTHING_CHANGED


def test_german_conversation_hears_bills_and_pays_electricity(
    open_conversation: OpenConversation, services: Services, gateway: FakeGateway
) -> None:
    alexa = open_conversation(locale="de-DE")
    assert alexa.launch() == (
        "Hallo Alex. Sie haben 3 offene Rechnungen, davon eine überfällig, insgesamt 259,90 €. "
        "Soll ich sie Ihnen vorlesen, oder möchten Sie eine bezahlen?"
    )
    heard = alexa.utter("was schulde ich")
    assert heard.startswith("Sie haben 3 offene Rechnungen.")
    assert "Ihre Stromrechnung von Northwind Energy: 94,30 €" in heard
    assert "Ihre Wasserrechnung von Aqua Pura: 45,60 €" in heard and "überfällig" in heard
    assert alexa.utter("bezahle meine Stromrechnung") == (
        "Zur Bestätigung: 94,30 € für Ihre Stromrechnung von Northwind Energy bezahlen, "
        "mit Ihrer Visa-Karte mit der Endung 4242. Soll ich das machen?"
    )
    assert gateway.charged == []
    assert alexa.utter("ja").startswith("Erledigt. Sie haben 94,30 € an Northwind Energy bezahlt.")
    assert alexa.last.card is not None and alexa.last.card["title"] == "Zahlung erhalten"
    assert [p.amount_minor for p in gateway.charged] == [9430]
    assert bill_states(services)["NWE-2026-11"] == ("paid", 9430)
    [receipt] = outbox(services, "receipt")
    assert receipt.payload["amount_minor"] == 9430


def test_dutch_conversation_hears_bills_and_pays_water(
    open_conversation: OpenConversation, services: Services, gateway: FakeGateway
) -> None:
    alexa = open_conversation(locale="nl-NL")
    assert alexa.launch() == (
        "Hallo Alex. U hebt 3 openstaande rekeningen, waarvan één achterstallig, in totaal € 259,90. "
        "Wilt u ze horen of er een betalen?"
    )
    heard = alexa.utter("wat moet ik betalen")
    assert heard.startswith("U hebt 3 openstaande rekeningen.")
    assert "Uw waterrekening van Aqua Pura: € 45,60" in heard and "achterstallig" in heard
    assert alexa.utter("betaal mijn waterrekening") == (
        "Ter bevestiging: € 45,60 betalen voor uw waterrekening van Aqua Pura, "
        "met uw Visa eindigend op 4242. Zal ik dat doen?"
    )
    assert gateway.charged == []
    assert alexa.utter("ja").startswith("Klaar. U hebt € 45,60 betaald aan Aqua Pura.")
    assert [p.amount_minor for p in gateway.charged] == [4560]
    assert bill_states(services)["AQP-2026-Q3"] == ("paid", 4560)
    assert bill_states(services)["NWE-2026-11"] == ("open", 0)


def test_text_me_a_link_and_send_it_to_my_phone(alexa: VirtualAlexa, services: Services) -> None:
    alexa.utter("what is my water bill")
    assert alexa.utter("text me a link") == (
        "I've sent a payment link for your water bill from Aqua Pura, €45.60, "
        "by text message to your phone number ending in 5678. Anything else?"
    )
    alexa.utter("what is my phone bill")
    assert alexa.utter("send it to my phone").startswith(
        "I've sent a payment link for your phone bill from Lumen Mobile, €120.00, by text message"
    )
    assert alexa.utter("send it by email").startswith(
        "I've sent a payment link for your phone bill from Lumen Mobile, €120.00, by email."
    )
    sent = sorted(
        (msg.payload["invoice_number"], msg.channel, msg.recipient)
        for msg in outbox(services, "payment_request")
    )
    assert sent == [
        ("AQP-2026-Q3", "sms", "+31612345678"),
        ("LUM-2026-11", "email", "alex@example.com"),
        ("LUM-2026-11", "sms", "+31612345678"),
    ]
    assert count(services, m.PaymentLink) == 3
    assert bill_states(services) == NOTHING_CHANGED  # a link is a request to pay, not a payment


def test_text_me_a_link_without_a_bill_in_mind_asks_which(alexa: VirtualAlexa, services: Services) -> None:
    assert alexa.utter("text me a link") == (
        "Which bill should I send a link for: the water bill from Aqua Pura, "
        "the phone bill from Lumen Mobile and the electricity bill from Northwind Energy?"
    )
    assert alexa.utter("the second one").startswith("I've sent a payment link for your phone bill")
    [message] = outbox(services, "payment_request")
    assert message.payload["invoice_number"] == "LUM-2026-11"


def test_a_biller_the_model_does_not_know(alexa: VirtualAlexa, services: Services) -> None:
    # virtual-alexa fails on a custom-slot value outside the model, where Alexa would send ER_SUCCESS_NO_MATCH;
    # intend() sends that request, so the skill's answer to it is tested too.
    with pytest.raises(NotUnderstood):
        alexa.utter("pay my vattenfall bill")
    assert alexa.intend("PayBillIntent", biller="Vattenfall").startswith(
        "I couldn't find an open bill like that."
    )
    assert bill_states(services) == NOTHING_CHANGED


def test_a_phrase_no_sample_matches_is_not_taken_as_a_pin(alexa: VirtualAlexa) -> None:
    # A bare "{pin}" intent sample would match anything in virtual-alexa, which knows no FOUR_DIGIT_NUMBER (the
    # driver refuses such a match as a catch-all); the bare value belongs to the dialog model's slot samples, and
    # the skill elicits the slot (Dialog.ElicitSlot) when it asks for the PIN.
    with pytest.raises(NotUnderstood):
        alexa.utter("read the small print of my water bill")
    alexa.utter("my pin is 1234")
    assert alexa.last.intent == "VoicePinIntent" and alexa.last.slots == {"pin": "1234"}


def test_the_pin_is_elicited_as_a_dialog_slot_and_the_answer_pays(
    alexa: VirtualAlexa, services: Services, demo: DemoSummary, gateway: FakeGateway
) -> None:
    from skill.services.identity.voice_pin import set_voice_pin

    pepper = services.settings.voice_pin_pepper
    set_voice_pin(services.uow(), demo.customer_id, "4321", services.clock, pepper=pepper)
    alexa.utter("pay my phone bill")
    assert alexa.utter("yes") == "Please say your four-digit voice PIN."
    [directive] = alexa.last.body["directives"]
    assert (directive["type"], directive["slotToElicit"], directive["updatedIntent"]["name"]) == (
        "Dialog.ElicitSlot",
        "pin",
        "VoicePinIntent",
    )
    # The bare answer is heard through the slot's samples ("{pin}"), as the elicited intent, in its dialog.
    assert alexa.utter("1111").startswith("That PIN isn't right. You have 2 tries left.")
    assert (alexa.last.intent, alexa.last.slots) == ("VoicePinIntent", {"pin": "1111"})
    assert alexa.last.request["request"]["dialogState"] in ("STARTED", "IN_PROGRESS")
    with pytest.raises(NotUnderstood, match="catch-all"):  # "{pin}" is no catch-all for other sentences
        alexa.utter("read the small print of my water bill")
    assert alexa.utter("it's 4321").startswith("Done. You paid €120.00 to Lumen Mobile.")
    assert [p.amount_minor for p in gateway.charged] == [12000]
    with pytest.raises(NotUnderstood):  # nothing is elicited any more: a bare number is no PIN now
        alexa.utter("4321")
