"""The receipt: its payload (reference, method, date, invoice number, next step) as settlement queues it, and
its email in all five locales, formal in German ("Sie") and Dutch ("u")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.receipts import PaidWith, receipt_reference
from skill.notifications.messages import render
from skill.services.payments.mandates import pay_with_mandate
from skill.settings import SUPPORTED_LOCALES
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import DEMO_CARD, DEMO_CUSTOMER, attempts, default_method_id, invoice, outbox

ELECTRICITY = "NWE-2026-11"
PAYLOAD = {
    "biller": "Northwind Energy",
    "amount_minor": 9430,
    "currency": "EUR",
    "reference": "BP-000042",
    "method_kind": "card",
    "method_brand": "visa",
    "method_last4": "4242",
    "invoice_number": ELECTRICITY,
    "paid_at": datetime(2026, 3, 10, 9, 30, tzinfo=UTC).isoformat(),
    "path": "/go/invoice/7",
}
# locale: (method, date, formal address that must appear, informal address that must not)
EXPECTED = {
    "en-US": ("Paid with: Visa ending 4242", "Date: March 10, 2026", "your", None),
    "en-GB": ("Paid with: Visa ending 4242", "Date: 10 March 2026", "your", None),
    "de-DE": ("Bezahlt mit: Visa mit Endziffern 4242", "Datum: 10. März 2026", "Ihre", " dein"),
    "nl-NL": ("Betaald met: Visa eindigend op 4242", "Datum: 10 maart 2026", "uw", " je "),
    "sv-SE": ("Betalt med: Visa som slutar på 4242", "Datum: 10 mars 2026", "din", None),
}


def test_settling_a_voice_payment_queues_a_receipt_with_reference_method_date_invoice_and_next_step(
    services: Services, demo: DemoSummary
) -> None:
    gateway = FakeGateway()
    gateway.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    bill = invoice(services, ELECTRICITY)

    pay_with_mandate(
        services.uow,
        gateway,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=bill.id,
        amount_minor=bill.amount_due_minor,
        payment_method_id=default_method_id(services, demo.customer_id),
        idempotency_key="turn-1",
        evidence={},
    )

    [attempt] = attempts(services, bill.id)
    [receipt] = outbox(services, "receipt")
    assert {
        key: receipt.payload[key] for key in ("reference", "method_kind", "method_brand", "method_last4")
    } == {
        "reference": receipt_reference(attempt.id),
        "method_kind": "card",
        "method_brand": "visa",
        "method_last4": "4242",
    }
    assert receipt.payload["invoice_number"] == ELECTRICITY
    assert receipt.payload["paid_at"] == services.clock.now().isoformat()
    assert receipt.payload["path"] == f"/go/invoice/{bill.id}"


def test_the_reference_is_short_stable_and_reveals_no_secret() -> None:
    assert receipt_reference(42) == receipt_reference(42) == "BP-000042"
    assert receipt_reference(1234567) == "BP-1234567"


@pytest.mark.parametrize(
    ("paid_with", "key"),
    [
        (PaidWith("card", "visa", "4242"), "card"),
        (PaidWith("card", None, None), "card_unknown"),
        (PaidWith("sepa_debit", None, "3000"), "sepa_debit"),
        (PaidWith("sepa_debit"), "sepa_debit_unknown"),
        (PaidWith("ideal"), "ideal"),
    ],
)
def test_each_method_has_its_wording(paid_with: PaidWith, key: str) -> None:
    assert paid_with.label_key == key


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_receipt_email_carries_reference_method_date_invoice_and_link_in_every_locale(
    locale: str,
) -> None:
    method, day, formal, informal = EXPECTED[locale]

    rendered = render("receipt", locale, PAYLOAD, base_url="https://pay.example.test")

    for text in (rendered.text, rendered.html):
        assert "BP-000042" in text and ELECTRICITY in text
        assert method in text and day in text
        assert "https://pay.example.test/go/invoice/7" in text
    assert formal in rendered.text
    if informal:
        assert informal not in rendered.text.lower()


def test_a_sepa_receipt_names_the_debit_and_its_digits() -> None:
    payload = {**PAYLOAD, "method_kind": "sepa_debit", "method_brand": None, "method_last4": "3000"}

    assert "Paid with: SEPA Direct Debit ending 3000" in render("receipt", "en-US", payload).text
    assert "SEPA-Lastschrift, IBAN mit Endziffern 3000" in render("receipt", "de-DE", payload).text


def test_an_older_receipt_payload_without_the_new_fields_still_renders() -> None:
    old = {
        "biller": "Northwind Energy",
        "amount_minor": 9430,
        "currency": "EUR",
        "invoice_number": ELECTRICITY,
    }

    rendered = render("receipt", "de-DE", old)

    assert "Rechnungsnummer: NWE-2026-11" in rendered.text and "Referenz" not in rendered.text
