"""Money columns take integer minor units only: a float, Decimal or bool is refused on flush and nothing is written."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Column, Table, insert, inspect, select, update
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Mapper

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.model import Channel
from skill.services.links.payment_links import send_payment_link
from skill.storage.models import Base
from skill.storage.types import MinorUnits
from tests.support.store import database_snapshot, invoice_id

MONEY_COLUMNS = [
    column
    for table in Base.metadata.sorted_tables
    for column in table.columns
    if isinstance(column.type, MinorUnits)
]
BAD_AMOUNTS = [pytest.param(v, id=f"{type(v).__name__}-{v}") for v in (12.5, 2.0, Decimal("3"), True)]
REFUSAL = "money columns take int minor units"


def _name(column: Column[object]) -> str:
    return f"{column.table.name}.{column.name}"


def _mapper(table: Table) -> Mapper[object]:
    return next(mp for mp in Base.registry.mappers if mp.local_table is table)


@pytest.fixture
def every_money_table(services: Services, demo: DemoSummary) -> Services:
    """The demo world plus a payment link, so every table holding money has at least one row."""
    send_payment_link(
        services.uow(),
        services.clock,
        base_url="https://pay.example.test",
        ttl=timedelta(hours=72),
        customer_id=demo.customer_id,
        invoice_id=invoice_id(services.uow(), "NWE-2026-11"),
        requested_via=Channel.ALEXA,
    )
    return services


def test_money_columns_are_found_in_every_table_that_holds_money() -> None:
    assert {_name(c) for c in MONEY_COLUMNS} >= {
        "billers.partial_min_minor",
        "billers.pin_threshold_minor",
        "invoices.amount_due_minor",
        "invoices.amount_paid_minor",
        "invoices.refund_due_minor",
        "payment_attempts.amount_minor",
        "payment_attempts.refunded_minor",
        "payment_links.amount_minor",
    }


def test_every_column_named_minor_is_a_money_column() -> None:
    named = [c for t in Base.metadata.sorted_tables for c in t.columns if c.name.endswith("_minor")]
    assert named
    assert [_name(c) for c in named if not isinstance(c.type, MinorUnits)] == []


@pytest.mark.parametrize("column", MONEY_COLUMNS, ids=_name)
def test_money_columns_store_integers_only(column: Column[object]) -> None:
    assert isinstance(column.type, MinorUnits)
    assert column.type.process_bind_param(1234, None) == 1234  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", BAD_AMOUNTS)
@pytest.mark.parametrize("column", MONEY_COLUMNS, ids=_name)
def test_updating_a_money_column_with_a_non_integer_is_refused_and_writes_nothing(
    every_money_table: Services, column: Column[object], bad: object
) -> None:
    services = every_money_table
    mapper = _mapper(column.table)
    before = database_snapshot(services.engine)
    with services.uow() as uow:
        row = uow.session.scalars(select(mapper).limit(1)).first()
        assert row is not None, f"give {column.table.name} a row in the every_money_table fixture"
        setattr(row, mapper.get_property_by_column(column).key, bad)
        with pytest.raises(StatementError, match=REFUSAL) as refused:
            uow.flush()
        assert isinstance(refused.value.orig, TypeError)
    assert database_snapshot(services.engine) == before


@pytest.mark.parametrize("bad", BAD_AMOUNTS)
@pytest.mark.parametrize("column", MONEY_COLUMNS, ids=_name)
def test_inserting_a_non_integer_into_a_money_column_is_refused_and_writes_nothing(
    every_money_table: Services, column: Column[object], bad: object
) -> None:
    services = every_money_table
    mapper = _mapper(column.table)
    before = database_snapshot(services.engine)
    with services.uow() as uow:
        template = uow.session.scalars(select(mapper).limit(1)).first()
        assert template is not None, f"give {column.table.name} a row in the every_money_table fixture"
        values = {
            attr.key: getattr(template, attr.key)
            for attr in mapper.column_attrs
            if not any(c.primary_key for c in attr.columns)
        }
        values[mapper.get_property_by_column(column).key] = bad
        uow.session.add(mapper.class_(**values))
        with pytest.raises(StatementError, match=REFUSAL) as refused:
            uow.flush()
        assert isinstance(refused.value.orig, TypeError)
    assert database_snapshot(services.engine) == before


@pytest.mark.parametrize("column", MONEY_COLUMNS, ids=_name)
def test_bulk_core_statements_refuse_a_float_before_touching_any_row(
    every_money_table: Services, column: Column[object]
) -> None:
    services = every_money_table
    before = database_snapshot(services.engine)
    with services.uow() as uow:
        with pytest.raises(StatementError, match=REFUSAL):
            uow.session.execute(update(column.table).values({column.name: 99.99}))
        uow.rollback()
        with pytest.raises(StatementError, match=REFUSAL):
            uow.session.execute(insert(column.table).values({column.name: 0.5}))
    assert database_snapshot(services.engine) == before


def test_money_columns_are_bigint_in_the_migrated_schema(services: Services) -> None:
    inspector = inspect(services.engine)
    for column in MONEY_COLUMNS:
        reflected = {c["name"]: c["type"] for c in inspector.get_columns(column.table.name)}
        assert reflected[column.name].python_type is int, _name(column)
