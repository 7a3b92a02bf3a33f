"""Customer-service questions by voice, in every locale, checked against the store: contact, reminders, overpaid,
disputes and payment plans (issue 11 §2)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time

import pytest
from babel.dates import format_time, get_day_names

from skill.alexa.entry import dispatch
from skill.alexa.speech import say_date
from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.model import EventKind, InvoiceStatus
from skill.domain.money import format_money
from skill.domain.refunds import REFUND_WORKING_DAYS, add_working_days
from skill.notifications.webhook import SIGNATURE_HEADER, verify
from skill.services.billing import ledger
from skill.services.service_desk.contact import set_contact
from tests.alexa.driver import AlexaClient, slot
from tests.support.service_desk import (
    bank_transfer,
    biller_id,
    deliver,
    events,
    hook,
    invoice_id,
    provider_payment,
    queue_reminder,
    remind,
    webhooks,
)

LOCALES = ["en-US", "en-GB", "de-DE", "nl-NL"]
WATER = slot("billType", "water", "water")
PHONE = slot("billType", "phone", "phone")
# tests/corpus/README.md: none of these may be heard in a German or Dutch answer.
ENGLISH = re.compile(
    r"\b(the|you|your|bill|bills|please|sorry|would|which|what|with|from|paid|payment|due|owe|goodbye|thanks)\b",
    re.IGNORECASE,
)
BILLERS = ("Northwind Energy", "Aqua Pura", "Lumen Mobile")

Client = Callable[[str], AlexaClient]


@pytest.fixture
def client(services: Services, demo_token: str) -> Client:
    return lambda locale: AlexaClient(
        send=lambda e: dispatch(services, e), access_token=demo_token, locale=locale
    )


def money(amount_minor: int, locale: str) -> str:
    return format_money(amount_minor, "EUR", locale)


def spoken_in(locale: str, alexa: AlexaClient) -> str:
    """The speech, asserted to be in the request's language and to keep the session open."""
    speech = alexa.speech
    assert not alexa.ended, speech
    if locale in ("de-DE", "nl-NL"):
        plain = speech
        for name in BILLERS:
            plain = plain.replace(name, "")
        assert not ENGLISH.search(plain), (locale, speech)
    return speech


def today(services: Services) -> date:
    return services.clock.today()


# Contact


@pytest.mark.parametrize("locale", LOCALES)
def test_contact_reads_the_named_billers_phone_hours_and_email_and_shows_a_card(
    client: Client, locale: str
) -> None:
    alexa = client(locale)
    alexa.intent("ContactIntent", slot("biller", "Northwind", "northwind-energy"))

    speech = spoken_in(locale, alexa)
    days = get_day_names("wide", locale=locale.replace("-", "_"))
    assert '<say-as interpret-as="telephone">+31201234567</say-as>' in alexa.ssml
    assert "service@northwind-energy.example" in speech
    assert "Northwind Energy" in speech
    for weekday in (0, 4, 5):  # Monday to Friday, and Saturday
        assert str(days[weekday]) in speech
    pattern = "h:mm a" if locale == "en-US" else "H:mm"
    assert (
        str(format_time(time(18), pattern, locale=locale.replace("-", "_"))).replace("\u202f", " ") in speech
    )
    assert alexa.card is not None
    assert "https://northwind-energy.example/contact" in alexa.card["content"]
    assert "+31201234567" in alexa.card["content"]


@pytest.mark.parametrize("locale", LOCALES)
def test_contact_with_several_billers_and_none_named_asks_which(client: Client, locale: str) -> None:
    alexa = client(locale)
    alexa.intent("ContactIntent")

    speech = spoken_in(locale, alexa)
    assert all(name in speech for name in BILLERS)
    assert speech.rstrip().endswith(".") or "?" in speech
    assert "telephone" not in alexa.ssml and alexa.card is None


@pytest.mark.parametrize("locale", LOCALES)
def test_a_biller_without_contact_details_gets_a_helpful_answer(
    services: Services, client: Client, locale: str
) -> None:
    set_contact(
        services.uow(), biller_id(services, "aqua-pura"), phone=None, email=None, url=None, hours=None
    )
    alexa = client(locale)
    alexa.intent("ContactIntent", slot("biller", "Aqua Pura", "aqua-pura"))

    speech = spoken_in(locale, alexa)
    assert "Aqua Pura" in speech
    assert "telephone" not in alexa.ssml and "@" not in speech and alexa.card is None


def test_talk_to_someone_after_hearing_a_bill_means_that_bills_biller(client: Client) -> None:
    alexa = client("en-US")
    alexa.intent("BillDetailsIntent", WATER)
    alexa.intent("ContactIntent")

    assert '<say-as interpret-as="telephone">+31307654321</say-as>' in alexa.ssml  # Aqua Pura's line
    assert "Northwind" not in alexa.speech


def test_a_company_that_is_not_one_of_the_customers_billers_lists_theirs(client: Client) -> None:
    alexa = client("en-US")
    alexa.intent("ContactIntent", slot("biller", "Vattenfall"))

    assert all(name in alexa.speech for name in BILLERS)
    assert "telephone" not in alexa.ssml


# Reminders


@pytest.mark.parametrize("locale", LOCALES)
def test_reminder_says_what_was_sent_and_when_the_next_step_comes(
    services: Services, client: Client, demo: DemoSummary, locale: str
) -> None:
    water = invoice_id(services, "AQP-2026-Q3")  # due March 5, overdue
    remind(services, water, "before_due", "email", date(2026, 3, 2))
    remind(services, water, "on_due", "sms", date(2026, 3, 5))
    alexa = client(locale)
    alexa.intent("ReminderIntent", WATER)

    speech = spoken_in(locale, alexa)
    assert "Aqua Pura" in speech and money(4560, locale) in alexa.ssml
    assert say_date(date(2026, 3, 5), today(services)) in alexa.ssml  # the last reminder, and the due date
    assert " 2 " in speech  # two messages so far
    assert say_date(date(2026, 3, 12), today(services)) in alexa.ssml  # the plan's next step: due + 7 days
    alexa.intent("AMAZON.YesIntent")  # "would you like to pay it now?"
    assert money(4560, locale) in alexa.ssml and "Aqua Pura" in alexa.speech  # the payment's read-back


def test_a_reminder_from_the_biller_api_and_one_queued_count_and_move_the_plan_on(
    services: Services, client: Client, demo: DemoSummary
) -> None:
    from skill.domain.model import Channel

    water = invoice_id(services, "AQP-2026-Q3")
    services.biller_api.request_payment(
        biller_id=biller_id(services, "aqua-pura"), invoice_id=water, channel=Channel.SMS, amount_minor=None
    )
    queue_reminder(services, demo.customer_id, water, "after_due")
    alexa = client("en-US")
    alexa.intent("ReminderIntent", WATER)

    assert " 2 messages" in alexa.speech
    assert "final notice" in alexa.speech  # after "after_due", the final notice comes next ...
    assert say_date(date(2026, 3, 19), today(services)) in alexa.ssml  # ... on due + 14 days


def test_a_reminder_with_no_bill_named_is_about_the_overdue_bill(client: Client, services: Services) -> None:
    alexa = client("en-US")
    alexa.intent("ReminderIntent")

    assert "Aqua Pura" in alexa.speech and money(4560, "en-US") in alexa.ssml
    assert "Lumen" not in alexa.speech and "Northwind" not in alexa.speech


def test_after_the_final_notice_nothing_further_is_planned(services: Services, client: Client) -> None:
    water = invoice_id(services, "AQP-2026-Q3")
    remind(services, water, "final_notice", "email", date(2026, 3, 9))
    alexa = client("en-US")
    alexa.intent("ReminderIntent", WATER)

    dates = re.findall(r'interpret-as="date">([^<]+)<', alexa.ssml)
    assert dates == ["????0305", "????0309"]  # the due date and the final notice; nothing after them
    assert "final notice" in alexa.speech and not alexa.ended


@pytest.mark.parametrize("locale", LOCALES)
def test_a_reminder_about_a_paid_bill_says_no_more_will_come_and_offers_no_payment(
    services: Services, client: Client, locale: str
) -> None:
    water = invoice_id(services, "AQP-2026-Q3")
    remind(services, water, "on_due", "email", date(2026, 3, 5))
    bank_transfer(services, water, 4560, "paid-water")
    alexa = client(locale)
    alexa.intent("ReminderIntent", WATER)

    speech = spoken_in(locale, alexa)
    assert "Aqua Pura" in speech and 'interpret-as="date"' not in alexa.ssml
    alexa.intent("AMAZON.YesIntent")
    assert money(4560, locale) not in alexa.ssml  # nothing to pay was offered


# Paying too much


@pytest.mark.parametrize("locale", LOCALES)
def test_nothing_overpaid_says_what_was_paid(client: Client, services: Services, locale: str) -> None:
    alexa = client(locale)
    alexa.intent("OverpaidIntent")

    speech = spoken_in(locale, alexa)
    assert money(3000, locale) in alexa.ssml and money(7910, locale) in alexa.ssml
    assert "Lumen Mobile" in speech and "Northwind Energy" in speech


@pytest.mark.parametrize("locale", LOCALES)
def test_nothing_paid_on_the_bill_named_names_that_bill_not_all_payments(client: Client, locale: str) -> None:
    """The demo customer paid Lumen and Northwind, never Aqua Pura: 'I paid the water bill twice' is about water."""
    alexa = client(locale)
    alexa.intent("OverpaidIntent", WATER)

    speech = spoken_in(locale, alexa)
    assert "Aqua Pura" in speech
    assert "Lumen Mobile" not in speech and money(3000, locale) not in alexa.ssml


@pytest.mark.parametrize("locale", LOCALES)
def test_excess_paid_to_the_biller_directly_is_due_back_from_the_biller(
    services: Services, client: Client, locale: str
) -> None:
    bank_transfer(services, invoice_id(services, "AQP-2026-Q3"), 5000, "water-too-much")
    alexa = client(locale)
    alexa.intent("OverpaidIntent")

    speech = spoken_in(locale, alexa)
    assert money(440, locale) in alexa.ssml and "Aqua Pura" in speech
    assert 'interpret-as="date"' not in alexa.ssml  # nobody can say when


@pytest.mark.parametrize("locale", LOCALES)
def test_paying_twice_through_the_provider_is_refunded_automatically_with_a_date(
    services: Services, client: Client, locale: str
) -> None:
    water = invoice_id(services, "AQP-2026-Q3")
    provider_payment(services, water, 4560, "pi_first")
    provider_payment(services, water, 4560, "pi_second")
    alexa = client(locale)
    alexa.intent("OverpaidIntent", WATER)

    speech = spoken_in(locale, alexa)
    expected = add_working_days(today(services), REFUND_WORKING_DAYS)
    assert money(4560, locale) in alexa.ssml and "Aqua Pura" in speech and " 2 " in speech
    assert re.findall(r'interpret-as="date">([^<]+)<', alexa.ssml) == [f"????{expected:%m%d}"]


@pytest.mark.parametrize("locale", LOCALES)
def test_an_issued_refund_is_under_way_with_its_arrival_date_and_later_done(
    services: Services, clock: FixedClock, client: Client, locale: str
) -> None:
    water = invoice_id(services, "AQP-2026-Q3")
    provider_payment(services, water, 4560, "pi_first")
    second = provider_payment(services, water, 4560, "pi_second")
    ledger.apply_refund(services.uow(), second, 4560, clock, reason="excess")
    issued = today(services)
    arrives = add_working_days(issued, REFUND_WORKING_DAYS)

    under_way = client(locale)
    under_way.intent("OverpaidIntent")
    clock.advance(days=(arrives - issued).days + 1)
    done = client(locale)
    done.intent("OverpaidIntent")

    spoken_in(locale, under_way)
    spoken_in(locale, done)
    assert say_date(issued, issued) in under_way.ssml and say_date(arrives, issued) in under_way.ssml
    assert (
        say_date(issued, today(services)) in done.ssml and say_date(arrives, today(services)) not in done.ssml
    )
    assert money(4560, locale) in done.ssml


# Disputes and payment plans


@pytest.mark.parametrize("locale", LOCALES)
def test_a_dispute_is_recorded_once_and_the_biller_gets_one_signed_webhook(
    services: Services, clock: FixedClock, client: Client, demo: DemoSummary, locale: str
) -> None:
    endpoint = hook(services, "aqua-pura", ["dispute.opened"])
    water = invoice_id(services, "AQP-2026-Q3")
    alexa = client(locale)

    alexa.intent("DisputeIntent", WATER)
    first = spoken_in(locale, alexa)
    alexa.intent("DisputeIntent", WATER)
    again = spoken_in(locale, alexa)

    assert "Aqua Pura" in first and "Aqua Pura" in again and first != again
    assert say_date(today(services), today(services)) in alexa.ssml  # "you already disputed it on ..."
    assert len(events(services, water, EventKind.DISPUTED)) == 1
    assert services.billing.bill_details(demo.customer_id, water).bill.status is InvoiceStatus.DISPUTED
    queued = webhooks(services, "dispute.opened")
    assert len(queued) == 1
    received = deliver(services, queued[0])
    secret = services.biller_api.signing_secret(endpoint)
    assert secret is not None
    signature = {k.lower(): v for k, v in received.headers.items()}[SIGNATURE_HEADER.lower()]
    assert verify(secret, received.body, signature, int(clock.now().timestamp()))
    event = received.json()
    assert event["type"] == "dispute.opened"
    assert event["data"]["invoice_id"] == water and event["data"]["previous_status"] == "open"


@pytest.mark.parametrize("locale", LOCALES)
def test_a_dispute_without_a_bill_named_asks_which_and_records_nothing(
    services: Services, client: Client, locale: str
) -> None:
    alexa = client(locale)
    alexa.intent("DisputeIntent")

    speech = spoken_in(locale, alexa)
    assert sum(name in speech for name in BILLERS) >= 2
    for number in ("AQP-2026-Q3", "LUM-2026-11", "NWE-2026-11"):
        assert events(services, invoice_id(services, number), EventKind.DISPUTED) == []


def test_dispute_it_after_hearing_a_bill_disputes_that_bill(services: Services, client: Client) -> None:
    alexa = client("en-US")
    alexa.intent("BillDetailsIntent", PHONE)
    alexa.intent("DisputeIntent")

    assert "Lumen Mobile" in alexa.speech
    assert len(events(services, invoice_id(services, "LUM-2026-11"), EventKind.DISPUTED)) == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_a_payment_plan_request_is_recorded_once_with_its_webhook(
    services: Services, client: Client, locale: str
) -> None:
    hook(services, "lumen-mobile", ["payment_plan.requested"])
    phone = invoice_id(services, "LUM-2026-11")
    alexa = client(locale)

    alexa.intent("PaymentPlanIntent", PHONE)
    first, first_ssml = spoken_in(locale, alexa), alexa.ssml
    alexa.intent("PaymentPlanIntent", PHONE)
    again = spoken_in(locale, alexa)

    assert "Lumen Mobile" in first and money(12000, locale) in first_ssml  # what is still to pay
    assert alexa.card is not None and money(12000, locale) in alexa.card["content"]
    assert first != again and "Lumen Mobile" in again
    assert len(events(services, phone, EventKind.PAYMENT_PLAN_REQUESTED)) == 1
    assert len(webhooks(services, "payment_plan.requested")) == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_a_payment_plan_on_a_paid_bill_is_declined_kindly_and_records_nothing(
    services: Services, client: Client, locale: str
) -> None:
    phone = invoice_id(services, "LUM-2026-11")
    bank_transfer(services, phone, 12000, "phone-rest")
    alexa = client(locale)
    alexa.intent("PaymentPlanIntent", PHONE)

    spoken_in(locale, alexa)
    assert events(services, phone, EventKind.PAYMENT_PLAN_REQUESTED) == []
    assert webhooks(services, "payment_plan.requested") == []


def test_the_reply_channel_is_a_text_message_when_no_email_is_on_file(
    services: Services, client: Client
) -> None:
    with services.uow() as uow:
        for account in uow.customers.by_email("alex@example.com").accounts:  # type: ignore[union-attr]
            account.email = None
        person = uow.customers.by_email("alex@example.com")
        assert person is not None
        person.email = None
        uow.commit()
    alexa = client("en-US")
    alexa.intent("DisputeIntent", WATER)

    assert "5678" in alexa.speech  # the last four digits of the mobile on file, never the whole number
    assert "+31612345678" not in alexa.ssml


def test_every_new_intent_is_handled_after_a_day_passes(
    services: Services, clock: FixedClock, client: Client
) -> None:
    """No answer depends on the seeding day: a day later the same turns still answer (and nothing crashes)."""
    clock.advance(days=1)
    for name in ("ContactIntent", "ReminderIntent", "OverpaidIntent", "DisputeIntent", "PaymentPlanIntent"):
        alexa = client("en-US")
        alexa.intent(name)
        assert alexa.speech and not alexa.ended, name
