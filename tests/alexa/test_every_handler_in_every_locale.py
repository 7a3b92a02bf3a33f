"""Every handler answers in the request's language: no turn falls back to English in German or Dutch."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from skill.alexa.entry import dispatch
from skill.bootstrap import Services
from tests.alexa.driver import AlexaClient, slot

WATER = slot("billType", "water", "water")
TURNS: dict[str, Callable[[AlexaClient], object]] = {
    "launch": lambda a: a.launch(),
    "list": lambda a: a.intent("ListBillsIntent"),
    "list_overdue": lambda a: a.intent("ListBillsIntent", slot("billStatus", "overdue", "overdue")),
    "details": lambda a: a.intent("BillDetailsIntent", WATER),
    "which": lambda a: a.intent("PayBillIntent"),
    "pay_confirm": lambda a: a.intent("PayBillIntent", WATER),
    "too_much": lambda a: a.intent("PayBillIntent", WATER, slot("amount", "500")),
    "send_link": lambda a: a.intent("SendLinkIntent", WATER),
    "status": lambda a: a.intent("PaymentStatusIntent"),
    "history": lambda a: a.intent("PaymentHistoryIntent"),
    "total_owed": lambda a: a.intent("TotalOwedIntent"),
    "total_owed_biller": lambda a: a.intent("TotalOwedIntent", slot("biller", "Northwind")),
    "next_due": lambda a: a.intent("NextDueIntent"),
    "amount_left": lambda a: a.intent("AmountLeftIntent", slot("billType", "phone", "phone")),
    "amount_left_which": lambda a: a.intent("AmountLeftIntent"),
    "underpaid": lambda a: a.intent("UnderpaidIntent"),
    "why_higher": lambda a: a.intent("WhyHigherIntent", slot("billType", "electricity", "electricity")),
    "why_higher_first_bill": lambda a: a.intent("WhyHigherIntent", WATER),
    "latest_invoice": lambda a: a.intent("LatestInvoiceIntent", WATER),
    "help": lambda a: a.intent("AMAZON.HelpIntent"),
    "fallback": lambda a: a.intent("AMAZON.FallbackIntent"),
    "fallback_twice": lambda a: (a.intent("AMAZON.FallbackIntent"), a.intent("AMAZON.FallbackIntent")),
    "fallback_thrice": lambda a: [a.intent("AMAZON.FallbackIntent") for _ in range(3)],
    "unknown_intent": lambda a: a.intent("SomeFutureIntent"),
    "repeat_nothing": lambda a: a.intent("AMAZON.RepeatIntent"),
    "start_over": lambda a: a.intent("AMAZON.StartOverIntent"),
    "more_after_the_last": lambda a: (a.intent("ListBillsIntent"), a.intent("AMAZON.MoreIntent")),
    "yes_out_of_context": lambda a: a.intent("AMAZON.YesIntent"),
    "no_out_of_context": lambda a: a.intent("AMAZON.NoIntent"),
    "pin_not_asked": lambda a: a.intent("VoicePinIntent", slot("pin", "1234")),
    "stop": lambda a: a.intent("AMAZON.StopIntent"),
    "contact_which": lambda a: a.intent("ContactIntent"),
    "contact": lambda a: a.intent("ContactIntent", slot("biller", "Northwind", "northwind-energy")),
    "reminder": lambda a: a.intent("ReminderIntent", WATER),
    "overpaid": lambda a: a.intent("OverpaidIntent"),
    "dispute_which": lambda a: a.intent("DisputeIntent"),
    "dispute": lambda a: a.intent("DisputeIntent", WATER),
    "payment_plan": lambda a: a.intent("PaymentPlanIntent", slot("billType", "phone", "phone")),
}


def _speech(services: Services, token: str | None, locale: str, turn: str) -> str:
    client = AlexaClient(send=lambda e: dispatch(services, e), access_token=token, locale=locale)
    TURNS[turn](client)
    return client.speech


@pytest.mark.parametrize("turn", sorted(TURNS))
@pytest.mark.parametrize("locale", ["de-DE", "nl-NL"])
def test_turn_is_spoken_in_the_requests_language(
    services: Services, demo_token: str, locale: str, turn: str
) -> None:
    english = _speech(services, demo_token, "en-US", turn)
    localized = _speech(services, demo_token, locale, turn)
    assert localized and english
    assert localized != english
    for word in (" your ", " bill ", " the ", "Would you", "Please"):
        assert word not in f" {localized} ", (turn, localized)


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "de-DE", "nl-NL"])
def test_unlinked_account_is_explained_in_every_locale(services: Services, locale: str) -> None:
    english = _speech(services, None, "en-US", "launch")
    assert "link your account" in english
    localized = _speech(services, None, locale, "launch")
    assert (localized == english) == locale.startswith("en")
