"""A payment not yet confirmed is described by the method charged: a card is no direct debit, in every locale."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.model import InvoiceStatus, MethodKind, PaymentStatus
from skill.payments.gateway import ChargeResult
from tests.alexa.driver import AlexaClient, slot
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import DEMO_CARD, DEMO_CUSTOMER, add_method_row, attempts, invoice

ELECTRICITY = slot("billType", "electricity", "electricity")
DIRECT_DEBIT = slot("method", "direct debit", "sepa_debit")

CARD_PROCESSING = {
    "en-US": "Your card payment of €94.30 to Northwind Energy isn't confirmed yet, so the bill stays open for "
    "now. I'll update it as soon as the payment is confirmed.",
    "en-GB": "Your card payment of €94.30 to Northwind Energy isn't confirmed yet, so the bill stays open for "
    "now. I'll update it as soon as the payment is confirmed.",
    "de-DE": "Ihre Kartenzahlung von 94,30 € an Northwind Energy ist noch nicht bestätigt, daher bleibt die "
    "Rechnung vorerst offen. Ich aktualisiere sie, sobald die Zahlung bestätigt ist.",
    "nl-NL": "Uw kaartbetaling van € 94,30 aan Northwind Energy is nog niet bevestigd, dus de rekening blijft "
    "voorlopig open. Ik werk hem bij zodra de betaling is bevestigd.",
}
SEPA_PROCESSING = {
    "en-US": "Your direct debit payment of €94.30 to Northwind Energy is on its way. Direct debits take a few "
    "working days; I'll update the bill when your bank confirms it.",
    "en-GB": "Your direct debit payment of €94.30 to Northwind Energy is on its way. Direct debits take a few "
    "working days; I'll update the bill when your bank confirms it.",
    "de-DE": "Ihre Zahlung per Lastschrift von 94,30 € an Northwind Energy ist unterwegs. Lastschriften dauern "
    "einige Werktage; ich aktualisiere die Rechnung, sobald Ihre Bank sie bestätigt.",
    "nl-NL": "Uw betaling per incasso van € 94,30 aan Northwind Energy is onderweg. Een incasso duurt een paar "
    "werkdagen; ik werk de rekening bij zodra uw bank die bevestigt.",
}
UNDER_REVIEW = {
    "en-US": "Your payment of €94.30 to Northwind Energy isn't confirmed yet, and we're looking into it.",
    "en-GB": "Your payment of €94.30 to Northwind Energy isn't confirmed yet, and we're looking into it.",
    "de-DE": "Ihre Zahlung von 94,30 € an Northwind Energy ist noch nicht bestätigt, und wir prüfen sie.",
    "nl-NL": "Uw betaling van € 94,30 aan Northwind Energy is nog niet bevestigd, en we zoeken het uit.",
}
# What was said of every pending payment before: right for a direct debit only.
DIRECT_DEBIT_WORDS = ("Direct debit", "Lastschrift", "incasso")
LOCALES = sorted(CARD_PROCESSING)


def pay_electricity(alexa: AlexaClient, locale: str, *method: dict[str, Any]) -> None:
    alexa.locale = locale
    alexa.intent("PayBillIntent", ELECTRICITY, *method)
    alexa.intent("AMAZON.YesIntent")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_processing_card_payment_is_not_called_a_direct_debit(
    alexa: AlexaClient, services: Services, gateway: FakeGateway, locale: str
) -> None:
    gateway.methods[DEMO_CARD].behaviour = "processing"
    pay_electricity(alexa, locale)
    assert alexa.speech == CARD_PROCESSING[locale]
    assert not any(word.lower() in alexa.speech.lower() for word in DIRECT_DEBIT_WORDS)
    assert invoice(services, "NWE-2026-11").status is InvoiceStatus.OPEN


@pytest.mark.parametrize("locale", LOCALES)
def test_a_processing_sepa_debit_is_described_as_a_direct_debit(
    alexa: AlexaClient, services: Services, gateway: FakeGateway, demo: DemoSummary, locale: str
) -> None:
    gateway.add_method(method_id="pm_sepa_3000", customer=DEMO_CUSTOMER, last4="3000", behaviour="processing")
    add_method_row(services, demo.customer_id, "pm_sepa_3000", kind=MethodKind.SEPA_DEBIT, last4="3000")
    pay_electricity(alexa, locale, DIRECT_DEBIT)
    assert alexa.speech == SEPA_PROCESSING[locale]
    assert invoice(services, "NWE-2026-11").status is InvoiceStatus.OPEN


@pytest.mark.parametrize("locale", LOCALES)
def test_a_card_charge_flagged_for_review_is_a_card_payment_not_yet_confirmed(
    alexa: AlexaClient,
    services: Services,
    gateway: FakeGateway,
    monkeypatch: pytest.MonkeyPatch,
    locale: str,
) -> None:
    charge = gateway.charge_off_session

    def answers_another_amount(**kwargs: Any) -> ChargeResult:
        return replace(charge(**kwargs), amount_minor=1)  # the provider took 0.01, not what was confirmed

    monkeypatch.setattr(gateway, "charge_off_session", answers_another_amount)
    pay_electricity(alexa, locale)
    bill = invoice(services, "NWE-2026-11")
    assert [a.status for a in attempts(services, bill.id)] == [PaymentStatus.NEEDS_REVIEW]
    assert bill.status is InvoiceStatus.OPEN
    assert alexa.speech == CARD_PROCESSING[locale]
    alexa.intent("PaymentStatusIntent")
    assert alexa.speech.startswith(UNDER_REVIEW[locale])
