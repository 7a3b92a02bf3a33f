"""The billing answers behind the voice questions, on a real store: totals, next due, balances, part payments,
the change from the previous bill, and invoice copies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.errors import NotFound
from skill.domain.model import BillType, Channel
from skill.services.billing import ledger
from skill.services.billing.bills import AmbiguousBill
from skill.services.billing.comparison import LineChange, line_changes
from skill.services.identity import directory
from skill.services.links.payment_links import NoContactChannel
from tests.support.payments import outbox, timeline
from tests.support.store import invoice_id


def _biller(services: Services, customer_email: str, slug: str, currency: str = "EUR") -> int:
    biller = directory.create_biller(
        services.uow(), directory.NewBiller(slug, slug.title(), slug.title(), "NL", currency), services.clock
    )
    directory.upsert_customer(
        services.uow(),
        directory.CustomerData(
            name="Alex Demo", email=customer_email, mobile="+31612345678", accounts={biller: f"{slug}-1"}
        ),
        services.clock,
    )
    return biller


def _bill(
    services: Services,
    customer_id: int,
    biller_id: int,
    number: str,
    *,
    kind: BillType = BillType.GAS,
    issued: int = -5,
    due: int = 10,
    amount_minor: int = 5000,
    currency: str = "EUR",
    lines: tuple[dict[str, Any], ...] = (),
) -> int:
    today = services.clock.today()
    return ledger.create_invoice(
        services.uow(),
        ledger.NewInvoice(
            biller_id,
            directory.account_id(services.uow(), customer_id, biller_id),
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


def _pay(services: Services, invoice: int, amount_minor: int, key: str) -> None:
    ledger.record_payment(
        services.uow(), invoice, amount_minor, "EUR", idempotency_key=key, clock=services.clock
    )


def _ids(bills: object) -> list[int]:
    return [b.id for b in bills]  # type: ignore[attr-defined]


@pytest.fixture
def ids(services: Services, demo: DemoSummary) -> dict[str, int]:
    return {
        n: invoice_id(services.uow(), n) for n in ("NWE-2026-10", "NWE-2026-11", "AQP-2026-Q3", "LUM-2026-11")
    }


@pytest.fixture
def stranger(services: Services, demo: DemoSummary) -> int:
    """Another customer with an open, overdue bill at Northwind Energy."""
    with services.uow() as uow:
        northwind = uow.billers.by_slug("northwind-energy")
        assert northwind is not None
        biller = northwind.id
    other = directory.upsert_customer(
        services.uow(),
        directory.CustomerData(name="Sam Other", email="sam@example.com", accounts={biller: "NWE-999"}),
        services.clock,
    )
    _bill(
        services, other, biller, "NWE-999-1", kind=BillType.ELECTRICITY, issued=-1, due=-1, amount_minor=777
    )
    return other


# total_owed


def test_the_total_is_what_is_left_per_currency_and_leaves_other_customers_out(
    services: Services, demo: DemoSummary, stranger: int
) -> None:
    swedish = _biller(services, demo.email, "goteborg", "SEK")
    _bill(
        services,
        demo.customer_id,
        swedish,
        "GE-1",
        kind=BillType.INTERNET,
        amount_minor=49900,
        currency="SEK",
    )

    owed = services.billing.total_owed(demo.customer_id)

    assert owed.totals == (("EUR", 9430 + 4560 + 15000 - 3000), ("SEK", 49900))
    assert len(owed.bills) == 4 and owed.overdue_count == 1
    assert (owed.biller, owed.unknown_biller) == (None, False)


def test_the_total_for_a_biller_names_it_and_an_unknown_biller_is_flagged(
    services: Services, demo: DemoSummary
) -> None:
    northwind = services.billing.total_owed(demo.customer_id, biller="the power company")
    assert (northwind.biller, northwind.totals, len(northwind.bills)) == (
        "Northwind Energy",
        (("EUR", 9430),),
        1,
    )

    unknown = services.billing.total_owed(demo.customer_id, biller="Acme Gas")
    assert unknown.unknown_biller and unknown.bills == () and unknown.totals == ()


# next_due


def test_next_due_skips_overdue_bills_and_counts_one_due_today_as_still_to_come(
    services: Services, demo: DemoSummary, ids: dict[str, int]
) -> None:
    due = services.billing.next_due(demo.customer_id)
    assert due.bill is not None and due.bill.id == ids["LUM-2026-11"]
    assert _ids(due.overdue) == [ids["AQP-2026-Q3"]]

    gas = _biller(services, demo.email, "stadsgas")
    today_bill = _bill(services, demo.customer_id, gas, "SG-1", due=0)
    assert services.billing.next_due(demo.customer_id).bill.id == today_bill  # type: ignore[union-attr]


def test_next_due_of_a_type_with_only_an_overdue_bill_has_no_next_one(
    services: Services, demo: DemoSummary, ids: dict[str, int]
) -> None:
    due = services.billing.next_due(demo.customer_id, bill_type=BillType.WATER)
    assert due.bill is None and _ids(due.overdue) == [ids["AQP-2026-Q3"]]
    assert services.billing.next_due(demo.customer_id, bill_type=BillType.GAS) == type(due)(None, ())


# bill_balance


def test_a_balance_is_found_by_position_in_the_list_heard_or_by_the_bill_in_focus(
    services: Services, demo: DemoSummary, ids: dict[str, int]
) -> None:
    heard = [ids["AQP-2026-Q3"], ids["LUM-2026-11"], ids["NWE-2026-11"]]
    by_position = services.billing.bill_balance(demo.customer_id, position=2, last_read=heard)
    assert by_position.bill.id == ids["LUM-2026-11"] and by_position.bill.remaining_minor == 12000

    in_focus = services.billing.bill_balance(demo.customer_id, focus=ids["NWE-2026-10"])
    assert in_focus.bill.id == ids["NWE-2026-10"] and in_focus.bill.remaining_minor == 0

    with pytest.raises(NotFound):
        services.billing.bill_balance(demo.customer_id, position=4, last_read=heard)


def test_a_balance_without_a_named_bill_among_several_open_ones_is_ambiguous(
    services: Services, demo: DemoSummary, ids: dict[str, int]
) -> None:
    with pytest.raises(AmbiguousBill) as several:
        services.billing.bill_balance(demo.customer_id)
    assert _ids(several.value.candidates) == [ids["AQP-2026-Q3"], ids["LUM-2026-11"], ids["NWE-2026-11"]]


def test_a_named_bill_with_none_open_is_its_latest_paid_one_with_the_day_it_was_paid(
    services: Services, demo: DemoSummary, ids: dict[str, int], clock: FixedClock
) -> None:
    clock.advance(days=2)
    _pay(services, ids["AQP-2026-Q3"], 4560, "water-in-full")

    balance = services.billing.bill_balance(demo.customer_id, bill_type=BillType.WATER)

    assert balance.bill.id == ids["AQP-2026-Q3"] and balance.bill.remaining_minor == 0
    assert balance.paid_on == services.clock.today()


def test_without_any_open_bill_an_unnamed_balance_is_not_found(
    services: Services, demo: DemoSummary, ids: dict[str, int]
) -> None:
    _pay(services, ids["AQP-2026-Q3"], 4560, "w")
    _pay(services, ids["NWE-2026-11"], 9430, "e")
    _pay(services, ids["LUM-2026-11"], 12000, "p")
    with pytest.raises(NotFound):
        services.billing.bill_balance(demo.customer_id)


def test_another_customers_bill_is_never_a_balance(
    services: Services, demo: DemoSummary, stranger: int
) -> None:
    theirs = invoice_id(services.uow(), "NWE-999-1")
    balance = services.billing.bill_balance(demo.customer_id, bill_type=BillType.ELECTRICITY, focus=theirs)
    assert balance.bill.number == "NWE-2026-11"
    with pytest.raises(NotFound):
        services.billing.bill_balance(demo.customer_id, position=1, last_read=[theirs])


# part_paid


def test_part_paid_bills_are_the_open_ones_with_something_paid(
    services: Services, demo: DemoSummary, ids: dict[str, int]
) -> None:
    found = services.billing.part_paid(demo.customer_id)
    assert _ids(found.part_paid) == [ids["LUM-2026-11"]] and found.unpaid == ()

    water = services.billing.part_paid(demo.customer_id, bill_type=BillType.WATER)
    assert water.part_paid == () and _ids(water.unpaid) == [ids["AQP-2026-Q3"]]


# compare_with_previous and line_changes


def test_the_previous_bill_is_of_the_same_type_from_the_same_biller(
    services: Services, demo: DemoSummary, ids: dict[str, int]
) -> None:
    with services.uow() as uow:
        northwind = uow.billers.by_slug("northwind-energy")
        assert northwind is not None
        biller = northwind.id
    gas = _bill(services, demo.customer_id, biller, "NWE-GAS-1", issued=-1, amount_minor=12000)

    electricity = services.billing.compare_with_previous(demo.customer_id, bill_type=BillType.ELECTRICITY)
    assert electricity.bill.id == ids["NWE-2026-11"]
    assert (electricity.previous_amount_minor, electricity.difference_minor) == (7910, 1520)

    first_gas = services.billing.compare_with_previous(demo.customer_id, bill_type=BillType.GAS)
    assert first_gas.bill.id == gas and first_gas.previous_amount_minor is None
    assert first_gas.previous_issue_date is None


def test_a_previous_bill_in_another_currency_is_not_compared(services: Services, demo: DemoSummary) -> None:
    gas = _biller(services, demo.email, "stadsgas")
    _bill(services, demo.customer_id, gas, "SG-1", issued=-40, due=-20, currency="SEK")
    _bill(services, demo.customer_id, gas, "SG-2", issued=-5)

    compared = services.billing.compare_with_previous(demo.customer_id, biller="Stadsgas")

    assert compared.previous_amount_minor is None and compared.difference_minor is None
    assert compared.previous_issue_date == services.clock.today() - timedelta(days=40)


def test_with_several_bills_the_only_one_that_went_up_is_meant_else_it_is_ambiguous(
    services: Services, demo: DemoSummary, ids: dict[str, int]
) -> None:
    assert services.billing.compare_with_previous(demo.customer_id).bill.id == ids["NWE-2026-11"]

    gas = _biller(services, demo.email, "stadsgas")
    _bill(services, demo.customer_id, gas, "SG-1", issued=-40, due=-20, amount_minor=4000)
    rising = _bill(services, demo.customer_id, gas, "SG-2", issued=-5, amount_minor=4500)
    with pytest.raises(AmbiguousBill) as several:
        services.billing.compare_with_previous(demo.customer_id)
    assert sorted(_ids(several.value.candidates)) == sorted([ids["NWE-2026-11"], rising])

    focused = services.billing.compare_with_previous(demo.customer_id, focus=rising)
    assert focused.bill.id == rising and focused.difference_minor == 500


def test_the_lines_that_changed_are_matched_by_description_largest_change_first() -> None:
    before = [
        {"description": "Gas used", "amount_minor": 6000},
        {"description": "Network charge", "amount_minor": 2000},
        {"description": "Discount", "amount_minor": 500},
        {"description": "Meter", "amount_minor": 100},
        {"description": "meter ", "amount_minor": 100},
    ]
    after = [
        {"description": "Network charge", "amount_minor": 2000},
        {"description": "gas used", "amount_minor": 7500},
        {"description": "Meter", "amount_minor": 200},
        {"description": "Heat pump rental", "amount_minor": 900},
    ]

    assert line_changes(before, after) == (
        LineChange("gas used", 6000, 7500),
        LineChange("Heat pump rental", None, 900),
        LineChange("Discount", 500, None),
    )  # "Meter" is 200 both times (two lines of 100 before), "Network charge" did not change


def test_two_single_line_bills_have_no_lines_to_break_down() -> None:
    assert (
        line_changes(
            [{"description": "Power, October", "amount_minor": 7910}],
            [{"description": "Power, November", "amount_minor": 9430}],
        )
        == ()
    )
    assert line_changes([], []) == ()
    assert line_changes(
        [], [{"description": "A", "amount_minor": 1}, {"description": "B", "amount_minor": 2}]
    ) == (
        LineChange("B", None, 2),
        LineChange("A", None, 1),
    )


# send_invoice_copy


def test_an_invoice_copy_goes_by_email_first_with_an_absolute_link_and_a_timeline_entry(
    services: Services, demo: DemoSummary, ids: dict[str, int]
) -> None:
    sent = services.billing.send_invoice_copy(demo.customer_id, requested_via=Channel.ALEXA)

    assert sent.bill.id == ids["LUM-2026-11"]  # the most recently issued
    assert (sent.channel, sent.masked_destination, sent.instead) == (Channel.EMAIL, "a•••@example.com", False)
    [message] = outbox(services, "invoice_copy")
    assert message.payload["url"] == f"https://pay.example.test/go/invoice/{sent.bill.id}"
    assert message.payload["biller"] == "Lumen Mobile" and message.payload["due_date"] == "2026-03-13"
    assert [e.kind for e in timeline(services, sent.bill.id)][-1] == "sent"


def test_an_invoice_copy_goes_by_the_channel_asked_for_else_the_other_and_says_so(
    services: Services, demo: DemoSummary
) -> None:
    by_sms = services.billing.send_invoice_copy(
        demo.customer_id, requested_via=Channel.ALEXA, bill_type=BillType.WATER, prefer=Channel.SMS
    )
    assert (by_sms.channel, by_sms.masked_destination, by_sms.instead) == (Channel.SMS, "•••• 5678", False)

    with services.uow() as uow:
        customer = uow.customers.get(demo.customer_id)
        assert customer is not None
        customer.email = None
        for record in customer.accounts:
            record.email = None
        uow.commit()
    instead = services.billing.send_invoice_copy(
        demo.customer_id, requested_via=Channel.ALEXA, bill_type=BillType.WATER, prefer=Channel.EMAIL
    )
    assert (instead.channel, instead.instead) == (Channel.SMS, True)
    assert [m.channel for m in outbox(services, "invoice_copy")] == ["sms", "sms"]


def test_an_invoice_copy_without_contact_or_bill_queues_nothing(
    services: Services, demo: DemoSummary, stranger: int
) -> None:
    with pytest.raises(NotFound):
        services.billing.send_invoice_copy(demo.customer_id, requested_via=Channel.ALEXA, biller="Acme Gas")
    with pytest.raises(NotFound):  # the demo customer's Aqua Pura bill is not Sam's to have sent
        services.billing.send_invoice_copy(stranger, requested_via=Channel.ALEXA, biller="Aqua Pura")
    with services.uow() as uow:
        customer = uow.customers.get(demo.customer_id)
        assert customer is not None
        customer.email = customer.mobile = None
        for record in customer.accounts:
            record.email = record.mobile = None
        uow.commit()
    with pytest.raises(NoContactChannel):
        services.billing.send_invoice_copy(demo.customer_id, requested_via=Channel.ALEXA)
    assert outbox(services, "invoice_copy") == []


def test_a_void_bill_is_never_the_latest_invoice(
    services: Services, demo: DemoSummary, ids: dict[str, int]
) -> None:
    gas = _biller(services, demo.email, "stadsgas")
    voided = _bill(services, demo.customer_id, gas, "SG-1", issued=-1)
    ledger.void_bill(services.uow(), voided, services.clock, reason="issued in error")

    sent = services.billing.send_invoice_copy(demo.customer_id, requested_via=Channel.ALEXA)

    assert sent.bill.id == ids["LUM-2026-11"]
