"""Payments against a real localstripe process, with its webhooks delivered to the running app."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import stripe
from sqlalchemy import select

from skill import cli
from skill.bootstrap import Services
from skill.demo.payments import provision_demo_card
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.errors import DomainError
from skill.domain.model import Channel, InvoiceStatus, MethodKind, PaymentStatus
from skill.payments.localstripe_process import API_KEY, LocalStripe
from skill.services.links.payment_links import send_payment_link
from skill.services.payments.link_card_payments import charge_link_card, start_link_card_payment
from skill.services.payments.link_payments import start_link_payment
from skill.services.payments.mandates import PaymentOutcome, pay_with_mandate
from skill.services.payments.stripe_events import handle_stripe_event
from skill.settings import Settings
from skill.storage import models as m
from skill.web import create_app
from tests.support.localstripe import (
    DECLINED_CARD,
    FAILING_IBAN,
    THREE_D_SECURE_CARD,
    card_method,
    charged,
    client,
    new_webhook_secret,
    payment_intents,
    sepa_method,
    serving,
    wait_for,
)
from tests.support.payments import CommitFailsAfter, add_method_row, attempts, invoice, kinds, outbox
from tests.support.store import database_snapshot

pytestmark = pytest.mark.stripe

ELECTRICITY = "NWE-2026-11"  # EUR 94.30
WATER = "AQP-2026-Q3"  # EUR 45.60


@pytest.fixture
def clock() -> FixedClock:
    # localstripe stamps objects with the real time; our clock must not be months away from it.
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def webhook_secret() -> str:
    return new_webhook_secret()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, localstripe: LocalStripe, webhook_secret: str) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "BILLPAY_VAR_DIR": str(tmp_path),
            "SECRET_KEY": "test-secret-key",
            "STRIPE_API_KEY": API_KEY,
            "STRIPE_API_BASE": localstripe.base_url,
            "STRIPE_WEBHOOK_SECRET": webhook_secret,
        }
    )


@pytest.fixture
def customer(services: Services, demo: DemoSummary) -> str:
    """The demo card, provisioned in localstripe for real; returns the provider's customer id."""
    assert provision_demo_card(services.uow, services.gateway, services.clock) == "Visa ending 4242"
    with services.uow() as uow:
        stripe_id = uow.customers.get(demo.customer_id).stripe_customer_id
    assert stripe_id is not None
    return stripe_id


@pytest.fixture
def app_url(services: Services, localstripe: LocalStripe, webhook_secret: str) -> Iterator[str]:
    """The app, served on a free port, registered as localstripe's webhook endpoint."""
    with serving(create_app(services=services)) as url:
        localstripe.register_webhook("billpay", f"{url}/webhooks/stripe", webhook_secret)
        yield url


def pay(  # type: ignore[no-untyped-def]
    services: Services,
    demo: DemoSummary,
    number: str = ELECTRICITY,
    *,
    key: str,
    method_id: int | None = None,
    amount: int | None = None,
    uow_factory=None,
) -> PaymentOutcome:
    bill = invoice(services, number)
    if method_id is None:
        with services.uow() as uow:
            method_id = uow.methods.active_for_customer(demo.customer_id)[0].id
    return pay_with_mandate(
        uow_factory or services.uow,
        services.gateway,
        services.clock,
        customer_id=demo.customer_id,
        invoice_id=bill.id,
        amount_minor=amount or bill.amount_due_minor - bill.amount_paid_minor,
        payment_method_id=method_id,
        idempotency_key=key,
    )


def processed_events(services: Services) -> set[str]:
    with services.uow() as uow:
        return set(uow.session.scalars(select(m.ProcessedEvent.event_type)))


def refunded_on_timeline(services: Services, number: str) -> m.Invoice | None:
    bill = invoice(services, number)
    return bill if bill.refund_due_minor == 0 and "refunded" in kinds(services, bill.id) else None


def test_paying_with_the_demo_card_charges_it_once(services, demo, customer, app_url, localstripe) -> None:
    first = pay(services, demo, key="alexa-req-1:electricity", amount=9430)
    again = pay(
        services, demo, key="alexa-req-1:electricity", amount=9430
    )  # the same Alexa turn delivered twice

    assert (first.status, first.invoice_status) == ("succeeded", InvoiceStatus.PAID)
    assert again == first
    [intent] = payment_intents(localstripe)
    assert (intent["status"], intent["amount"], intent["customer"]) == ("succeeded", 9430, customer)
    # localstripe's own payment_intent.succeeded webhook arrives a second later and changes nothing.
    wait_for(lambda: "payment_intent.succeeded" in processed_events(services), what="the succeeded webhook")
    bill = invoice(services, ELECTRICITY)
    assert (bill.amount_paid_minor, kinds(services, bill.id).count("paid")) == (9430, 1)
    assert len(outbox(services, "receipt")) == 1


def test_a_declined_card_fails_with_a_reason_and_applies_nothing(
    services, demo, customer, localstripe
) -> None:
    method_id = add_method_row(
        services,
        demo.customer_id,
        card_method(localstripe, DECLINED_CARD, customer),
        provider_customer_id=customer,
    )

    outcome = pay(services, demo, key="declined", method_id=method_id)

    assert (outcome.status, outcome.failure_reason) == ("declined", "card_declined")
    assert charged(localstripe) == []
    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.OPEN, 0)


def test_a_three_d_secure_card_off_session_requires_action_and_is_not_charged(
    services, demo, customer, localstripe
) -> None:
    method_id = add_method_row(
        services,
        demo.customer_id,
        card_method(localstripe, THREE_D_SECURE_CARD, customer),
        provider_customer_id=customer,
        last4="3155",
    )

    outcome = pay(services, demo, key="3ds", method_id=method_id)

    assert (outcome.status, outcome.failure_reason) == ("requires_action", "authentication_required")
    assert charged(localstripe) == []
    assert [i["status"] for i in payment_intents(localstripe)] == ["canceled"]  # it can never complete later
    assert invoice(services, ELECTRICITY).amount_paid_minor == 0


def test_a_sepa_debit_is_processing_then_resolved_by_the_webhook(
    services, demo, customer, app_url, localstripe
) -> None:
    iban = sepa_method(localstripe, FAILING_IBAN, customer)
    method_id = add_method_row(
        services,
        demo.customer_id,
        iban,
        provider_customer_id=customer,
        kind=MethodKind.SEPA_DEBIT,
        last4="3001",
    )

    outcome = pay(services, demo, key="sepa", method_id=method_id)

    assert (outcome.status, outcome.invoice_status) == ("processing", InvoiceStatus.OPEN)
    bill = invoice(services, ELECTRICITY)
    # This IBAN is localstripe's failing one: payment_intent.payment_failed arrives at our endpoint.
    [attempt] = wait_for(
        lambda: [a for a in attempts(services, bill.id) if a.status is PaymentStatus.FAILED],
        what="the failure webhook",
    )
    assert attempt.failure_reason == "card_declined"  # localstripe's code for a failed debit
    assert invoice(services, ELECTRICITY).status is InvoiceStatus.OPEN


def test_a_forged_webhook_gets_400_and_changes_nothing(
    services, demo, customer, app_url, localstripe
) -> None:
    pay(services, demo, key="paid")
    [intent] = payment_intents(localstripe)
    wait_for(lambda: "payment_intent.succeeded" in processed_events(services), what="the real webhook")
    charge = {"id": "ch_forged", "object": "charge", "payment_intent": intent["id"], "amount_refunded": 9430}
    body = json.dumps({"id": "evt_forged", "type": "charge.refunded", "data": {"object": charge}})
    before = database_snapshot(services.engine)

    for signature in (
        None,
        "t=1,v1=" + "0" * 64,
        stripe.WebhookSignature.generate_signature_header(body, "whsec_wrong"),
    ):
        request = urllib.request.Request(f"{app_url}/webhooks/stripe", data=body.encode(), method="POST")
        request.add_header("Content-Type", "application/json; charset=utf-8")  # as Stripe sends it
        if signature:
            request.add_header("Stripe-Signature", signature)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        refused.value.close()
        assert refused.value.code == 400

    assert database_snapshot(services.engine) == before


def test_a_duplicate_webhook_delivery_has_one_effect(
    services, demo, customer, app_url, localstripe, webhook_secret
) -> None:
    iban = sepa_method(localstripe, FAILING_IBAN, customer)
    method_id = add_method_row(
        services,
        demo.customer_id,
        iban,
        provider_customer_id=customer,
        kind=MethodKind.SEPA_DEBIT,
        last4="3001",
    )
    pay(services, demo, key="sepa", method_id=method_id)
    wait_for(lambda: "payment_intent.payment_failed" in processed_events(services), what="the first delivery")
    [delivered] = [
        e
        for e in localstripe.get("/v1/events?limit=100")["data"]
        if e["type"] == "payment_intent.payment_failed"
    ]

    # Stripe redelivers on timeouts: the very same signed event, twice more.
    body = json.dumps(delivered)
    for _ in range(2):
        request = urllib.request.Request(f"{app_url}/webhooks/stripe", data=body.encode(), method="POST")
        request.add_header("Content-Type", "application/json; charset=utf-8")  # as Stripe sends it
        request.add_header(
            "Stripe-Signature", stripe.WebhookSignature.generate_signature_header(body, webhook_secret)
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response)["result"] == "duplicate"

    assert kinds(services, invoice(services, ELECTRICITY).id).count("payment_failed") == 1


def test_a_crash_between_stripes_answer_and_our_commit_is_resolved_by_billpay_reconcile(
    services, demo, customer, localstripe, settings, monkeypatch, capsys
) -> None:
    crashing = CommitFailsAfter(services.uow, fail_on=2)  # 1: the attempt; 2: recording Stripe's answer
    with pytest.raises(ConnectionError):
        pay(services, demo, key="crash", uow_factory=crashing)
    bill = invoice(services, ELECTRICITY)
    [attempt] = attempts(services, bill.id)
    assert (attempt.status, attempt.provider_reference) == (PaymentStatus.PENDING, None)
    assert [i["amount"] for i in charged(localstripe)] == [9430]  # Stripe took the money

    for name, value in {
        "DATABASE_URL": settings.database_url,
        "STRIPE_API_KEY": API_KEY,
        "STRIPE_API_BASE": localstripe.base_url,
    }.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["reconcile", "--older-than-minutes", "0"]) == 0

    assert "1 checked, 1 settled" in capsys.readouterr().out
    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.PAID, 9430)
    assert attempts(services, bill.id)[0].provider_reference == charged(localstripe)[0]["id"]
    assert len(payment_intents(localstripe)) == 1


def test_a_crash_after_the_charge_is_also_resolved_by_the_webhook(
    services, demo, customer, app_url, localstripe
) -> None:
    with pytest.raises(ConnectionError):
        pay(services, demo, key="crash", uow_factory=CommitFailsAfter(services.uow, fail_on=2))

    wait_for(
        lambda: invoice(services, ELECTRICITY).status is InvoiceStatus.PAID, what="the webhook to settle it"
    )
    assert len(charged(localstripe)) == 1


def test_two_voice_devices_paying_at_the_same_moment_charge_once(
    services, demo, customer, localstripe
) -> None:
    """Under the invoice lock one attempt charges; the other sees it in flight (or the bill paid)."""
    outcomes = race(
        lambda: pay(services, demo, WATER, key="echo-kitchen", amount=4560).status,
        lambda: pay(services, demo, WATER, key="echo-office", amount=4560).status,
    )

    assert sorted(outcomes) in (["already_paid", "succeeded"], ["payment_in_progress", "succeeded"])
    assert [i["amount"] for i in charged(localstripe)] == [4560]
    assert invoice(services, WATER).amount_paid_minor == 4560


def test_voice_and_the_link_page_paying_at_the_same_moment_charge_once(
    services, demo, customer, localstripe
) -> None:
    token = link_token(services, demo, WATER)
    page = start_link_card_payment(services.uow, services.gateway, services.clock, token=token)
    setup_id = page.client_secret.split("_secret_")[0]
    # What stripe.confirmCardSetup does in the browser (localstripe's shim does the same call).
    card = client(localstripe).v1.payment_methods.create(
        {
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"},
        }
    )
    client(localstripe).v1.setup_intents.confirm(setup_id, {"payment_method": card.id})

    def link_page() -> str:
        charge = charge_link_card(
            services.uow,
            services.gateway,
            services.clock,
            token=token,
            attempt_id=page.attempt_id,
            setup_intent_id=setup_id,
        )
        return str(charge.status.status)

    outcomes = race(lambda: pay(services, demo, WATER, key="alexa", amount=4560).status, link_page)

    assert "succeeded" in outcomes and len(charged(localstripe)) == 1, outcomes
    bill = invoice(services, WATER)
    assert (bill.status, bill.amount_paid_minor, bill.refund_due_minor) == (InvoiceStatus.PAID, 4560, 0)


def race(*contenders: Callable[[], str]) -> list[str]:
    """Run the callables at the same moment; each result, or the code of the domain error it raised."""
    barrier = threading.Barrier(len(contenders))
    results: list[str] = []

    def run(contender: Callable[[], str]) -> None:
        barrier.wait(timeout=10)
        try:
            results.append(contender())
        except DomainError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=run, args=(c,)) for c in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == len(contenders), results
    return results


def link_token(services: Services, demo: DemoSummary, number: str) -> str:
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


def test_voice_and_the_link_page_both_landing_money_refund_the_excess(
    services, demo, customer, app_url, localstripe
) -> None:
    token = link_token(services, demo, WATER)
    page = start_link_payment(services.uow, services.gateway, services.clock, token=token)
    intent_id = page.client_secret.split("_secret_")[0]

    assert pay(services, demo, WATER, key="voice").status == "succeeded"
    # Meanwhile the phone confirms its PaymentIntent (what Stripe.js's confirmCardPayment does).
    stripe_client = client(localstripe)
    stripe_client.v1.payment_intents.update(
        intent_id, {"payment_method": card_method(localstripe, "4242424242424242", customer)}
    )
    stripe_client.v1.payment_intents.confirm(intent_id)

    bill = wait_for(lambda: refunded_on_timeline(services, WATER), what="the automatic refund")
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.PAID, 4560)
    assert kinds(services, bill.id)[-2:] == ["overpaid", "refunded"]
    refunds = stripe_client.v1.refunds.list({"payment_intent": intent_id}).data
    assert [r.amount for r in refunds] == [4560]
    link_attempt = next(a for a in attempts(services, bill.id) if a.channel is Channel.LINK)
    assert link_attempt.status is PaymentStatus.REFUNDED


def test_a_refund_made_in_the_stripe_dashboard_reopens_the_balance(
    services, demo, customer, localstripe, webhook_secret
) -> None:
    pay(services, demo, key="paid")
    [intent] = payment_intents(localstripe)
    stripe_client = client(localstripe)
    stripe_client.v1.refunds.create({"payment_intent": intent["id"], "amount": 3000})  # "the dashboard"

    # localstripe emits no charge.refunded event, so we build the one Stripe would send from the real objects
    # (the charge after the refund, as localstripe reports it) and deliver it correctly signed.
    charge = localstripe.get(f"/v1/payment_intents/{intent['id']}")["latest_charge"]
    assert charge["amount_refunded"] == 3000
    event = {"id": "evt_dashboard_refund", "type": "charge.refunded", "data": {"object": charge}}
    body = json.dumps(event)
    verified = services.gateway.verify_webhook(
        body.encode(), stripe.WebhookSignature.generate_signature_header(body, webhook_secret)
    )
    assert handle_stripe_event(services.uow, services.gateway, services.clock, verified) == "processed"

    bill = invoice(services, ELECTRICITY)
    assert (bill.status, bill.amount_paid_minor) == (InvoiceStatus.PARTIALLY_PAID, 6430)
    assert kinds(services, bill.id)[-1] == "refunded"


def test_reconcile_reports_an_intent_the_provider_does_not_know_and_exits_4(
    services, demo, customer, localstripe, settings, monkeypatch, capsys
) -> None:
    with pytest.raises(ConnectionError):
        pay(services, demo, key="lost", uow_factory=CommitFailsAfter(services.uow, fail_on=2))
    [attempt] = attempts(services, invoice(services, ELECTRICITY).id)
    with services.uow() as uow:  # as if our row pointed at an intent from another Stripe account
        uow.attempts.get(attempt.id).provider_reference = "pi_unknown_to_this_account"
        uow.commit()
    for name, value in {
        "DATABASE_URL": settings.database_url,
        "STRIPE_API_KEY": API_KEY,
        "STRIPE_API_BASE": localstripe.base_url,
    }.items():
        monkeypatch.setenv(name, value)

    assert cli.main(["reconcile", "--older-than-minutes", "0"]) == 4

    assert "1 unreachable" in capsys.readouterr().out
    assert attempts(services, invoice(services, ELECTRICITY).id)[0].status is PaymentStatus.PENDING
