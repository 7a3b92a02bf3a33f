"""GET /api/v1/invoices on a real store: every filter's pages, and on PostgreSQL the index each page is read from."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, inspect, text

from skill.domain.clock import FixedClock
from skill.storage import models as m
from skill.storage.db import make_engine
from tests.web.api.conftest import Api, invoice_body, running_api

ACCOUNTS = ("ACC-1", "ACC-2", "ACC-3")
START = date(2026, 1, 1)


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Api]:
    with running_api(database_url, tmp_path, clock) as built:
        yield built


def _post_batch(api: Api, count: int, *, as_other: bool = False, offset: int = 0) -> list[int]:
    """`count` invoices, due one day after another (ids follow due dates, as at a real biller)."""
    items = [
        invoice_body(
            f"L-{offset + n:05d}",
            ACCOUNTS[n % 3],
            issue_date=(START + timedelta(days=n)).isoformat(),
            due_date=(START + timedelta(days=n + 14)).isoformat(),
        )
        for n in range(count)
    ]
    created = api.call(
        "POST", "/invoices/batch", {"invoices": items}, as_biller=api.other if as_other else None
    )
    assert created.status_code == 201, created.json
    return [r["id"] for r in created.json["results"]]


def _listing(api: Api, query: str, limit: int) -> list[dict[str, Any]]:
    """Every page of a query, following the cursor."""
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = api.call("GET", f"/invoices?{query}&limit={limit}{cursor}")
        assert page.status_code == 200, page.json
        found += page.json["data"]
        if page.json["next_cursor"] is None:
            return found
        cursor = f"&cursor={page.json['next_cursor']}"


def test_every_filter_pages_through_exactly_its_invoices_once_in_id_order(api: Api) -> None:
    customers = {number: api.customer(number) for number in ACCOUNTS}
    for number in ACCOUNTS:
        api.customer(number, as_biller=api.other)
    ids = _post_batch(api, 60)
    _post_batch(api, 30, as_other=True)  # the other biller's invoices, due on the same days, never listed
    for invoice_id in ids[5:50:4]:
        assert api.call("POST", f"/invoices/{invoice_id}/void", {}).status_code == 200
    for n, invoice_id in enumerate(ids[6:60:6]):
        body = {"amount_minor": 1000 if n % 2 else 9430, "currency": "EUR", "method": "bank_transfer"}
        paid = api.call("POST", f"/invoices/{invoice_id}/payments", body, Idempotency_Key=f"pay-{invoice_id}")
        assert paid.status_code == 201, paid.json
    everything = _listing(api, "", 200)
    assert [i["id"] for i in everything] == ids
    due_from, due_to = (START + timedelta(days=20)).isoformat(), (START + timedelta(days=41)).isoformat()
    filters = {
        "status=open": lambda i: i["status"] == "open",
        "status=partially_paid": lambda i: i["status"] == "partially_paid",
        "status=void": lambda i: i["status"] == "void",
        f"customer_id={customers['ACC-2']}": lambda i: i["account_number"] == "ACC-2",
        f"customer_id={customers['ACC-3']}&status=open": lambda i: (
            i["account_number"] == "ACC-3" and i["status"] == "open"
        ),
        f"due_from={due_from}&due_to={due_to}": lambda i: due_from <= i["due_date"] <= due_to,
        f"due_from={due_from}": lambda i: i["due_date"] >= due_from,
        f"status=paid&due_to={due_to}": lambda i: i["status"] == "paid" and i["due_date"] <= due_to,
    }
    for query, matches in filters.items():
        expected = [i["id"] for i in everything if matches(i)]
        assert expected, query
        assert [i["id"] for i in _listing(api, query, 4)] == expected, query


@contextmanager
def _page_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "FROM invoices JOIN customer_accounts" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _invoice_scans(engine: Engine, statement: str, parameters: Any) -> list[dict[str, Any]]:
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            [plan] = cursor.fetchone()[0]
        raw.rollback()
    finally:
        raw.close()
    nodes, scans = [plan["Plan"]], []
    while nodes:
        node = nodes.pop()
        nodes += node.get("Plans", [])
        if node.get("Relation Name") == "invoices":
            scans.append(node)
    return scans


def _cursor_after(invoice_id: int) -> str:
    """The list's opaque cursor (skill/web/api/invoices.py), made here to start deep in the table."""
    return base64.urlsafe_b64encode(f"v1:{invoice_id}".encode()).decode().rstrip("=")


@pytest.mark.postgres
def test_on_postgresql_each_filter_reads_its_page_from_an_index_not_a_walk_of_the_table(api: Api) -> None:
    """Recent invoices are the open ones and ids follow due dates: the planner must not walk the primary key."""
    customer = [api.customer(number) for number in ACCOUNTS][1]
    ids = [i for batch in range(6) for i in _post_batch(api, 5000, offset=batch * 5000)]
    with api.services.engine.begin() as conn:  # the older 90% are paid, a few recent ones part-paid
        paid = "UPDATE invoices SET status = 'paid', amount_paid_minor = amount_due_minor WHERE id <= :last"
        conn.execute(text(paid), {"last": ids[27_000]})
        part = "UPDATE invoices SET status = 'partially_paid', amount_paid_minor = 1 WHERE id > :i AND id % 97 = 0"
        conn.execute(text(part), {"i": ids[29_000]})
    with api.services.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE invoices"))
    deep = _cursor_after(ids[15_000])
    due = f"due_from={(START + timedelta(days=9000)).isoformat()}&due_to={(START + timedelta(days=9060)).isoformat()}"
    pages = {  # the query, and the most index entries or rows of invoices a scan of its page may read
        "": 60,
        "status=open": 60,
        "status=partially_paid": 60,
        "status=paid": 60,
        f"cursor={deep}": 60,
        f"status=open&cursor={deep}": 60,
        f"customer_id={customer}&status=open": None,  # a third of all: the planner may take either index
        f"status=open&{due}": 100,  # one invoice a day: the days of the range, and their first entries
    }
    for query, most in pages.items():
        with _page_statements(api.services.engine) as seen:
            assert api.call("GET", f"/invoices?{query}").status_code == 200, query
        [(statement, parameters)] = seen
        for scan in _invoice_scans(api.services.engine, statement, parameters):
            assert scan["Node Type"] in ("Index Scan", "Index Only Scan"), (query, scan["Node Type"])
            read = (scan["Actual Rows"] + scan.get("Rows Removed by Filter", 0)) * scan[
                "Actual Loops"
            ]  # per loop
            assert most is None or read <= most, (query, scan.get("Index Name"), read)
        if "due_from" in query:  # the ids of the range, sorted, then their rows
            names = {s["Index Name"] for s in _invoice_scans(api.services.engine, statement, parameters)}
            assert names == {"ix_invoices_biller_due_id", "pk_invoices"}, names


@pytest.mark.postgres
def test_on_postgresql_the_migrated_indexes_include_what_the_models_include(database_url: str) -> None:
    """Alembic's comparison does not look at INCLUDE columns: this test does."""
    engine = make_engine(database_url)
    try:
        inspector = inspect(engine)
        for table in m.Base.metadata.sorted_tables:
            indexes = inspector.get_indexes(table.name)
            migrated = {
                i["name"]: i.get("dialect_options", {}).get("postgresql_include", []) for i in indexes
            }
            for index in table.indexes:
                assert migrated[index.name] == list(index.dialect_options["postgresql"]["include"] or ()), (
                    index.name
                )
    finally:
        engine.dispose()
