"""The voice bugs of issue #11 item 5, each as the customer would hear it, in every voice locale."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.services.billing import ledger
from skill.storage import models as m
from tests.alexa.driver import AlexaClient, slot
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import invoice

LOCALES = ("en-US", "en-GB", "de-DE", "nl-NL")
REFUNDED = {"en-US": "refunded", "en-GB": "refunded", "de-DE": "erstattet", "nl-NL": "terugbetaald"}


def _attempt_id(services: Services, number: str) -> int:
    bill = invoice(services, number)
    with services.uow() as uow:
        attempt_id = uow.session.scalar(
            select(m.PaymentAttempt.id).where(m.PaymentAttempt.invoice_id == bill.id)
        )
        assert attempt_id is not None
        return attempt_id


@pytest.mark.parametrize("locale", LOCALES)
def test_history_says_a_refunded_payment_was_refunded(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str
) -> None:
    # The demo's latest payment is the 30.00 part payment to Lumen Mobile; the provider refunds all of it.
    ledger.apply_refund(services.uow(), _attempt_id(services, "LUM-2026-11"), 3000, services.clock)
    alexa.locale = locale
    alexa.intent("PaymentHistoryIntent")
    last, before = re.split(r"\.\s", alexa.speech)[:2]  # "Your last payment was ...", "Before that: ..."
    assert "Lumen Mobile" in last and REFUNDED[locale] in last
    assert "Northwind Energy" in before and REFUNDED[locale] not in before  # the other one stays paid


@pytest.mark.parametrize("locale", LOCALES)
def test_history_and_status_say_how_much_of_a_payment_was_refunded(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str
) -> None:
    ledger.apply_refund(services.uow(), _attempt_id(services, "LUM-2026-11"), 1000, services.clock)
    alexa.locale = locale
    alexa.intent("PaymentHistoryIntent")
    ten = {"en-US": "€10.00", "en-GB": "€10.00", "de-DE": "10,00 €", "nl-NL": "€ 10,00"}[locale]
    assert ten in alexa.speech and REFUNDED[locale] in alexa.speech
    alexa.intent("PaymentStatusIntent")
    assert ten in alexa.speech and REFUNDED[locale] in alexa.speech


def _add_northwind_gas_bill(
    services: Services, demo: DemoSummary, *, issued_days_ago: int, amount_minor: int
) -> None:
    """A gas bill from Northwind Energy on the same account as its electricity bills."""
    from skill.domain.model import BillType
    from skill.services.identity import directory

    with services.uow() as uow:
        biller = uow.billers.by_slug("northwind-energy")
        assert biller is not None
        biller_id = biller.id
    account = directory.account_id(services.uow(), demo.customer_id, biller_id)
    today = services.clock.today()
    new = ledger.NewInvoice(
        biller_id,
        account,
        "NWE-GAS-2026-11",
        BillType.GAS,
        today - timedelta(days=issued_days_ago),
        today + timedelta(days=12),
        amount_minor,
        "EUR",
        "Gas, November",
    )
    ledger.create_invoice(services.uow(), new, services.clock)


@pytest.mark.parametrize(
    ("locale", "electricity", "gas", "more", "fifteen_twenty"),
    [
        ("en-US", "electricity", "gas", "more than your previous bill", "€15.20"),
        ("en-GB", "electricity", "gas", "more than your previous bill", "€15.20"),
        ("de-DE", "Strom", "Gas", "mehr als bei Ihrer letzten Rechnung", "15,20 €"),
        ("nl-NL", "stroom", "gas", "meer dan uw vorige rekening", "€ 15,20"),
    ],
)
def test_previous_bill_is_the_previous_bill_of_the_same_type(
    alexa: AlexaClient,
    services: Services,
    demo: DemoSummary,
    locale: str,
    electricity: str,
    gas: str,
    more: str,
    fifteen_twenty: str,
) -> None:
    # Northwind's gas bill was issued after October's electricity bill (79.10) and before November's (94.30).
    _add_northwind_gas_bill(services, demo, issued_days_ago=20, amount_minor=2000)
    alexa.locale = locale
    alexa.intent("BillDetailsIntent", slot("billType", electricity, "electricity"))
    assert f"{fifteen_twenty} {more}" in alexa.speech  # 94.30 against 79.10, not against the gas bill
    alexa.intent("BillDetailsIntent", slot("billType", gas, "gas"))
    # The first gas bill has no previous gas bill: it is compared with nothing, not with October's electricity.
    assert "previous" not in alexa.speech and "letzten Rechnung" not in alexa.speech
    assert "vorige" not in alexa.speech


@pytest.mark.parametrize(
    ("locale", "one_due"),
    [
        ("en-US", "One bill is due within a week."),
        ("en-GB", "One bill is due within a week."),
        ("de-DE", "Eine Rechnung ist innerhalb einer Woche fällig."),
        ("nl-NL", "Eén rekening moet binnen een week betaald worden."),
    ],
)
def test_due_this_week_leaves_out_overdue_bills(alexa: AlexaClient, locale: str, one_due: str) -> None:
    alexa.locale = locale
    # Due within a week: the phone bill (in 3 days); the water bill was due 5 days ago and is overdue, not due.
    alexa.intent("ListBillsIntent", slot("billStatus", "due this week", "due_soon"))
    assert alexa.speech.startswith(one_due)
    assert "Lumen Mobile" in alexa.speech and "Aqua Pura" not in alexa.speech


@pytest.mark.parametrize(
    ("locale", "all_of_them", "three_bills"),
    [
        ("en-US", "That's all of them.", "You have 3 open bills."),
        ("en-GB", "That's all of them.", "You have 3 open bills."),
        ("de-DE", "Das waren alle.", "Sie haben 3 offene Rechnungen."),
        ("nl-NL", "Dat waren ze allemaal.", "U hebt 3 openstaande rekeningen."),
    ],
)
def test_more_after_the_last_bill_says_that_was_all(
    alexa: AlexaClient, locale: str, all_of_them: str, three_bills: str
) -> None:
    alexa.locale = locale
    alexa.intent("ListBillsIntent")
    assert alexa.speech.startswith(three_bills)  # all three read at once
    for _ in range(2):  # and as often as the customer asks
        alexa.intent("AMAZON.MoreIntent")
        assert alexa.speech.startswith(all_of_them)
        assert three_bills not in alexa.speech and "Northwind Energy" not in alexa.speech
        assert not alexa.ended


def test_more_after_the_last_page_of_a_long_list_says_that_was_all(
    alexa: AlexaClient, many_bills: int
) -> None:
    alexa.intent("ListBillsIntent")
    for _ in range(3):  # 10 bills: 3 + 3 + 3 + 1
        alexa.intent("AMAZON.MoreIntent")
    assert "To pay one, say for example" in alexa.speech
    alexa.intent("AMAZON.MoreIntent")
    assert alexa.speech.startswith("That's all of them.") and "You have 10 open bills" not in alexa.speech


def _lock_the_pin(alexa: AlexaClient, services: Services, demo: DemoSummary) -> None:
    from skill.services.identity.voice_pin import set_voice_pin

    set_voice_pin(
        services.uow(), demo.customer_id, "4321", services.clock, pepper=services.settings.voice_pin_pepper
    )
    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"))  # 120.00 left, over the PIN threshold
    alexa.intent("AMAZON.YesIntent")
    for _ in range(3):
        alexa.intent("VoicePinIntent", slot("pin", "1111"))


@pytest.mark.parametrize(
    ("locale", "card_title"),
    [
        ("en-US", "Unlock voice payments"),
        ("en-GB", "Unlock voice payments"),
        ("de-DE", "Zahlungen per Sprache entsperren"),
        ("nl-NL", "Betalen met uw stem deblokkeren"),
    ],
)
def test_a_locked_pin_is_explained_in_words_and_the_address_goes_in_a_card(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str, card_title: str
) -> None:
    alexa.locale = locale
    _lock_the_pin(alexa, services, demo)
    assert "http" not in alexa.ssml and "pay.example.test" not in alexa.ssml and "/account" not in alexa.ssml
    assert alexa.card is not None and alexa.card["title"] == card_title
    assert "https://pay.example.test/account" in alexa.card["content"]
    assert not alexa.ended  # the offer of a payment link stands
    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"))
    alexa.intent("AMAZON.YesIntent")  # locked before the PIN is even asked: the same words and card
    assert "http" not in alexa.ssml and alexa.card is not None and alexa.card["title"] == card_title


def _sentences(speech: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", speech) if s]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_sentence_of_a_listing_starts_with_a_capital(
    alexa: AlexaClient, many_bills: int, locale: str
) -> None:
    alexa.locale = locale
    turns = [
        lambda: alexa.intent("ListBillsIntent"),
        lambda: alexa.intent("AMAZON.MoreIntent"),
        lambda: alexa.intent("ListBillsIntent", slot("billStatus", "overdue", "overdue")),
        lambda: alexa.intent("BillDetailsIntent", slot("billType", "water", "water")),
    ]
    for turn in turns:
        turn()
        for sentence in _sentences(alexa.speech):
            first = next(ch for ch in sentence if ch.isalnum() or ch in "€?")
            assert not first.islower(), (sentence, alexa.speech)


def _forget_email(services: Services, demo: DemoSummary) -> None:
    with services.uow() as uow:
        customer = uow.customers.get(demo.customer_id)
        assert customer is not None
        customer.email = None
        uow.commit()


@pytest.mark.parametrize(
    ("locale", "electricity", "done", "email"),
    [
        ("en-US", "electricity", "Done. You paid €94.30 to Northwind Energy.", "email"),
        ("en-GB", "electricity", "Done. You paid €94.30 to Northwind Energy.", "email"),
        ("de-DE", "Strom", "Erledigt. Sie haben 94,30 € an Northwind Energy bezahlt.", "E-Mail"),
        ("nl-NL", "stroom", "Klaar. U hebt € 94,30 betaald aan Northwind Energy.", "e-mail"),
    ],
)
def test_without_an_email_address_no_emailed_receipt_is_promised(
    alexa: AlexaClient,
    services: Services,
    demo: DemoSummary,
    locale: str,
    electricity: str,
    done: str,
    email: str,
) -> None:
    from tests.support.payments import outbox

    _forget_email(services, demo)
    alexa.locale = locale
    alexa.intent("PayBillIntent", slot("billType", electricity, "electricity"))
    alexa.intent("AMAZON.YesIntent")
    assert alexa.speech.startswith(done)
    assert email not in alexa.speech and outbox(services, "receipt") == []
    assert alexa.card is not None and email not in alexa.card["content"]


@pytest.mark.parametrize(
    ("locale", "electricity", "email"),
    [("en-US", "electricity", "email"), ("de-DE", "Strom", "E-Mail"), ("nl-NL", "stroom", "e-mail")],
)
def test_with_an_email_address_the_receipt_is_said_to_go_by_email(
    alexa: AlexaClient, services: Services, locale: str, electricity: str, email: str
) -> None:
    from tests.support.payments import outbox

    alexa.locale = locale
    alexa.intent("PayBillIntent", slot("billType", electricity, "electricity"))
    alexa.intent("AMAZON.YesIntent")
    assert email in alexa.speech and len(outbox(services, "receipt")) == 1


# The PIN as an elicited dialog slot, not a bare "{pin}" sample that catches any sentence


def _set_pin(services: Services, demo: DemoSummary) -> None:
    from skill.services.identity.voice_pin import set_voice_pin

    set_voice_pin(
        services.uow(), demo.customer_id, "4321", services.clock, pepper=services.settings.voice_pin_pepper
    )


def _pin_turn(alexa: AlexaClient, pin: str | None, state: str) -> None:
    """VoicePinIntent as Alexa sends it back in the elicited dialog: the slot filled or not, in `state`."""
    pin_slot: dict[str, object] = {"name": "pin", "confirmationStatus": "NONE"}
    if pin is not None:
        pin_slot["value"] = pin
    intent = {"name": "VoicePinIntent", "confirmationStatus": "NONE", "slots": {"pin": pin_slot}}
    alexa._send({"type": "IntentRequest", "dialogState": state, "intent": intent})


def _elicits_the_pin(alexa: AlexaClient) -> bool:
    response = alexa.last["response"]
    directives = response.get("directives") or []
    return response.get("shouldEndSession") is False and directives == [
        {
            "type": "Dialog.ElicitSlot",
            "slotToElicit": "pin",
            "updatedIntent": {
                "name": "VoicePinIntent",
                "confirmationStatus": "NONE",
                "slots": {"pin": {"name": "pin", "confirmationStatus": "NONE"}},
            },
        }
    ]


def _words_of(response: object) -> str:
    """The response as JSON without its random hex (sealed MACs, ids), where '1111' can turn up by chance."""
    return re.sub(r"[0-9a-f]{8,}", "", json.dumps(response))


def _failures(services: Services, demo: DemoSummary) -> int:
    with services.uow() as uow:
        customer = uow.customers.get(demo.customer_id)
        assert customer is not None
        return customer.voice_pin_failures


@pytest.mark.parametrize(
    ("locale", "ask"),
    [
        ("en-US", "Please say your four-digit voice PIN."),
        ("en-GB", "Please say your four-digit voice PIN."),
        ("de-DE", "Bitte sagen Sie Ihre vierstellige Sprach-PIN."),
        ("nl-NL", "Zeg uw viercijferige spraakpincode."),
    ],
)
@pytest.mark.parametrize("state", ["STARTED", "IN_PROGRESS", "COMPLETED"])
def test_the_pin_is_elicited_as_the_pin_slot_and_paid_in_any_dialog_state(
    alexa: AlexaClient,
    services: Services,
    demo: DemoSummary,
    gateway: FakeGateway,
    locale: str,
    ask: str,
    state: str,
) -> None:
    _set_pin(services, demo)
    alexa.locale = locale
    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"))  # 120.00, over the threshold
    alexa.intent("AMAZON.YesIntent")
    assert alexa.speech == ask and _elicits_the_pin(alexa)
    _pin_turn(alexa, "1111", state)
    assert _elicits_the_pin(alexa) and "1111" not in _words_of(alexa.last)  # asked again, never echoed
    _pin_turn(alexa, "4321", state)
    assert [p.amount_minor for p in gateway.charged] == [12000]
    assert not (alexa.last["response"].get("directives") or [])


def test_an_answer_without_a_pin_asks_again_without_spending_a_try(
    alexa: AlexaClient, services: Services, demo: DemoSummary, gateway: FakeGateway
) -> None:
    _set_pin(services, demo)
    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"))
    alexa.intent("AMAZON.YesIntent")
    for value in (None, "?"):  # nothing in the slot; a value Alexa could not make four digits of
        _pin_turn(alexa, value, "IN_PROGRESS")
        assert alexa.speech.startswith("Sorry, I didn't catch four digits.") and _elicits_the_pin(alexa)
    assert _failures(services, demo) == 0
    _pin_turn(alexa, None, "IN_PROGRESS")  # a third time: the payment is dropped, nothing charged
    assert "I haven't made the payment. Nothing was charged." in alexa.speech and not _elicits_the_pin(alexa)
    assert gateway.charged == [] and not alexa.ended
    _pin_turn(alexa, "4321", "IN_PROGRESS")
    assert alexa.speech.startswith("I didn't ask for your PIN") and gateway.charged == []


def test_no_or_stop_at_the_pin_prompt_pays_nothing(
    alexa: AlexaClient, services: Services, demo: DemoSummary, gateway: FakeGateway
) -> None:
    _set_pin(services, demo)
    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"))
    alexa.intent("AMAZON.YesIntent")
    alexa.intent("AMAZON.NoIntent")
    assert "I won't make that payment. Nothing was charged." in alexa.speech
    _pin_turn(alexa, "4321", "IN_PROGRESS")
    assert alexa.speech.startswith("I didn't ask for your PIN")
    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"))
    alexa.intent("AMAZON.YesIntent")
    alexa.intent("AMAZON.StopIntent")
    assert alexa.speech == "OK, nothing was paid. Goodbye." and alexa.ended
    assert gateway.charged == []


def test_a_pin_nobody_asked_for_is_not_elicited_or_checked(
    alexa: AlexaClient, services: Services, demo: DemoSummary
) -> None:
    _set_pin(services, demo)
    _pin_turn(alexa, "1111", "STARTED")
    assert alexa.speech.startswith("I didn't ask for your PIN") and not _elicits_the_pin(alexa)
    assert _failures(services, demo) == 0


def test_the_pin_question_is_still_sealed_in_the_dialog(
    alexa: AlexaClient, services: Services, demo: DemoSummary, gateway: FakeGateway
) -> None:
    _set_pin(services, demo)
    alexa.intent("PayBillIntent", slot("billType", "phone", "phone"))
    alexa.intent("AMAZON.YesIntent")
    alexa.attributes["conv"]["pending"]["amount_minor"] = 1  # edited by the client
    _pin_turn(alexa, "4321", "IN_PROGRESS")
    assert alexa.speech.startswith("I didn't ask for your PIN") and gateway.charged == []
