"""Reading bills on a real store: outstanding lists, finding one bill by what was said, details and timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.errors import NotFound
from skill.domain.model import BillType, Channel, InvoiceStatus
from skill.services.billing import ledger
from skill.services.billing.bills import (
    AmbiguousBill,
    bill_details,
    bill_timeline,
    find_bill,
    find_bills,
    list_outstanding,
)
from skill.services.identity import directory
from tests.support.store import invoice_id


@dataclass(frozen=True)
class World:
    """The demo customer's bills (EUR) plus a SEK bill, and another customer's bill at the same biller."""

    customer_id: int
    other_customer_id: int
    electricity: int  # NWE-2026-11, EUR 94.30, due in 10 days
    water: int  # AQP-2026-Q3, EUR 45.60, overdue by 5 days
    phone: int  # LUM-2026-11, EUR 150.00 with 30.00 paid, due in 3 days
    paid_electricity: int  # NWE-2026-10, paid
    internet: int  # GE-2026-11, SEK 499.00, due in 20 days, biller "Göteborg Energi"
    others_bill: int  # NWE-2026-11-B, another customer's


def _new_bill(services: Services, biller_id: int, account_id: int, number: str, **fields: object) -> int:
    today = services.clock.today()
    values: dict[str, object] = {
        "bill_type": BillType.ELECTRICITY,
        "issue_date": today - timedelta(days=5),
        "due_date": today + timedelta(days=5),
        "amount_due_minor": 5000,
        "currency": "EUR",
        **fields,
    }
    return ledger.create_invoice(
        services.uow(),
        ledger.NewInvoice(biller_id=biller_id, account_id=account_id, number=number, **values),  # type: ignore[arg-type]
        services.clock,
    )


@pytest.fixture
def world(services: Services, demo: DemoSummary) -> World:
    uow, clock = services.uow, services.clock
    with uow() as reading:
        northwind = reading.billers.by_slug("northwind-energy")
        assert northwind is not None
        energy = northwind.id
    swedish = directory.create_biller(
        uow(),
        directory.NewBiller(
            "goteborg-energi",
            "Göteborg Energi",
            "Göteborg Energi",
            "SE",
            "SEK",
            aliases=("Göteborgs elbolag",),
        ),
        clock,
    )
    directory.upsert_customer(
        uow(),
        directory.CustomerData(
            name="Alex Demo", email=demo.email, mobile="+31612345678", accounts={swedish: "GE-1"}
        ),
        clock,
    )
    internet = _new_bill(
        services,
        swedish,
        directory.account_id(uow(), demo.customer_id, swedish),
        "GE-2026-11",
        bill_type=BillType.INTERNET,
        due_date=clock.today() + timedelta(days=20),
        amount_due_minor=49900,
        currency="SEK",
    )
    other = directory.upsert_customer(
        uow(),
        directory.CustomerData(name="Sam Other", email="sam@example.com", accounts={energy: "NWE-999"}),
        clock,
    )
    others_bill = _new_bill(
        services,
        energy,
        directory.account_id(uow(), other, energy),
        "NWE-2026-11-B",
        due_date=clock.today() - timedelta(days=1),
    )
    return World(
        customer_id=demo.customer_id,
        other_customer_id=other,
        electricity=invoice_id(uow(), "NWE-2026-11"),
        water=invoice_id(uow(), "AQP-2026-Q3"),
        phone=invoice_id(uow(), "LUM-2026-11"),
        paid_electricity=invoice_id(uow(), "NWE-2026-10"),
        internet=internet,
        others_bill=others_bill,
    )


def _ids(bills: object) -> list[int]:
    return [bill.id for bill in bills]  # type: ignore[attr-defined]


def test_outstanding_bills_are_ordered_by_due_date_with_overdue_flags(
    services: Services, world: World
) -> None:
    outstanding = list_outstanding(services.uow(), world.customer_id, services.clock)
    assert _ids(outstanding.bills) == [world.water, world.phone, world.electricity, world.internet]
    assert [bill.overdue for bill in outstanding.bills] == [True, False, False, False]
    assert outstanding.overdue_count == 1


def test_outstanding_totals_are_kept_per_currency(services: Services, world: World) -> None:
    outstanding = list_outstanding(services.uow(), world.customer_id, services.clock)
    assert outstanding.totals == {"EUR": 4560 + (15000 - 3000) + 9430, "SEK": 49900}


def test_outstanding_bills_show_what_remains_of_a_partial_payment(services: Services, world: World) -> None:
    phone = next(
        b
        for b in list_outstanding(services.uow(), world.customer_id, services.clock).bills
        if b.id == world.phone
    )
    assert (phone.status, phone.amount_paid_minor, phone.remaining_minor) == (
        InvoiceStatus.PARTIALLY_PAID,
        3000,
        12000,
    )


def test_paid_and_void_bills_are_not_outstanding(services: Services, world: World) -> None:
    ledger.void_bill(services.uow(), world.water, services.clock, reason="issued twice")
    outstanding = list_outstanding(services.uow(), world.customer_id, services.clock)
    assert world.paid_electricity not in _ids(outstanding.bills)
    assert world.water not in _ids(outstanding.bills)
    assert outstanding.totals["EUR"] == 12000 + 9430


def test_overdue_follows_the_injected_clock(services: Services, world: World, clock: FixedClock) -> None:
    clock.advance(days=4)
    outstanding = list_outstanding(services.uow(), world.customer_id, clock)
    assert [b.id for b in outstanding.bills if b.overdue] == [world.water, world.phone]


def test_outstanding_can_be_filtered_by_bill_type(services: Services, world: World) -> None:
    outstanding = list_outstanding(
        services.uow(), world.customer_id, services.clock, bill_type=BillType.ELECTRICITY
    )
    assert _ids(outstanding.bills) == [world.electricity]
    assert outstanding.totals == {"EUR": 9430}


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [("Aqua Pura", "water"), ("water company", "water"), ("goteborg energi", "internet"), ("LUMEN", "phone")],
)
def test_outstanding_can_be_filtered_by_biller_name_or_alias(
    services: Services, world: World, spoken: str, expected: str
) -> None:
    outstanding = list_outstanding(services.uow(), world.customer_id, services.clock, biller=spoken)
    assert _ids(outstanding.bills) == [getattr(world, expected)]


def test_outstanding_can_be_limited_to_overdue_bills(services: Services, world: World) -> None:
    outstanding = list_outstanding(services.uow(), world.customer_id, services.clock, overdue_only=True)
    assert _ids(outstanding.bills) == [world.water]
    assert outstanding.totals == {"EUR": 4560}


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, []), (3, ["phone"]), (10, ["phone", "electricity"])],
)
def test_outstanding_can_be_limited_to_bills_due_within_days(
    services: Services, world: World, days: int, expected: list[str]
) -> None:
    """Bills still to come: the overdue water bill was due already, it is not due within any number of days."""
    outstanding = list_outstanding(services.uow(), world.customer_id, services.clock, due_within_days=days)
    assert _ids(outstanding.bills) == [getattr(world, name) for name in expected]
    assert set(outstanding.totals) == ({"EUR"} if expected else set())


def test_a_customer_without_bills_has_nothing_outstanding(services: Services, world: World) -> None:
    ledger.record_payment(
        services.uow(), world.others_bill, 5000, "EUR", idempotency_key="k-other", clock=services.clock
    )
    outstanding = list_outstanding(services.uow(), world.other_customer_id, services.clock)
    assert (outstanding.bills, outstanding.totals) == ((), {})


def test_other_customers_bills_are_never_listed(services: Services, world: World) -> None:
    mine = list_outstanding(services.uow(), world.customer_id, services.clock)
    theirs = list_outstanding(services.uow(), world.other_customer_id, services.clock)
    assert world.others_bill not in _ids(mine.bills)
    assert _ids(theirs.bills) == [world.others_bill]


@pytest.mark.parametrize(
    "spoken",
    [
        "Northwind Energy",
        "northwind",
        "NORTHWIND ENERGY",
        "power company",
        "Energieversorger",
        "  Northwind!  ",
    ],
)
def test_find_bill_by_biller_name_or_alias_ignores_case_and_punctuation(
    services: Services, world: World, spoken: str
) -> None:
    assert find_bill(services.uow(), world.customer_id, services.clock, biller=spoken).id == world.electricity


@pytest.mark.parametrize(
    "spoken", ["Goteborg Energi", "GÖTEBORG ENERGI", "göteborgs elbolag", "Goteborgs Elbolag"]
)
def test_find_bill_by_biller_name_ignores_accents(services: Services, world: World, spoken: str) -> None:
    assert find_bill(services.uow(), world.customer_id, services.clock, biller=spoken).id == world.internet


def test_find_bill_by_bill_type(services: Services, world: World) -> None:
    assert (
        find_bill(services.uow(), world.customer_id, services.clock, bill_type=BillType.WATER).id
        == world.water
    )


@pytest.mark.parametrize("number", ["AQP-2026-Q3", "aqp-2026-q3", "AQP 2026 Q3"])
def test_find_bill_by_invoice_number(services: Services, world: World, number: str) -> None:
    assert find_bill(services.uow(), world.customer_id, services.clock, number=number).id == world.water


def test_find_bill_by_position_in_the_list_last_read(services: Services, world: World) -> None:
    last_read = [world.electricity, world.phone, world.water]
    found = find_bill(services.uow(), world.customer_id, services.clock, position=2, last_read=last_read)
    assert found.id == world.phone


def test_find_bill_by_position_defaults_to_the_outstanding_list_by_due_date(
    services: Services, world: World
) -> None:
    assert find_bill(services.uow(), world.customer_id, services.clock, position=1).id == world.water
    assert find_bill(services.uow(), world.customer_id, services.clock, position=4).id == world.internet


def test_position_still_means_the_bill_read_there_after_an_earlier_one_was_paid(
    services: Services, world: World
) -> None:
    last_read = [world.water, world.phone, world.electricity]
    ledger.record_payment(
        services.uow(), world.water, 4560, "EUR", idempotency_key="k-water", clock=services.clock
    )
    found = find_bill(services.uow(), world.customer_id, services.clock, position=2, last_read=last_read)
    assert found.id == world.phone
    with pytest.raises(NotFound):
        find_bill(services.uow(), world.customer_id, services.clock, position=1, last_read=last_read)


@pytest.mark.parametrize("position", [0, 5, -1])
def test_a_position_outside_the_list_finds_nothing(services: Services, world: World, position: int) -> None:
    with pytest.raises(NotFound):
        find_bill(services.uow(), world.customer_id, services.clock, position=position)


def test_several_matching_bills_are_ambiguous_and_listed_by_due_date(
    services: Services, world: World
) -> None:
    with services.uow() as uow:
        invoice = uow.invoices.get(world.electricity)
        assert invoice is not None
        biller_id, account_id = invoice.biller_id, invoice.account_id
    december = _new_bill(
        services, biller_id, account_id, "NWE-2026-12", due_date=services.clock.today() + timedelta(days=40)
    )
    with pytest.raises(AmbiguousBill) as ambiguous:
        find_bill(services.uow(), world.customer_id, services.clock, biller="Northwind")
    assert _ids(ambiguous.value.candidates) == [world.electricity, december]
    assert ambiguous.value.code == "ambiguous_bill"
    assert find_bill(services.uow(), world.customer_id, services.clock, number="NWE-2026-12").id == december


def test_settled_bills_are_found_only_when_asked_for(services: Services, world: World) -> None:
    with pytest.raises(NotFound):
        find_bill(services.uow(), world.customer_id, services.clock, number="NWE-2026-10")
    found = find_bill(
        services.uow(), world.customer_id, services.clock, number="NWE-2026-10", include_settled=True
    )
    assert (found.id, found.status) == (world.paid_electricity, InvoiceStatus.PAID)


def test_every_criterion_must_match(services: Services, world: World) -> None:
    with pytest.raises(NotFound):
        find_bill(
            services.uow(), world.customer_id, services.clock, biller="Aqua Pura", bill_type=BillType.PHONE
        )


@pytest.mark.parametrize(
    "query", [{"biller": "Acme Gas"}, {"number": "NOPE-1"}, {"bill_type": BillType.MORTGAGE}]
)
def test_nothing_matching_is_not_found(services: Services, world: World, query: dict[str, object]) -> None:
    with pytest.raises(NotFound):
        find_bill(services.uow(), world.customer_id, services.clock, **query)


def test_other_customers_bills_cannot_be_found(services: Services, world: World) -> None:
    uow, clock = services.uow, services.clock
    with pytest.raises(NotFound):
        find_bill(uow(), world.customer_id, clock, number="NWE-2026-11-B")
    with pytest.raises(NotFound):
        find_bill(uow(), world.customer_id, clock, position=1, last_read=[world.others_bill])
    assert _ids(find_bills(uow(), world.customer_id, clock, biller="Northwind", include_settled=True)) == [
        world.paid_electricity,
        world.electricity,
    ]


def test_bill_details_give_the_change_from_the_previous_bill(services: Services, world: World) -> None:
    details = bill_details(services.uow(), world.customer_id, world.electricity, services.clock)
    assert details.bill.id == world.electricity
    assert (details.previous_amount_minor, details.change_minor) == (7910, 9430 - 7910)
    assert details.previous_issue_date == services.clock.today() - timedelta(days=44)
    assert details.bill.line_items == ({"description": "Electricity, November", "amount_minor": 9430},)


def test_bill_details_of_a_first_bill_have_no_change(services: Services, world: World) -> None:
    details = bill_details(services.uow(), world.customer_id, world.water, services.clock)
    assert (details.previous_amount_minor, details.previous_issue_date, details.change_minor) == (
        None,
        None,
        None,
    )
    assert details.bill.overdue


def test_bill_details_of_another_customers_bill_are_not_found(services: Services, world: World) -> None:
    with pytest.raises(NotFound):
        bill_details(services.uow(), world.customer_id, world.others_bill, services.clock)
    with pytest.raises(NotFound):
        bill_details(services.uow(), world.customer_id, 999_999, services.clock)


def test_bill_timeline_lists_what_happened_in_order(services: Services, world: World) -> None:
    timeline = bill_timeline(services.uow(), world.paid_electricity)
    assert [(e.kind, e.channel) for e in timeline] == [("created", None), ("paid", Channel.API)]
    assert timeline[0].data == {"amount_minor": 7910}
    assert timeline[1].data["amount_minor"] == 7910


def test_bill_timeline_records_partial_payments_and_voids(
    services: Services, world: World, clock: FixedClock
) -> None:
    assert [e.kind for e in bill_timeline(services.uow(), world.phone)] == ["created", "partially_paid"]
    clock.advance(hours=1)
    ledger.void_bill(services.uow(), world.water, clock, reason="duplicate")
    timeline = bill_timeline(services.uow(), world.water)
    assert [e.kind for e in timeline] == ["created", "voided"]
    assert timeline[1].at == clock.now()
    assert timeline[1].data == {"reason": "duplicate"}


def test_timeline_of_an_unknown_bill_is_not_found(services: Services, world: World) -> None:
    with pytest.raises(NotFound):
        bill_timeline(services.uow(), 999_999)
