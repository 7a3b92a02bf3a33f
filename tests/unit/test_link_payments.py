"""Paying from a payment link with the fake gateway: provider's word only, partial amounts, races with voice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from skill.domain.errors import NotFound, PartialPaymentNotAllowed
from skill.domain.model import Channel, InvoiceStatus, PaymentStatus
from skill.services.links.payment_links import send_payment_link
from skill.services.payments.link_card_payments import charge_link_card, start_link_card_payment
from skill.services.payments.link_payments import (
    LinkNotPayable,
    MethodNotOffered,
    confirm_link_payment_from_provider,
    link_payment_status,
    start_link_payment,
)
from skill.services.payments.mandates import PaymentInProgress, pay_with_mandate, stored_methods
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import DEMO_CARD, DEMO_CUSTOMER, attempts, default_method_id, invoice, kinds

WATER = "AQP-2026-Q3"  # 45.60, overdue, no partial payments
ELECTRICITY = "NWE-2026-11"  # 94.30, partial from 10.00


@pytest.fixture
def fake(demo) -> FakeGateway:  # type: ignore[no-untyped-def]
    gateway = FakeGateway()
    gateway.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    gateway.add_method(method_id="pm_browser_card", last4="1881")
    gateway.add_method(method_id=f"pm_card_{ELECTRICITY}", last4="0001")
    gateway.add_method(method_id=f"pm_card_{WATER}", last4="0002")
    return gateway


def link_token(services, demo, number: str = WATER) -> str:  # type: ignore[no-untyped-def]
    sent = send_payment_link(
        services.uow(),
        services.clock,
        base_url="https://pay.example.test",
        ttl=timedelta(hours=72),
        customer_id=demo.customer_id,
        invoice_id=invoice(services, number).id,
        requested_via=Channel.ALEXA,
    )
    return sent.url.rsplit("/", 1)[1]


def test_the_bill_is_paid_on_the_providers_word_not_the_browsers(services, fake, demo) -> None:
    token = link_token(services, demo)
    started = start_link_payment(services.uow, fake, services.clock, token=token)
    assert (started.amount_minor, started.currency, started.publishable_key) == (4560, "EUR", "pk_test_fake")

    # The browser says it is done, but the provider has not taken the money: nothing is marked paid.
    status = confirm_link_payment_from_provider(
        services.uow, fake, services.clock, token=token, attempt_id=started.attempt_id
    )
    assert (status.status, status.invoice_status) == (PaymentStatus.PENDING, InvoiceStatus.OPEN)

    reference = attempts(services, invoice(services, WATER).id)[0].provider_reference
    fake.browser_pays(reference, "pm_browser_card")
    status = confirm_link_payment_from_provider(
        services.uow, fake, services.clock, token=token, attempt_id=started.attempt_id
    )
    assert (status.status, status.invoice_status, status.finished) == (
        PaymentStatus.SUCCEEDED,
        InvoiceStatus.PAID,
        True,
    )
    assert (
        link_payment_status(services.uow, services.clock, token=token, attempt_id=started.attempt_id)
        == status
    )


def test_a_paid_or_expired_link_never_starts_a_payment(services, fake, demo, clock) -> None:
    token = link_token(services, demo)
    started = start_link_payment(services.uow, fake, services.clock, token=token)
    fake.browser_pays(started.client_secret.removesuffix("_secret"), "pm_browser_card")
    confirm_link_payment_from_provider(
        services.uow, fake, services.clock, token=token, attempt_id=started.attempt_id
    )

    with pytest.raises(LinkNotPayable):
        start_link_payment(services.uow, fake, services.clock, token=token)
    expiring = link_token(services, demo, ELECTRICITY)
    clock.advance(hours=73)
    with pytest.raises(LinkNotPayable):
        start_link_payment(services.uow, fake, services.clock, token=expiring)
    assert len(fake.intents) == 1


def test_partial_amounts_follow_the_billers_rules(services, fake, demo) -> None:
    started = start_link_payment(
        services.uow, fake, services.clock, token=link_token(services, demo, ELECTRICITY), amount_minor=2000
    )
    assert fake.intents[started.client_secret.removesuffix("_secret")].info.amount_minor == 2000
    with pytest.raises(PartialPaymentNotAllowed):
        start_link_payment(
            services.uow, fake, services.clock, token=link_token(services, demo), amount_minor=1000
        )


def test_an_unknown_token_or_someone_elses_attempt_is_not_found(services, fake, demo) -> None:
    with pytest.raises(NotFound):
        start_link_payment(services.uow, fake, services.clock, token="nope")
    started = start_link_payment(services.uow, fake, services.clock, token=link_token(services, demo))
    other = link_token(services, demo, ELECTRICITY)
    with pytest.raises(NotFound):
        link_payment_status(services.uow, services.clock, token=other, attempt_id=started.attempt_id)


def test_save_this_card_stores_it_as_a_mandate_for_voice(services, fake, demo) -> None:
    token = link_token(services, demo)
    started = start_link_payment(services.uow, fake, services.clock, token=token, save_method=True)
    fake.browser_pays(started.client_secret.removesuffix("_secret"), "pm_browser_card")

    confirm_link_payment_from_provider(
        services.uow, fake, services.clock, token=token, attempt_id=started.attempt_id
    )

    labels = [m.label for m in stored_methods(services.uow(), demo.customer_id)]
    assert labels == ["Visa ending 4242", "Visa ending 1881"]
    assert fake.methods["pm_browser_card"].details.customer == DEMO_CUSTOMER


def test_voice_and_link_paying_at_once_keep_what_is_due_and_refund_the_rest(services, fake, demo) -> None:
    token = link_token(services, demo)
    started = start_link_payment(services.uow, fake, services.clock, token=token)
    bill = invoice(services, WATER)

    # While the page is confirming, the customer also says "yes" to Alexa: both charges go through.
    voice = pay_with_mandate(
        services.uow,
        fake,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=bill.id,
        amount_minor=4560,
        payment_method_id=default_method_id(services, demo.customer_id),
        idempotency_key="alexa-turn",
    )
    fake.browser_pays(started.client_secret.removesuffix("_secret"), "pm_browser_card")
    confirm_link_payment_from_provider(
        services.uow, fake, services.clock, token=token, attempt_id=started.attempt_id
    )

    assert voice.status == "succeeded"
    bill = invoice(services, WATER)
    assert (bill.status, bill.amount_paid_minor, bill.refund_due_minor) == (InvoiceStatus.PAID, 4560, 0)
    assert [amount for _, amount in fake.refunds] == [4560]
    assert kinds(services, bill.id)[-2:] == ["overpaid", "refunded"]
    link_attempt = next(a for a in attempts(services, bill.id) if a.channel is Channel.LINK)
    assert (link_attempt.status, link_attempt.refunded_minor) == (PaymentStatus.REFUNDED, 4560)


def card_start(services, fake, demo, number: str = WATER, *, save: bool = False):  # type: ignore[no-untyped-def]
    token = link_token(services, demo, number)
    started = start_link_card_payment(services.uow, fake, services.clock, token=token, save_method=save)
    return token, started


def setup_id_of(fake: FakeGateway, started) -> str:  # type: ignore[no-untyped-def]
    return started.client_secret.removesuffix("_secret")


def test_the_two_step_card_flow_charges_the_set_up_card_once(services, fake, demo) -> None:
    token, started = card_start(services, fake, demo)
    fake.browser_sets_up(setup_id_of(fake, started), "pm_browser_card")
    args = {"token": token, "attempt_id": started.attempt_id, "setup_intent_id": setup_id_of(fake, started)}

    first = charge_link_card(services.uow, fake, services.clock, **args)
    again = charge_link_card(services.uow, fake, services.clock, **args)

    assert (first.status.status, first.status.invoice_status) == (PaymentStatus.SUCCEEDED, InvoiceStatus.PAID)
    assert again.status == first.status and first.authentication_client_secret is None
    assert [p.amount_minor for p in fake.charged] == [4560]


def test_three_d_secure_on_the_page_hands_back_a_secret_and_holds_the_amount(services, fake, demo) -> None:
    fake.methods["pm_browser_card"].behaviour = "authenticate"
    token, started = card_start(services, fake, demo)
    fake.browser_sets_up(setup_id_of(fake, started), "pm_browser_card")

    charge = charge_link_card(
        services.uow,
        fake,
        services.clock,
        token=token,
        attempt_id=started.attempt_id,
        setup_intent_id=setup_id_of(fake, started),
    )

    assert charge.status.status is PaymentStatus.PROCESSING and charge.authentication_client_secret
    with pytest.raises(PaymentInProgress):  # the voice channel cannot pay the same money meanwhile
        pay_with_mandate(
            services.uow,
            fake,
            services.clock,
            customer_id=demo.customer_id,
            invoice_id=invoice(services, WATER).id,
            amount_minor=4560,
            payment_method_id=default_method_id(services, demo.customer_id),
            idempotency_key="voice",
        )
    fake.authenticate(charge.authentication_client_secret.removesuffix("_secret"))
    status = confirm_link_payment_from_provider(
        services.uow, fake, services.clock, token=token, attempt_id=started.attempt_id
    )
    assert status.invoice_status is InvoiceStatus.PAID


def test_a_declined_card_on_the_page_fails_with_its_reason(services, fake, demo) -> None:
    fake.methods["pm_browser_card"].behaviour = "decline:expired_card"
    token, started = card_start(services, fake, demo)
    fake.browser_sets_up(setup_id_of(fake, started), "pm_browser_card")

    charge = charge_link_card(
        services.uow,
        fake,
        services.clock,
        token=token,
        attempt_id=started.attempt_id,
        setup_intent_id=setup_id_of(fake, started),
    )

    assert (charge.status.status, charge.status.failure_reason) == (PaymentStatus.FAILED, "expired_card")
    assert invoice(services, WATER).status is InvoiceStatus.OPEN


def test_a_bill_paid_by_voice_meanwhile_is_not_charged_again_by_the_page(services, fake, demo) -> None:
    token, started = card_start(services, fake, demo)
    fake.browser_sets_up(setup_id_of(fake, started), "pm_browser_card")
    pay_with_mandate(
        services.uow,
        fake,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=invoice(services, WATER).id,
        amount_minor=4560,
        payment_method_id=default_method_id(services, demo.customer_id),
        idempotency_key="voice",
    )

    with pytest.raises(LinkNotPayable):
        charge_link_card(
            services.uow,
            fake,
            services.clock,
            token=token,
            attempt_id=started.attempt_id,
            setup_intent_id=setup_id_of(fake, started),
        )
    assert [p.amount_minor for p in fake.charged] == [4560]


def test_a_setup_of_another_attempt_is_not_accepted(services, fake, demo) -> None:
    token, started = card_start(services, fake, demo)
    _, other = card_start(services, fake, demo, ELECTRICITY)
    fake.browser_sets_up(setup_id_of(fake, other), "pm_browser_card")

    with pytest.raises(NotFound):
        charge_link_card(
            services.uow,
            fake,
            services.clock,
            token=token,
            attempt_id=started.attempt_id,
            setup_intent_id=setup_id_of(fake, other),
        )
    assert fake.charged == []


def test_the_two_step_flow_saves_the_card_only_when_asked(services, fake, demo) -> None:
    for save, number in ((False, ELECTRICITY), (True, WATER)):
        token, started = card_start(services, fake, demo, number, save=save)
        fake.browser_sets_up(setup_id_of(fake, started), f"pm_card_{number}")
        charge_link_card(
            services.uow,
            fake,
            services.clock,
            token=token,
            attempt_id=started.attempt_id,
            setup_intent_id=setup_id_of(fake, started),
        )

    labels = [m.label for m in stored_methods(services.uow(), demo.customer_id)]
    assert labels == ["Visa ending 4242", "Visa ending 0002"]


def test_the_page_intent_is_for_the_chosen_bank_method_when_the_bill_offers_it(services, fake, demo) -> None:
    fake.payment_method_types = ("card", "sepa_debit", "ideal")  # Aqua Pura is in NL and bills in EUR
    start_link_payment(services.uow, fake, services.clock, token=link_token(services, demo), method="ideal")
    start_link_payment(
        services.uow, fake, services.clock, token=link_token(services, demo), method="sepa_debit"
    )
    assert fake.intent_methods == ["ideal", "sepa_debit"]


def test_a_method_the_bill_is_not_offered_in_starts_nothing(services, fake, demo) -> None:
    token = link_token(services, demo)  # the account has only cards on (the fake's default)
    with pytest.raises(MethodNotOffered):
        start_link_payment(services.uow, fake, services.clock, token=token, method="sepa_debit")
    assert fake.intents == {} and attempts(services, invoice(services, WATER).id) == []
