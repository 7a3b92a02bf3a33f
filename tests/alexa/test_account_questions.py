"""What customers ask about their bills, by voice in every locale: each answer checked against the bill's state.

The demo (2026-03-10): electricity NWE-2026-11 €94.30 due 03-20 (the paid NWE-2026-10, €79.10, before it), water
AQP-2026-Q3 €45.60 overdue since 03-05, phone LUM-2026-11 €150.00 with €30.00 paid, due 03-13.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.model import BillType, Channel
from skill.domain.money import format_money
from skill.notifications.messages import render
from skill.services.billing import ledger
from skill.services.billing.results import BillView
from skill.services.identity import directory
from skill.web import create_app
from tests.alexa.driver import AlexaClient, slot
from tests.support.payments import invoice, outbox, timeline
from tests.support.store import invoice_id

LOCALES = ["en-US", "en-GB", "de-DE", "nl-NL"]
PHONE = slot("billType", "phone", "phone")
WATER = slot("billType", "water", "water")
ELECTRICITY = slot("billType", "electricity", "electricity")
GAS = slot("billType", "gas", "gas")


def said(amount_minor: int, currency: str, locale: str) -> str:
    """An amount as the locale writes it, with Babel's no-break spaces folded as the driver folds them."""
    return re.sub(r"\s+", " ", format_money(amount_minor, currency, locale))


def bill(services: Services, demo: DemoSummary, number: str) -> BillView:
    """The bill as the store has it now."""
    return services.billing.bill_details(demo.customer_id, invoice_id(services.uow(), number)).bill


def by_locale(locale: str, **wording: str) -> str:
    """The wording for `locale`: en (US and GB), de or nl."""
    return wording[locale.split("-")[0]]


def pay_in_full(services: Services, number: str) -> None:
    row = invoice(services, number)
    ledger.record_payment(
        services.uow(),
        row.id,
        row.amount_due_minor - row.amount_paid_minor,
        row.currency,
        idempotency_key=f"test-full-{number}",
        clock=services.clock,
    )


def new_biller(services: Services, demo: DemoSummary, slug: str, name: str, currency: str = "EUR") -> int:
    """A biller the demo customer has an account with."""
    biller = directory.create_biller(
        services.uow(), directory.NewBiller(slug, name, name, "NL", currency), services.clock
    )
    directory.upsert_customer(
        services.uow(),
        directory.CustomerData(
            name="Alex Demo", email=demo.email, mobile="+31612345678", accounts={biller: f"{slug}-1"}
        ),
        services.clock,
    )
    return biller


def new_bill(
    services: Services,
    demo: DemoSummary,
    biller_id: int,
    number: str,
    *,
    kind: BillType,
    issued: int,
    due: int,
    amount_minor: int,
    currency: str = "EUR",
    lines: tuple[dict[str, Any], ...] = (),
) -> int:
    today = services.clock.today()
    account = directory.account_id(services.uow(), demo.customer_id, biller_id)
    return ledger.create_invoice(
        services.uow(),
        ledger.NewInvoice(
            biller_id,
            account,
            number,
            kind,
            today + timedelta(days=issued),
            today + timedelta(days=due),
            amount_minor,
            currency,
            line_items=lines,
        ),
        services.clock,
    )


def forget_contacts(
    services: Services, demo: DemoSummary, *, email: bool = True, mobile: bool = False
) -> None:
    """The customer and their biller records lose their email address (and mobile number)."""
    with services.uow() as uow:
        customer = uow.customers.get(demo.customer_id)
        assert customer is not None
        for holder in (customer, *customer.accounts):
            if email:
                holder.email = None
            if mobile:
                holder.mobile = None
        uow.commit()


# TotalOwedIntent


@pytest.mark.parametrize("locale", LOCALES)
def test_total_owed_is_the_sum_of_the_open_bills_with_their_count_and_how_many_are_overdue(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str
) -> None:
    outstanding = services.billing.list_outstanding(demo.customer_id)
    alexa.locale = locale

    alexa.intent("TotalOwedIntent")

    assert said(outstanding.totals["EUR"], "EUR", locale) in alexa.speech  # 259.90
    count = by_locale(locale, en="on 3 open bills", de="auf 3 offene Rechnungen", nl="over 3 openstaande")
    overdue = by_locale(
        locale,
        en="One of them is overdue.",
        de="Eine davon ist überfällig.",
        nl="Eén daarvan is achterstallig.",
    )
    assert count in alexa.speech and overdue in alexa.speech
    assert not alexa.ended and alexa.last["response"]["reprompt"]


def test_yes_after_the_total_reads_the_bills_behind_it(alexa: AlexaClient) -> None:
    alexa.intent("TotalOwedIntent")
    assert alexa.speech.startswith("You owe €259.90 in total, on 3 open bills.")
    assert alexa.speech.endswith("Would you like to hear them or pay one?")

    alexa.intent("AMAZON.YesIntent")

    speech = alexa.speech
    assert "water bill from Aqua Pura" in speech and "phone bill" in speech and "electricity bill" in speech


@pytest.mark.parametrize("locale", LOCALES)
def test_total_owed_to_one_biller_is_that_billers_total_and_offers_to_pay_it(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str
) -> None:
    electricity = bill(services, demo, "NWE-2026-11")
    alexa.locale = locale

    alexa.intent("TotalOwedIntent", slot("biller", "Northwind"))

    assert said(electricity.remaining_minor, "EUR", locale) in alexa.speech
    assert "Northwind Energy" in alexa.speech and "Lumen" not in alexa.speech
    assert '<say-as interpret-as="date">????0320</say-as>' in alexa.ssml
    alexa.intent("AMAZON.YesIntent")
    assert said(9430, "EUR", locale) in alexa.speech and "Visa" in alexa.speech  # the read-back before paying


def test_total_owed_to_a_biller_with_its_bills_paid_is_nothing(
    alexa: AlexaClient, services: Services
) -> None:
    pay_in_full(services, "NWE-2026-11")

    alexa.intent("TotalOwedIntent", slot("biller", "Northwind"))

    assert alexa.speech.startswith("You don't owe Northwind Energy anything right now")
    assert not alexa.ended


def test_total_owed_to_a_biller_the_customer_has_no_account_with_says_so(alexa: AlexaClient) -> None:
    alexa.intent("TotalOwedIntent", slot("biller", "Acme Gas"))
    assert alexa.speech.startswith("I couldn't find a biller by that name among your accounts.")
    assert not alexa.ended


@pytest.mark.parametrize("locale", LOCALES)
def test_total_owed_in_several_currencies_is_a_total_per_currency(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str
) -> None:
    swedish = new_biller(services, demo, "goteborg-energi", "Göteborg Energi", "SEK")
    new_bill(
        services,
        demo,
        swedish,
        "GE-1",
        kind=BillType.INTERNET,
        issued=-2,
        due=20,
        amount_minor=49900,
        currency="SEK",
    )
    alexa.locale = locale

    alexa.intent("TotalOwedIntent")

    assert said(25990, "EUR", locale) in alexa.speech and said(49900, "SEK", locale) in alexa.speech
    assert by_locale(locale, en="4 open bills", de="4 offene Rechnungen", nl="4 openstaande") in alexa.speech


@pytest.mark.parametrize("locale", LOCALES)
def test_total_owed_without_open_bills_is_nothing(
    alexa: AlexaClient, services: Services, locale: str
) -> None:
    for number in ("NWE-2026-11", "AQP-2026-Q3", "LUM-2026-11"):
        pay_in_full(services, number)
    alexa.locale = locale

    alexa.intent("TotalOwedIntent")

    expected = by_locale(
        locale,
        en="You don't owe anything right now: you have no open bills.",
        de="Sie schulden gerade nichts: Sie haben keine offenen Rechnungen.",
        nl="U hoeft op dit moment niets te betalen: u hebt geen openstaande rekeningen.",
    )
    assert alexa.speech.startswith(expected)
    assert not alexa.ended


# NextDueIntent


@pytest.mark.parametrize("locale", LOCALES)
def test_next_due_is_the_first_bill_not_yet_overdue_and_the_overdue_one_is_said_apart(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str
) -> None:
    phone, water = bill(services, demo, "LUM-2026-11"), bill(services, demo, "AQP-2026-Q3")
    alexa.locale = locale

    alexa.intent("NextDueIntent")

    speech = alexa.speech
    assert by_locale(locale, en="phone bill", de="Telefonrechnung", nl="telefoonrekening") in speech
    assert said(phone.remaining_minor, "EUR", locale) in speech  # 120.00 left of 150.00
    assert '<say-as interpret-as="date">????0313</say-as>' in alexa.ssml
    overdue = by_locale(
        locale,
        en="One bill is already overdue",
        de="Eine Rechnung ist schon überfällig",
        nl="Eén rekening is al achterstallig",
    )
    assert overdue in speech and said(water.remaining_minor, "EUR", locale) in speech
    assert speech.index(said(phone.remaining_minor, "EUR", locale)) < speech.index(overdue)
    alexa.intent("AMAZON.YesIntent")  # "would you like to pay your phone bill from Lumen Mobile?"
    assert said(12000, "EUR", locale) in alexa.speech and "Lumen Mobile" in alexa.speech


def test_next_due_of_a_type_that_is_only_overdue_says_nothing_is_coming_and_offers_the_overdue_one(
    alexa: AlexaClient,
) -> None:
    alexa.intent("NextDueIntent", WATER)

    assert alexa.speech.startswith("There's no bill coming up: every open bill is already past its due date.")
    assert (
        "One bill is already overdue: €45.60 for the water bill from Aqua Pura, which was due" in alexa.speech
    )
    assert '<say-as interpret-as="date">????0305</say-as>' in alexa.ssml
    alexa.intent("AMAZON.YesIntent")
    assert "To confirm: pay €45.60 for your water bill from Aqua Pura" in alexa.speech


def test_next_due_counts_a_bill_due_today_as_still_to_come(
    alexa: AlexaClient, services: Services, demo: DemoSummary
) -> None:
    gas = new_biller(services, demo, "stadsgas", "Stadsgas")
    new_bill(services, demo, gas, "SG-1", kind=BillType.GAS, issued=-20, due=0, amount_minor=3300)

    alexa.intent("NextDueIntent")

    assert alexa.speech.startswith(
        "The next bill due is your gas bill from Stadsgas, with €33.00 left to pay"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_next_due_without_open_bills(alexa: AlexaClient, services: Services, locale: str) -> None:
    for number in ("NWE-2026-11", "AQP-2026-Q3", "LUM-2026-11"):
        pay_in_full(services, number)
    alexa.locale = locale

    alexa.intent("NextDueIntent")

    expected = by_locale(
        locale,
        en="You have no open bills, so nothing is due.",
        de="Sie haben keine offenen Rechnungen, es ist also nichts fällig.",
        nl="U hebt geen openstaande rekeningen, dus er hoeft niets betaald te worden.",
    )
    assert alexa.speech.startswith(expected) and not alexa.ended


# AmountLeftIntent


@pytest.mark.parametrize("locale", LOCALES)
def test_amount_left_is_due_minus_paid_with_the_part_paid_and_the_due_date(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str
) -> None:
    phone = bill(services, demo, "LUM-2026-11")
    alexa.locale = locale

    alexa.intent("AmountLeftIntent", PHONE)

    left, paid, due = (
        said(v, "EUR", locale)
        for v in (phone.remaining_minor, phone.amount_paid_minor, phone.amount_due_minor)
    )
    assert (left, paid, due) == tuple(said(v, "EUR", locale) for v in (12000, 3000, 15000))
    assert left in alexa.speech and paid in alexa.speech and due in alexa.speech
    assert alexa.speech[0].isupper()
    assert '<say-as interpret-as="date">????0313</say-as>' in alexa.ssml
    rest = by_locale(locale, en="pay the rest?", de="den Rest bezahlen?", nl="het restant betalen?")
    assert alexa.speech.endswith(rest)
    alexa.intent("AMAZON.YesIntent")
    assert left in alexa.speech and "Lumen Mobile" in alexa.speech  # the read-back is for the rest


def test_amount_left_on_a_bill_with_nothing_paid_says_so(alexa: AlexaClient) -> None:
    alexa.intent("AmountLeftIntent", ELECTRICITY)
    assert alexa.speech.startswith("Your electricity bill from Northwind Energy has €94.30 left to pay, due")
    assert "Nothing has been paid on it yet." in alexa.speech


def test_amount_left_on_an_overdue_bill_says_it_is_overdue(alexa: AlexaClient) -> None:
    alexa.intent("AmountLeftIntent", WATER)
    assert alexa.speech.startswith("Your water bill from Aqua Pura has €45.60 left to pay. It was due")
    assert "is overdue" in alexa.speech


@pytest.mark.parametrize("locale", LOCALES)
def test_amount_left_on_a_fully_paid_bill_says_it_is_paid_and_when(
    alexa: AlexaClient, services: Services, locale: str
) -> None:
    pay_in_full(services, "AQP-2026-Q3")
    alexa.locale = locale

    alexa.intent("AmountLeftIntent", WATER)

    in_full = by_locale(locale, en="was paid in full on", de="wurde am", nl="is op")
    assert in_full in alexa.speech and said(4560, "EUR", locale) in alexa.speech
    assert '<say-as interpret-as="date">????0310</say-as>' in alexa.ssml  # paid today
    assert alexa.speech[0].isupper() and not alexa.ended
    assert alexa.attributes["conv"]["pending"] is None  # nothing to pay: no "yes" pending


def test_amount_left_on_it_is_the_bill_in_focus(alexa: AlexaClient) -> None:
    alexa.intent("BillDetailsIntent", PHONE)
    alexa.intent("AmountLeftIntent")
    assert alexa.speech.startswith("Your phone bill from Lumen Mobile has €120.00 left to pay")


def test_amount_left_on_the_second_one_is_the_second_bill_heard(alexa: AlexaClient) -> None:
    alexa.intent("ListBillsIntent")  # water, phone, electricity
    alexa.intent("AmountLeftIntent", slot("ordinal", "2"))
    assert alexa.speech.startswith("Your phone bill from Lumen Mobile has €120.00 left to pay")


def test_amount_left_without_naming_a_bill_asks_which_one(alexa: AlexaClient) -> None:
    alexa.intent("AmountLeftIntent")
    assert alexa.speech.startswith("Which bill do you mean:")
    alexa.intent("BillDetailsIntent", slot("ordinal", "1"))  # "the first one": the water bill, overdue first
    assert "€45.60" in alexa.speech and "water bill from Aqua Pura" in alexa.speech


# UnderpaidIntent


@pytest.mark.parametrize("locale", LOCALES)
def test_paid_too_little_gives_the_remaining_amount_and_how_to_pay_it(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str
) -> None:
    phone = bill(services, demo, "LUM-2026-11")
    alexa.locale = locale

    alexa.intent("UnderpaidIntent")

    for value in (phone.amount_paid_minor, phone.amount_due_minor, phone.remaining_minor):
        assert said(value, "EUR", locale) in alexa.speech
    how = by_locale(locale, en="send me a link", de="schick mir einen Link", nl="stuur me een link")
    assert how in alexa.speech and not alexa.ended
    alexa.intent("SendLinkIntent")  # the bill in focus is the part-paid one
    assert said(12000, "EUR", locale) in alexa.speech and "Lumen Mobile" in alexa.speech
    assert [m.invoice_id for m in outbox(services, "payment_request")] == [phone.id]


def test_paid_too_little_and_yes_pays_the_rest(alexa: AlexaClient) -> None:
    alexa.intent("UnderpaidIntent", PHONE)
    assert alexa.speech.endswith("Would you like to pay the €120.00 now?")
    alexa.intent("AMAZON.YesIntent")
    assert alexa.speech.startswith("To confirm: pay €120.00 for your phone bill from Lumen Mobile")


def test_paid_too_little_on_several_bills_lists_each_remainder(
    alexa: AlexaClient, services: Services
) -> None:
    electricity = invoice(services, "NWE-2026-11")
    ledger.record_payment(
        services.uow(), electricity.id, 2000, "EUR", idempotency_key="test-part", clock=services.clock
    )

    alexa.intent("UnderpaidIntent")

    assert alexa.speech.startswith("2 bills have a part payment:")
    assert alexa.speech.count("To pay one, say for example: pay the first one.") == 1
    assert "€120.00 of €150.00 is still open on the phone bill from Lumen Mobile" in alexa.speech
    assert "€74.30 of €94.30 is still open on the electricity bill from Northwind Energy" in alexa.speech
    alexa.intent("PayBillIntent", slot("ordinal", "2"))
    assert alexa.speech.startswith("To confirm: pay €74.30 for your electricity bill from Northwind Energy")


def test_paid_too_little_on_a_bill_without_a_part_payment_gives_its_full_amount(alexa: AlexaClient) -> None:
    alexa.intent("UnderpaidIntent", WATER)
    assert alexa.speech.startswith("I don't see a part payment on your open bills.")
    assert "Your water bill from Aqua Pura has €45.60 left to pay." in alexa.speech


def test_paid_too_little_without_open_bills(alexa: AlexaClient, services: Services) -> None:
    for number in ("NWE-2026-11", "AQP-2026-Q3", "LUM-2026-11"):
        pay_in_full(services, number)
    alexa.intent("UnderpaidIntent")
    assert alexa.speech.startswith("You have no open bills, so there's nothing left to pay.")


# WhyHigherIntent


@pytest.mark.parametrize("locale", LOCALES)
def test_why_higher_gives_the_difference_from_the_previous_bill_of_the_same_type(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str
) -> None:
    now, before = bill(services, demo, "NWE-2026-11"), invoice(services, "NWE-2026-10")
    alexa.locale = locale

    alexa.intent("WhyHigherIntent", ELECTRICITY)

    difference = now.amount_due_minor - before.amount_due_minor
    assert difference == 1520
    for value in (now.amount_due_minor, difference, before.amount_due_minor):
        assert said(value, "EUR", locale) in alexa.speech
    assert by_locale(locale, en="more than", de="mehr als", nl="meer dan") in alexa.speech
    assert '<say-as interpret-as="date">????0125</say-as>' in alexa.ssml  # the previous bill's issue date
    assert not alexa.ended


@pytest.mark.parametrize("locale", LOCALES)
def test_why_higher_reads_the_line_items_that_changed(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str
) -> None:
    gas = new_biller(services, demo, "stadsgas", "Stadsgas")
    before = (
        {"description": "Gas used", "amount_minor": 6000},
        {"description": "Network charge", "amount_minor": 2000},
        {"description": "Loyalty discount", "amount_minor": 500},
    )
    after = (
        {"description": "Gas used", "amount_minor": 7500},
        {"description": "Network charge", "amount_minor": 2000},
        {"description": "Meter rental", "amount_minor": 900},
    )
    new_bill(
        services, demo, gas, "SG-1", kind=BillType.GAS, issued=-40, due=-20, amount_minor=8500, lines=before
    )
    new_bill(
        services, demo, gas, "SG-2", kind=BillType.GAS, issued=-5, due=15, amount_minor=10400, lines=after
    )
    alexa.locale = locale

    alexa.intent("WhyHigherIntent", GAS)

    speech = alexa.speech
    assert said(10400 - 8500, "EUR", locale) in speech
    assert (
        "Gas used" in speech and said(6000, "EUR", locale) in speech and said(7500, "EUR", locale) in speech
    )
    assert "Meter rental" in speech and said(900, "EUR", locale) in speech
    assert "Loyalty discount" in speech and said(500, "EUR", locale) in speech
    assert "Network charge" not in speech  # unchanged
    assert (
        speech.index("Gas used") < speech.index("Meter rental") < speech.index("Loyalty discount")
    )  # biggest first


def test_why_higher_in_english_words_each_change(
    alexa: AlexaClient, services: Services, demo: DemoSummary
) -> None:
    gas = new_biller(services, demo, "stadsgas", "Stadsgas")
    lines_before = (
        {"description": "Gas used", "amount_minor": 6000},
        {"description": "Discount", "amount_minor": 500},
    )
    lines_after = (
        {"description": "Gas used", "amount_minor": 5000},
        {"description": "Meter rental", "amount_minor": 900},
    )
    new_bill(
        services,
        demo,
        gas,
        "SG-1",
        kind=BillType.GAS,
        issued=-40,
        due=-20,
        amount_minor=6500,
        lines=lines_before,
    )
    new_bill(
        services,
        demo,
        gas,
        "SG-2",
        kind=BillType.GAS,
        issued=-5,
        due=15,
        amount_minor=5900,
        lines=lines_after,
    )

    alexa.intent("WhyHigherIntent", GAS)

    assert alexa.speech.startswith("Your gas bill from Stadsgas isn't higher: it's €59.00, €6.00 less than")
    assert (
        "What changed: Gas used went down from €60.00 to €50.00, Meter rental is new, at €9.00 and "
        "Discount, €5.00 last time, is no longer on it."
    ) in alexa.speech


@pytest.mark.parametrize("locale", LOCALES)
def test_why_higher_without_a_previous_bill_says_there_is_none(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str
) -> None:
    water = bill(services, demo, "AQP-2026-Q3")
    alexa.locale = locale

    alexa.intent("WhyHigherIntent", WATER)

    none_before = by_locale(
        locale,
        en="There's no earlier water bill",
        de="Es gibt keine frühere Wasserrechnung",
        nl="Er is geen eerdere waterrekening",
    )
    assert none_before in alexa.speech and said(water.amount_due_minor, "EUR", locale) in alexa.speech


def test_why_higher_never_compares_with_another_bill_type_of_the_same_biller(
    alexa: AlexaClient, services: Services, demo: DemoSummary
) -> None:
    northwind = invoice(services, "NWE-2026-11").biller_id
    new_bill(services, demo, northwind, "NWE-GAS-1", kind=BillType.GAS, issued=-1, due=20, amount_minor=12000)

    alexa.intent("WhyHigherIntent", slot("billType", "gas", "gas"))

    assert alexa.speech.startswith(
        "Your gas bill from Northwind Energy is €120.00. There's no earlier gas bill"
    )


def test_why_higher_that_is_the_same_says_so(
    alexa: AlexaClient, services: Services, demo: DemoSummary
) -> None:
    gas = new_biller(services, demo, "stadsgas", "Stadsgas")
    new_bill(services, demo, gas, "SG-1", kind=BillType.GAS, issued=-40, due=-20, amount_minor=5000)
    new_bill(services, demo, gas, "SG-2", kind=BillType.GAS, issued=-5, due=15, amount_minor=5000)

    alexa.intent("WhyHigherIntent", slot("biller", "Stadsgas"))

    assert alexa.speech.startswith(
        "Your gas bill from Stadsgas isn't higher: it's €50.00, the same as the previous one"
    )


def test_why_is_my_bill_so_high_means_the_one_that_went_up(alexa: AlexaClient) -> None:
    alexa.intent("WhyHigherIntent")  # electricity went up; water and phone have nothing to compare with
    assert alexa.speech.startswith("Your electricity bill from Northwind Energy is €94.30, €15.20 more than")


# LatestInvoiceIntent


@pytest.mark.parametrize("locale", LOCALES)
def test_latest_invoice_is_sent_again_by_email_with_a_link_to_its_page(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str
) -> None:
    water = bill(services, demo, "AQP-2026-Q3")
    alexa.locale = locale

    alexa.intent("LatestInvoiceIntent", WATER)

    [message] = outbox(services, "invoice_copy")
    assert (message.channel, message.recipient, message.invoice_id) == ("email", demo.email, water.id)
    assert message.payload["url"] == f"https://pay.example.test/go/invoice/{water.id}"
    assert message.payload["invoice_number"] == "AQP-2026-Q3" and message.payload["amount_minor"] == 4560
    assert by_locale(locale, en="by email", de="per E-Mail", nl="per e-mail") in alexa.speech
    assert said(water.amount_due_minor, "EUR", locale) in alexa.speech
    assert '<say-as interpret-as="date">????0203</say-as>' in alexa.ssml  # issued February 3
    assert alexa.card is not None and "AQP-2026-Q3" in alexa.card["content"]
    assert [e.data for e in timeline(services, water.id) if e.kind == "sent"] == [
        {"copy": True, "sent_via": "email"}
    ]
    assert not alexa.ended


def test_latest_invoice_without_naming_one_is_the_most_recently_issued(
    alexa: AlexaClient, services: Services, demo: DemoSummary
) -> None:
    alexa.intent("LatestInvoiceIntent")
    [message] = outbox(services, "invoice_copy")
    assert message.invoice_id == invoice(services, "LUM-2026-11").id  # issued 12 days ago, the newest
    assert alexa.speech.startswith("I've sent your phone bill from Lumen Mobile again by email")


def test_a_copy_of_it_is_a_copy_of_the_bill_just_talked_about(alexa: AlexaClient, services: Services) -> None:
    alexa.intent("BillDetailsIntent", WATER)
    alexa.intent("LatestInvoiceIntent")  # "send me a copy of it"
    [message] = outbox(services, "invoice_copy")
    assert message.invoice_id == invoice(services, "AQP-2026-Q3").id
    assert alexa.speech.startswith("I've sent your water bill from Aqua Pura again by email")


def test_latest_invoice_by_text_when_asked(alexa: AlexaClient, services: Services, demo: DemoSummary) -> None:
    alexa.intent("LatestInvoiceIntent", ELECTRICITY, slot("channel", "text", "sms"))

    [message] = outbox(services, "invoice_copy")
    assert (message.channel, message.recipient) == ("sms", "+31612345678")
    assert "by text message to your phone number ending in 5678" in alexa.speech
    sms = render(message.kind, message.locale, message.payload).sms
    assert "NWE-2026-11" in sms and f"https://pay.example.test/go/invoice/{message.invoice_id}" in sms


@pytest.mark.parametrize("locale", LOCALES)
def test_latest_invoice_without_an_email_address_goes_by_text_and_says_so(
    alexa: AlexaClient, services: Services, demo: DemoSummary, locale: str
) -> None:
    forget_contacts(services, demo)
    alexa.locale = locale

    alexa.intent("LatestInvoiceIntent", WATER, slot("channel", "email", "email"))

    [message] = outbox(services, "invoice_copy")
    assert message.channel == "sms"
    no_email = by_locale(
        locale,
        en="I don't have an email address for you, so I've sent your water bill from Aqua Pura by text message",
        de="Ich habe keine E-Mail-Adresse von Ihnen, deshalb habe ich Ihnen Ihre Wasserrechnung von Aqua Pura stattdessen per SMS",
        nl="Ik heb geen e-mailadres van u, dus ik heb u uw waterrekening van Aqua Pura in plaats daarvan per sms",
    )
    assert alexa.speech.startswith(no_email) and "5678" in alexa.speech
    assert by_locale(locale, en="by email", de="per E-Mail", nl="per e-mail") not in alexa.speech


def test_latest_invoice_without_any_contact_is_a_clear_answer(
    alexa: AlexaClient, services: Services, demo: DemoSummary
) -> None:
    forget_contacts(services, demo, mobile=True)

    alexa.intent("LatestInvoiceIntent")

    assert alexa.speech.startswith(
        "I can't send your bill, because I don't have a mobile number or an email address"
    )
    assert outbox(services, "invoice_copy") == [] and not alexa.ended


def test_the_invoice_copys_link_leads_to_the_customers_invoice_page(
    alexa: AlexaClient, services: Services
) -> None:
    alexa.intent("LatestInvoiceIntent", WATER)
    [message] = outbox(services, "invoice_copy")
    path = message.payload["url"].removeprefix(services.settings.public_base_url)

    response = create_app(services=services).test_client().get(path)

    assert response.status_code == 302 and response.headers["Location"] == "/account"  # until /invoices/<id>


def test_a_copy_of_a_paid_bill_does_not_offer_to_pay_it(alexa: AlexaClient, services: Services) -> None:
    alexa.intent("LatestInvoiceIntent", slot("biller", "Northwind"))  # the open November bill is the latest
    assert "Would you like to pay it?" in alexa.speech
    pay_in_full(services, "NWE-2026-11")
    alexa.intent("LatestInvoiceIntent", slot("biller", "Northwind"))
    assert alexa.speech.endswith("Anything else?")
    assert len(outbox(services, "invoice_copy")) == 2


@pytest.mark.parametrize(
    ("intent", "slots"),
    [
        ("TotalOwedIntent", ()),
        ("NextDueIntent", (PHONE,)),
        ("AmountLeftIntent", (PHONE,)),
        ("UnderpaidIntent", ()),
        ("WhyHigherIntent", (ELECTRICITY,)),
        ("LatestInvoiceIntent", (WATER,)),
    ],
)
def test_each_answer_keeps_the_session_open_with_a_question(
    alexa: AlexaClient, intent: str, slots: tuple[dict[str, Any], ...]
) -> None:
    alexa.intent(intent, *slots)
    assert not alexa.ended
    assert alexa.last["response"]["reprompt"]["outputSpeech"]["ssml"]
    assert alexa.speech[0].isupper() and alexa.speech.rstrip().endswith("?")


@pytest.mark.parametrize("intent", ["TotalOwedIntent", "AmountLeftIntent", "LatestInvoiceIntent"])
def test_without_a_linked_account_the_skill_asks_to_link_it(
    services: Services, demo: DemoSummary, intent: str
) -> None:
    from skill.alexa.entry import dispatch

    client = AlexaClient(send=lambda e: dispatch(services, e))
    client.intent(intent)
    assert client.card == {"type": "LinkAccount"}
    assert outbox(services, "invoice_copy") == []


def test_the_invoice_copy_was_asked_for_by_voice(alexa: AlexaClient, services: Services) -> None:
    alexa.intent("LatestInvoiceIntent", PHONE)
    [entry] = [e for e in timeline(services, invoice(services, "LUM-2026-11").id) if e.kind == "sent"]
    assert entry.channel == str(Channel.ALEXA)
