"""Set-based invoice batches on a real store (SQLite, or PostgreSQL's COPY path): the same rows, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.exc import StatementError

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.errors import InvalidInput, NotFound, UnknownCurrency
from skill.domain.model import BillType
from skill.services.billing import ledger
from skill.services.billing.bills import bill_timeline
from skill.storage import bulk
from skill.storage import models as m
from skill.storage.api_repositories import BillerInvoiceRepository
from tests.support.store import nothing_written
from tests.web.api.conftest import Api, invoice_body, row_counts, running_api


def _biller_and_accounts(services: Services) -> tuple[int, int, int]:
    """Aqua Pura's id, the demo customer's account there, and their account at another biller."""
    with services.uow() as uow:
        water, phone = uow.billers.by_slug("aqua-pura"), uow.billers.by_slug("lumen-mobile")
        customer = uow.customers.by_email("alex@example.com")
        assert water is not None and phone is not None and customer is not None
        own, foreign = (
            uow.customers.account(customer.id, water.id),
            uow.customers.account(customer.id, phone.id),
        )
        assert own is not None and foreign is not None
        return water.id, own.id, foreign.id


def _batch(biller_id: int, account_id: int, today: Any, count: int) -> list[ledger.NewInvoice]:
    return [
        ledger.NewInvoice(
            biller_id=biller_id,
            account_id=account_id,
            number=f" AQ-B-{n:04d} ",
            bill_type=BillType.WATER,
            issue_date=today,
            due_date=today + timedelta(days=30 + n % 7),
            amount_due_minor=1000 + n,
            currency="eur",
            description=f"Water {n}",
            line_items=({"description": "Water", "amount_minor": 1000 + n},),
        )
        for n in range(count)
    ]


def test_a_batch_stores_each_invoice_and_its_created_entry_and_returns_ids_in_batch_order(
    services: Services, demo: DemoSummary
) -> None:
    biller_id, account_id, _ = _biller_and_accounts(services)
    news = _batch(biller_id, account_id, services.clock.today(), 300)
    ids = ledger.create_invoices(services.uow(), biller_id, news, services.clock)
    now = services.clock.now()
    assert len(set(ids)) == 300
    with services.uow() as uow:
        for invoice_id, new in zip(ids, news, strict=True):
            row = uow.invoices.get(invoice_id)
            assert row is not None
            stored = (
                row.biller_id,
                row.account_id,
                row.number,
                row.currency,
                row.amount_due_minor,
                row.status,
            )
            assert stored == (biller_id, account_id, new.number.strip(), "EUR", new.amount_due_minor, "open")
            assert (row.amount_paid_minor, row.refund_due_minor, row.created_at, row.updated_at) == (
                0,
                0,
                now,
                now,
            )
            assert (row.bill_type, row.due_date, row.description) == ("water", new.due_date, new.description)
            assert row.line_items == [dict(new.line_items[0])]
    timeline = bill_timeline(services.uow(), ids[123])
    assert [(e.kind, e.at, e.channel, e.data) for e in timeline] == [
        ("created", now, None, {"amount_minor": 1123})
    ]


def test_ids_drawn_for_a_batch_leave_the_next_single_invoice_a_fresh_id(
    services: Services, demo: DemoSummary
) -> None:
    biller_id, account_id, _ = _biller_and_accounts(services)
    today = services.clock.today()
    ids = ledger.create_invoices(
        services.uow(), biller_id, _batch(biller_id, account_id, today, 20), services.clock
    )
    with services.uow() as uow:  # an ORM insert draws on the same id sequence as the batch did
        now = services.clock.now()
        row = m.Invoice(
            biller_id=biller_id, account_id=account_id, number="AQ-ORM", bill_type=BillType.WATER,
            issue_date=today, due_date=today, currency="EUR", amount_due_minor=500, created_at=now, updated_at=now,
        )  # fmt: skip
        uow.invoices.add(row)
        uow.commit()
    assert row.id not in ids and row.id > max(ids)


def test_a_batch_lists_every_error_of_every_item_and_writes_nothing(
    services: Services, demo: DemoSummary
) -> None:
    biller_id, account_id, foreign_account = _biller_and_accounts(services)
    news = _batch(biller_id, account_id, services.clock.today(), 40)
    # Item 3: the demo customer's account at another biller, and a number the biller already has.
    news[3] = ledger.NewInvoice(
        **{**_fields(news[3]), "account_id": foreign_account, "number": "AQP-2026-Q3"}
    )
    news[17] = ledger.NewInvoice(**{**_fields(news[17]), "currency": "EURO"})
    news[30] = ledger.NewInvoice(**{**_fields(news[30]), "number": news[29].number})
    with nothing_written(services.engine), pytest.raises(ledger.InvalidBatch) as refused:
        ledger.create_invoices(services.uow(), biller_id, news, services.clock)
    found = {index: [type(e) for e in errors] for index, errors in refused.value.errors.items()}
    assert found == {3: [NotFound, ledger.DuplicateInvoiceNumber], 17: [UnknownCurrency], 30: [InvalidInput]}


def _fields(new: ledger.NewInvoice) -> dict[str, Any]:
    return {name: getattr(new, name) for name in ledger.NewInvoice.__dataclass_fields__}


def test_a_number_taken_by_a_concurrent_request_refuses_the_whole_batch(
    services: Services, demo: DemoSummary, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check passed, then another transaction took a number: the insert's unique key refuses the batch."""
    biller_id, account_id, _ = _biller_and_accounts(services)
    news = _batch(biller_id, account_id, services.clock.today(), 50)
    news[49] = ledger.NewInvoice(**{**_fields(news[49]), "number": "AQP-2026-Q3"})
    monkeypatch.setattr(BillerInvoiceRepository, "existing_numbers", lambda self, biller_id, numbers: set())
    with nothing_written(services.engine), pytest.raises(ledger.DuplicateInvoiceNumber):
        ledger.create_invoices(services.uow(), biller_id, news, services.clock)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        pytest.param("amount_due_minor", 10.5, id="float-money"),
        pytest.param("created_at", datetime(2026, 3, 10, 9, 30), id="naive-timestamp"),
    ],
)
def test_bulk_insert_refuses_what_the_column_types_refuse(
    services: Services, demo: DemoSummary, column: str, value: object
) -> None:
    biller_id, account_id, _ = _biller_and_accounts(services)
    now, today = services.clock.now(), services.clock.today()
    row: dict[str, Any] = {
        "biller_id": biller_id, "account_id": account_id, "number": "AQ-T", "description": "",
        "bill_type": BillType.WATER, "issue_date": today, "due_date": today, "currency": "EUR",
        "amount_due_minor": 100, "amount_paid_minor": 0, "refund_due_minor": 0, "status": "open",
        "line_items": [], "created_at": now, "updated_at": now,
    }  # fmt: skip
    table: Table = m.Invoice.__table__  # type: ignore[assignment]
    with services.uow() as uow, pytest.raises(StatementError) as refused:
        bulk.insert_many(uow.session, table, [row, {**row, "number": "AQ-U", column: value}], ("id",))
    assert isinstance(refused.value.orig, TypeError)


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Api]:
    with running_api(database_url, tmp_path, clock) as built:
        yield built


def test_the_largest_batch_is_stored_whole_and_replays_by_idempotency_key(api: Api) -> None:
    accounts = [f"ACC-{n}" for n in range(25)]
    for number in accounts:
        api.customer(number)
    items = [invoice_body(f"BIG-{n:05d}", accounts[n % 25], amount_due_minor=100 + n) for n in range(5000)]
    created = api.call("POST", "/invoices/batch", {"invoices": items}, Idempotency_Key="march-run")
    assert created.status_code == 201, created.json
    results = created.json["results"]
    assert [(r["index"], r["number"]) for r in results] == [(n, f"BIG-{n:05d}") for n in range(5000)]
    for n in (0, 2345, 4999):
        invoice = api.call("GET", f"/invoices/{results[n]['id']}").json
        assert (invoice["number"], invoice["amount_due_minor"], invoice["account_number"]) == (
            f"BIG-{n:05d}",
            100 + n,
            accounts[n % 25],
        )
    with api.services.uow() as uow:
        entries = uow.session.scalar(select(func.count()).select_from(m.InvoiceEvent))
    assert entries == 5000
    before = row_counts(api.services)
    again = api.call("POST", "/invoices/batch", {"invoices": items}, Idempotency_Key="march-run")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == created.json
    assert row_counts(api.services) == before


def test_a_batch_naming_another_billers_customer_writes_nothing_and_points_at_that_item(api: Api) -> None:
    api.customer("ACC-1")
    api.customer("LUMEN-7", as_biller=api.other)  # exists, but at the other biller
    items = [invoice_body(f"X-{n}") for n in range(10)]
    items[6]["account_number"] = "LUMEN-7"
    before = row_counts(api.services)
    refused = api.call("POST", "/invoices/batch", {"invoices": items})
    assert refused.status_code == 422
    assert refused.json["errors"] == [
        {
            "pointer": "/invoices/6/account_number",
            "message": "no customer has this account number at this biller",
        }
    ]
    assert row_counts(api.services) == before
