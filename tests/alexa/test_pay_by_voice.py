"""Paying by voice: two turns, explicit confirmation, once per confirmation, links when a card cannot pay."""

from __future__ import annotations

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.model import InvoiceStatus
from skill.services.identity.voice_pin import set_voice_pin
from tests.alexa.driver import AlexaClient, slot
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import DEMO_CUSTOMER, add_method_row, attempts, invoice, outbox, timeline
from tests.support.recording_server import recording_server

ELECTRICITY = slot("billType", "electricity", "electricity")


def test_pay_electricity_in_two_turns(alexa: AlexaClient, services: Services, gateway: FakeGateway) -> None:
    alexa.person_id = "amzn1.ask.person.ALEX"
    with recording_server() as alexa_api:
        alexa.api_endpoint = alexa_api.url
        alexa.intent("PayBillIntent", ELECTRICITY)
        assert alexa.speech == (
            "To confirm: pay €94.30 for your electricity bill from Northwind Energy, "
            "with your Visa ending in 4242. Shall I go ahead?"
        )
        assert gateway.charged == []  # nothing before the yes
        alexa.intent("AMAZON.YesIntent")
    assert alexa.speech.startswith("Done. You paid €94.30 to Northwind Energy.")
    assert alexa.card is not None and alexa.card["title"] == "Payment received"
    bill = invoice(services, "NWE-2026-11")
    assert bill.status is InvoiceStatus.PAID and bill.amount_paid_minor == 9430
    assert [p.amount_minor for p in gateway.charged] == [9430]
    assert len(outbox(services, "receipt")) == 1
    # progressive response went to Alexa's API before the charge
    [directive] = alexa_api.requests
    assert directive.path == "/v1/directives"
    assert directive.json()["directive"]["type"] == "VoicePlayer.Speak"
    # evidence for disputes: what was read back, when, who and on which device
    started = [e for e in timeline(services, bill.id) if e.kind == "payment_started"]
    evidence = started[0].data["evidence"]
    assert evidence["readback"].startswith("To confirm: pay €94.30")
    assert evidence["person_id"] == "amzn1.ask.person.ALEX"
    assert evidence["device_id"] == "amzn1.ask.device.TESTDEVICE"
    assert evidence["confirmed_at"]


def test_saying_no_charges_nothing_and_a_later_yes_is_out_of_context(
    alexa: AlexaClient, services: Services, gateway: FakeGateway
) -> None:
    alexa.intent("PayBillIntent", ELECTRICITY)
    alexa.intent("AMAZON.NoIntent")
    assert "Nothing was charged" in alexa.speech
    alexa.intent("AMAZON.YesIntent")
    assert "not sure what you're saying yes to" in alexa.speech
    assert gateway.charged == []
    assert attempts(services, invoice(services, "NWE-2026-11").id) == []


def test_the_same_yes_delivered_twice_charges_once(alexa: AlexaClient, gateway: FakeGateway) -> None:
    alexa.intent("PayBillIntent", ELECTRICITY)
    confirmation_state = dict(alexa.attributes)
    alexa.intent("AMAZON.YesIntent", request_id="amzn1.echo-api.request.retry-me")
    alexa.attributes = confirmation_state  # the device never saw our answer and sends the turn again
    alexa.intent("AMAZON.YesIntent", request_id="amzn1.echo-api.request.retry-me")
    alexa.attributes = confirmation_state  # and the customer says yes again to the same question
    alexa.intent("AMAZON.YesIntent")
    assert [p.amount_minor for p in gateway.charged] == [9430]


def test_pay_it_right_after_hearing_a_bill(alexa: AlexaClient) -> None:
    alexa.intent("ListBillsIntent", slot("billType", "water", "water"))
    alexa.intent("PayBillIntent")
    assert "pay €45.60 for your water bill from Aqua Pura" in alexa.speech


def test_pay_the_second_one_from_the_list(alexa: AlexaClient) -> None:
    alexa.intent("ListBillsIntent")
    alexa.intent("PayBillIntent", slot("ordinal", "second", "2"))
    assert "phone bill from Lumen Mobile" in alexa.speech


def test_without_a_named_bill_the_skill_asks_which(alexa: AlexaClient) -> None:
    alexa.intent("PayBillIntent")
    assert alexa.speech.startswith("Which one would you like to pay")
    alexa.intent("PayBillIntent", slot("ordinal", "first", "1"))
    assert "water bill" in alexa.speech  # the first of the bills it just named


def test_partial_amount_within_the_billers_rules(alexa: AlexaClient, gateway: FakeGateway) -> None:
    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"), slot("amount", "50"))
    assert "pay €50.00 for your phone bill" in alexa.speech
    alexa.intent("PayBillIntent", slot("billType", "water", "water"), slot("amount", "20"))
    assert "only accepts the full amount, €45.60" in alexa.speech
    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"), slot("amount", "500"))
    assert "more than the €120.00 still due" in alexa.speech
    assert gateway.charged == []


def test_declined_card_offers_a_link(
    alexa: AlexaClient, services: Services, gateway: FakeGateway, demo: DemoSummary
) -> None:
    gateway.methods["pm_demo_visa_4242"].behaviour = "decline:insufficient_funds"
    alexa.intent("PayBillIntent", ELECTRICITY)
    alexa.intent("AMAZON.YesIntent")
    assert "declined, so nothing was charged. Your bank reported insufficient funds." in alexa.speech
    assert "Shall I send you a payment link" in alexa.speech
    alexa.intent("AMAZON.YesIntent")
    assert "by text message to your phone number ending in 5678" in alexa.speech
    assert invoice(services, "NWE-2026-11").status is InvoiceStatus.OPEN
    assert len(outbox(services, "payment_request")) == 1


def test_card_needing_authentication_charges_nothing_and_offers_a_link(
    alexa: AlexaClient, services: Services, gateway: FakeGateway
) -> None:
    gateway.methods["pm_demo_visa_4242"].behaviour = "authenticate"
    alexa.intent("PayBillIntent", ELECTRICITY)
    alexa.intent("AMAZON.YesIntent")
    assert "approve this payment yourself, so nothing was charged" in alexa.speech
    assert "payment link" in alexa.speech
    assert invoice(services, "NWE-2026-11").amount_paid_minor == 0


def test_no_stored_card_sends_a_link_after_yes(
    alexa: AlexaClient, services: Services, demo: DemoSummary
) -> None:
    with services.uow() as uow:
        for method in uow.methods.active_for_customer(demo.customer_id):
            method.removed_at = services.clock.now()
        uow.commit()
    alexa.intent("PayBillIntent", ELECTRICITY)
    assert "don't have a card or bank account saved" in alexa.speech
    alexa.intent("AMAZON.YesIntent")
    assert "I've sent a payment link for your electricity bill from Northwind Energy, €94.30" in alexa.speech
    [message] = outbox(services, "payment_request")
    assert message.channel == "sms" and message.recipient == "+31612345678"


def test_text_me_a_link(alexa: AlexaClient, services: Services) -> None:
    alexa.intent("SendLinkIntent", slot("billType", "water", "water"))
    assert "by text message to your phone number ending in 5678" in alexa.speech
    assert alexa.card is not None and alexa.card["title"] == "Payment link sent"
    alexa.intent("SendLinkIntent", slot("billType", "water", "water"), slot("channel", "email", "email"))
    assert "by email" in alexa.speech
    assert sorted(m.channel for m in outbox(services, "payment_request")) == ["email", "sms"]


def test_no_contact_details_gets_a_clear_answer(
    alexa: AlexaClient, services: Services, demo: DemoSummary
) -> None:
    with services.uow() as uow:
        customer = uow.customers.get(demo.customer_id)
        assert customer is not None
        customer.mobile = customer.email = None
        uow.commit()
    alexa.intent("SendLinkIntent", slot("billType", "water", "water"))
    assert "don't have a mobile number or an email address" in alexa.speech
    assert outbox(services, "payment_request") == []


def test_voice_pin_is_asked_at_the_threshold_and_three_wrong_tries_lock(
    alexa: AlexaClient, services: Services, gateway: FakeGateway, demo: DemoSummary
) -> None:
    set_voice_pin(
        services.uow(), demo.customer_id, "4321", services.clock, pepper=services.settings.voice_pin_pepper
    )
    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"))  # 120.00 left, threshold 100.00
    alexa.intent("AMAZON.YesIntent")
    assert alexa.speech == "Please say your four-digit voice PIN."
    for tries_left in ("2 tries left", "one try left"):
        alexa.intent("VoicePinIntent", slot("pin", "1111"))
        assert tries_left in alexa.speech
    alexa.intent("VoicePinIntent", slot("pin", "1111"))
    assert "locked after three wrong PINs" in alexa.speech and "account page" in alexa.speech
    assert alexa.card is not None and "https://pay.example.test/account" in alexa.card["content"]
    assert gateway.charged == []
    # Even the right PIN does nothing now, until it is reset on the account page.
    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"))
    alexa.intent("AMAZON.YesIntent")
    assert "locked" in alexa.speech
    set_voice_pin(
        services.uow(), demo.customer_id, "4321", services.clock, pepper=services.settings.voice_pin_pepper
    )
    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"))
    alexa.intent("AMAZON.YesIntent")
    alexa.intent("VoicePinIntent", slot("pin", "4321"))
    assert alexa.speech.startswith("Done. You paid €120.00 to Lumen Mobile.")


def test_below_the_threshold_no_pin_is_asked(
    alexa: AlexaClient, services: Services, demo: DemoSummary
) -> None:
    set_voice_pin(
        services.uow(), demo.customer_id, "4321", services.clock, pepper=services.settings.voice_pin_pepper
    )
    alexa.intent("PayBillIntent", ELECTRICITY)  # 94.30 < 100.00
    alexa.intent("AMAZON.YesIntent")
    assert alexa.speech.startswith("Done.")


def test_status_and_history_after_paying(alexa: AlexaClient) -> None:
    alexa.intent("PaymentStatusIntent")
    assert "€30.00 to Lumen Mobile" in alexa.speech  # the demo's part payment is the latest so far
    alexa.intent("PayBillIntent", ELECTRICITY)
    alexa.intent("AMAZON.YesIntent")
    alexa.intent("PaymentStatusIntent")
    assert alexa.speech.startswith("Yes, your payment of €94.30 to Northwind Energy")
    alexa.intent("PaymentHistoryIntent")
    assert alexa.speech.startswith("Your last payment was €94.30 to Northwind Energy")


def test_sepa_mandate_payment_is_processing(
    alexa: AlexaClient, services: Services, gateway: FakeGateway, demo: DemoSummary
) -> None:
    gateway.add_method(method_id="pm_sepa_3000", customer=DEMO_CUSTOMER, last4="3000", behaviour="processing")
    from skill.domain.model import MethodKind

    add_method_row(services, demo.customer_id, "pm_sepa_3000", kind=MethodKind.SEPA_DEBIT, last4="3000")
    alexa.intent("PayBillIntent", ELECTRICITY, slot("method", "direct debit", "sepa_debit"))
    assert "with your bank account ending in 3000" in alexa.speech
    alexa.intent("AMAZON.YesIntent")
    assert "on its way" in alexa.speech
    assert invoice(services, "NWE-2026-11").status is InvoiceStatus.OPEN


def test_a_bare_answer_to_which_bill_continues_the_payment(alexa: AlexaClient) -> None:
    alexa.intent("PayBillIntent")
    assert alexa.speech.startswith("Which one would you like to pay")
    # "the second one" on its own is modelled as BillDetailsIntent (the intent that moves no money)
    alexa.intent("BillDetailsIntent", slot("ordinal", "second", "2"))
    assert alexa.speech.startswith("To confirm: pay €120.00 for your phone bill from Lumen Mobile")


def test_pay_the_minimum(alexa: AlexaClient) -> None:
    alexa.intent(
        "PayBillIntent", slot("billType", "phone", "phone"), slot("amountKind", "the minimum", "minimum")
    )
    assert alexa.speech.startswith("To confirm: pay €5.00 for your phone bill")


def test_amount_and_method_survive_the_which_bill_question(
    alexa: AlexaClient, services: Services, gateway: FakeGateway, demo: DemoSummary
) -> None:
    from skill.domain.model import MethodKind

    gateway.add_method(method_id="pm_sepa_3000", customer=DEMO_CUSTOMER, last4="3000", behaviour="processing")
    add_method_row(services, demo.customer_id, "pm_sepa_3000", kind=MethodKind.SEPA_DEBIT, last4="3000")
    alexa.intent("PayBillIntent", slot("amount", "50"), slot("method", "direct debit", "sepa_debit"))
    assert alexa.speech.startswith("Which one would you like to pay")
    alexa.intent("BillDetailsIntent", slot("ordinal", "second", "2"))
    assert alexa.speech.startswith("To confirm: pay €50.00 for your phone bill from Lumen Mobile")
    assert "with your bank account ending in 3000" in alexa.speech
    alexa.attributes = {}  # a new session: no bill in focus
    alexa.intent("PayBillIntent", slot("amount", "60"))
    assert alexa.speech.startswith("Which one would you like to pay")
    alexa.intent("PayBillIntent", slot("ordinal", "second", "2"))
    assert alexa.speech.startswith("To confirm: pay €60.00 for your phone bill")


def test_a_refusal_forgets_the_pending_question(
    alexa: AlexaClient, services: Services, gateway: FakeGateway
) -> None:
    from skill.services.billing.ledger import record_payment

    alexa.intent("PayBillIntent", ELECTRICITY)
    bill = invoice(services, "NWE-2026-11")
    # Meanwhile the bill is paid at the counter; the spoken confirmation is now stale.
    record_payment(services.uow(), bill.id, 9430, "EUR", idempotency_key="counter", clock=services.clock)
    alexa.intent("AMAZON.YesIntent")
    alexa.intent("AMAZON.YesIntent")
    assert "not sure what you're saying yes to" in alexa.speech
    assert gateway.charged == []


def test_overdue_listing_says_overdue(alexa: AlexaClient) -> None:
    alexa.intent("ListBillsIntent", slot("billStatus", "overdue", "overdue"))
    assert alexa.speech.startswith("You have one overdue bill.")
