"""The voice bugs of issue #11 item 5, each as the customer would hear it, in every voice locale."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.services.billing import ledger
from skill.storage import models as m
from tests.alexa.driver import AlexaClient
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
