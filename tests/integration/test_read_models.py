"""The voice read model (plain SQL, storage/read_models) answers as the ORM services do, on SQLite and PostgreSQL.

Every query of the read model runs here, on the backend the suite runs on (TEST_DATABASE_URL for PostgreSQL),
against the same data read through the unit of work: the demo world plus the cases a join gets wrong (another
customer's records at the same billers, an unclaimed record, paid, void and disputed bills, several currencies,
a biller without open bills, a customer without accounts, tokens expired, revoked or of another kind).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.model import BillType, InvoiceStatus
from skill.domain.tokens import hash_token
from skill.services.billing import bills, ledger
from skill.services.identity import directory, link_tokens
from skill.storage import models as m
from skill.storage.read_models.connection import ReadConnections


@pytest.fixture
def reads(services: Services) -> ReadConnections:
    assert services.store.reads is not None
    return services.store.reads


def _invoice(
    services: Services, account: int, biller: int, number: str, due_in: int, minor: int, cur: str
) -> int:
    due = services.clock.today() + timedelta(days=due_in)
    new = ledger.NewInvoice(
        biller, account, number, BillType.OTHER, due - timedelta(days=14), due, minor, cur, number
    )
    return ledger.create_invoice(services.uow(), new, services.clock)


def _set_status(services: Services, invoice_id: int, status: InvoiceStatus, paid: int = 0) -> None:
    with services.uow() as uow:
        invoice = uow.invoices.get(invoice_id)
        assert invoice is not None
        invoice.status, invoice.amount_paid_minor = status, paid
        uow.commit()


@pytest.fixture
def world(services: Services, demo: DemoSummary) -> dict[str, int]:
    """The demo world and the edge cases; returns the customers' ids by role."""
    with services.uow() as uow:
        ids = {b.slug: b.id for b in uow.session.query(m.Biller).all()}
    northwind, aqua, lumen = ids["northwind-energy"], ids["aqua-pura"], ids["lumen-mobile"]
    other = directory.upsert_customer(
        services.uow(),
        directory.CustomerData(
            name="Other Person", email="other@example.com", accounts={northwind: "O-1", aqua: "O-2"}
        ),
        services.clock,
    )
    for n, (biller, cur) in enumerate([(northwind, "EUR"), (aqua, "EUR")]):  # another customer's open bills
        _invoice(
            services, directory.account_id(services.uow(), other, biller), biller, f"OTHER-{n}", 5, 4200, cur
        )
    with (
        services.uow() as uow
    ):  # an unclaimed record of the demo customer's, at Lumen, with a bill in dollars
        account = m.CustomerAccount(
            customer_id=demo.customer_id, biller_id=lumen, account_number="U-9", name="Alex", claimed_at=None
        )
        uow.session.add(account)
        uow.commit()
        unclaimed = account.id
    _invoice(services, unclaimed, lumen, "UNCLAIMED-USD", -3, 1999, "USD")  # overdue, in USD
    nwe = directory.account_id(services.uow(), demo.customer_id, northwind)
    _invoice(services, nwe, northwind, "GBP-1", 3, 5000, "GBP")
    _set_status(
        services,
        _invoice(services, nwe, northwind, "PART-1", 9, 8000, "EUR"),
        InvoiceStatus.PARTIALLY_PAID,
        3000,
    )
    for number, status in [
        ("PAID-1", InvoiceStatus.PAID),
        ("VOID-1", InvoiceStatus.VOID),
        ("DISP-1", InvoiceStatus.DISPUTED),
    ]:
        _set_status(services, _invoice(services, nwe, northwind, number, 1, 7000, "EUR"), status)
    lonely = directory.upsert_customer(
        services.uow(), directory.CustomerData(name="No Accounts", email="none@example.com"), services.clock
    )
    return {"demo": demo.customer_id, "other": other, "lonely": lonely, "missing": 10**6}


FILTERS = [
    {},
    {"bill_type": BillType.WATER},
    {"bill_type": BillType.OTHER},
    {"biller": "northwind"},
    {"biller": "the power company"},
    {"biller": "aqua-pura"},
    {"biller": "nobody"},
    {"overdue_only": True},
    {"due_within_days": 7},
]


@pytest.mark.parametrize(
    "filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "all"
)
def test_open_bills_read_equal_the_orm_services_for_every_customer_and_filter(
    services: Services, reads: ReadConnections, world: dict[str, int], filters: dict[str, object]
) -> None:
    for customer_id in world.values():
        orm = bills.list_outstanding(services.uow(), customer_id, services.clock, **filters)  # type: ignore[arg-type]
        read = bills.list_outstanding_read(reads, customer_id, services.clock, **filters)
        assert read == orm


def test_the_launch_overview_equals_the_orm_services_and_isolates_customers(
    services: Services, reads: ReadConnections, world: dict[str, int]
) -> None:
    for customer_id in world.values():
        assert bills.overview_read(reads, customer_id, services.clock) == bills.overview(
            services.uow, customer_id, services.clock
        )
    demo = bills.overview_read(reads, world["demo"], services.clock)
    assert {b.number for b in demo.outstanding.bills} >= {"UNCLAIMED-USD", "GBP-1", "PART-1"}
    assert not {b.number for b in demo.outstanding.bills} & {
        "OTHER-0",
        "OTHER-1",
        "PAID-1",
        "VOID-1",
        "DISP-1",
    }
    assert set(demo.outstanding.totals) == {"EUR", "GBP", "USD"}
    other = bills.overview_read(reads, world["other"], services.clock)
    assert {b.number for b in other.outstanding.bills} == {"OTHER-0", "OTHER-1"}


def _token(services: Services, customer_email: str, **row: object) -> str:
    token = link_tokens.issue_token(services.uow(), customer_email, services.clock, ttl=timedelta(days=1))
    if row:
        with services.uow() as uow:
            stored = uow.linked_tokens.by_hash(hash_token(token))
            assert stored is not None
            for key, value in row.items():
                setattr(stored, key, value)
            uow.commit()
    return token


def _last_used(services: Services, token: str) -> datetime | None:
    with services.uow() as uow:
        stored = uow.linked_tokens.by_hash(hash_token(token))
        return stored.last_used_at if stored else None


def test_access_tokens_resolve_as_the_orm_service_resolves_them_and_record_their_use_as_often(
    services: Services, reads: ReadConnections, demo: DemoSummary, world: dict[str, int]
) -> None:
    now = services.clock.now()
    cases = {
        "fresh": {},
        "used a minute ago": {"last_used_at": now - timedelta(minutes=1)},
        "used an hour ago": {"last_used_at": now - timedelta(hours=1)},
        "expired": {"expires_at": now - timedelta(seconds=1)},
        "revoked": {"revoked_at": now - timedelta(hours=1)},
        "a refresh token": {"kind": "refresh"},
    }
    for case, row in cases.items():
        by_orm, by_reads = _token(services, demo.email, **row), _token(services, demo.email, **row)
        orm = link_tokens.resolve_access_token(services.uow(), by_orm, services.clock)
        read = link_tokens.resolve_access_token_read(reads, by_reads, services.clock)
        assert read == orm, case
        assert _last_used(services, by_reads) == _last_used(services, by_orm), case
    for token in (None, "", "not-a-token", "x" * 600):
        assert link_tokens.resolve_access_token_read(reads, token, services.clock) is None


def test_a_token_s_use_is_recorded_once_however_many_turns_resolve_it(
    services: Services, reads: ReadConnections, demo: DemoSummary
) -> None:
    token = _token(services, demo.email)
    link_tokens.resolve_access_token_read(reads, token, services.clock)
    first = _last_used(services, token)
    later = FixedClock(services.clock.now() + timedelta(minutes=1))
    link_tokens.resolve_access_token_read(reads, token, later)
    assert first == services.clock.now().astimezone(UTC) and _last_used(services, token) == first
