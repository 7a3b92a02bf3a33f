"""Migration 0006 moves contact details to biller records without spreading a mobile another biller may have added.

Rows are written as they stood at revision 0005 (the old shared-customer model), then upgraded, on SQLite and on
PostgreSQL (ADR 0003, section "Migration").
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, column, insert, text
from sqlalchemy import table as sa_table

from skill.storage.db import make_engine
from skill.storage.migrate import alembic_config, upgrade
from tests.support.store import empty_database

T = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def _insert(engine: Engine, table: str, **row: Any) -> None:
    """A row as the 0005 schema holds it (the models describe 0006, so plain table clauses, not the ORM)."""
    with engine.begin() as conn:
        conn.execute(insert(sa_table(table, *(column(name) for name in row))).values(**row))


def _person(engine: Engine, id: int, email: str | None, mobile: str | None) -> None:
    _insert(
        engine,
        "customers",
        id=id,
        name=f"Person {id}",
        email=email,
        mobile=mobile,
        locale="nl-NL",
        voice_pin_failures=0,
        always_ask_pin=False,
        require_recognized_speaker=False,
        created_at=T,
    )


def _biller(engine: Engine, id: int) -> None:
    _insert(
        engine,
        "billers",
        id=id,
        slug=f"biller-{id}",
        name=f"Biller {id}",
        spoken_name=f"Biller {id}",
        aliases="[]",
        country="NL",
        default_currency="EUR",
        partial_allowed=False,
        partial_min_minor=0,
        pin_threshold_minor=10000,
        created_at=T,
    )


def _rows(engine: Engine, query: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query))]


def test_contact_details_move_to_records_and_a_shared_persons_mobile_goes_nowhere(tmp_path: Path) -> None:
    with empty_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            _downgrade(engine, "0005")
            _biller(engine, 1)
            _biller(engine, 2)
            _person(engine, 1, "solo@example.com", "+31611111111")  # one biller: the mobile is theirs
            _person(engine, 2, "shared@example.com", "+31622222222")  # two billers: who added it is unknown
            _person(
                engine, 3, "proven@example.com", "+31633333333"
            )  # two billers, but the SMS code was entered
            _person(engine, 4, None, "+31644444444")  # no email, one biller
            for id, person, biller in [(1, 1, 1), (2, 2, 1), (3, 2, 2), (4, 3, 1), (5, 3, 2), (6, 4, 2)]:
                _insert(
                    engine,
                    "customer_accounts",
                    id=id,
                    customer_id=person,
                    biller_id=biller,
                    account_number=f"N{id}",
                )
            # A bill on a record: SQLite rebuilds customer_accounts, which invoices reference.
            _insert(
                engine,
                "invoices",
                id=1,
                biller_id=1,
                account_id=2,
                number="INV-1",
                description="",
                bill_type="electricity",
                issue_date=T.date(),
                due_date=T.date(),
                currency="EUR",
                amount_due_minor=1000,
                amount_paid_minor=0,
                refund_due_minor=0,
                status="open",
                line_items="[]",
                created_at=T,
                updated_at=T,
            )
            _insert(
                engine,
                "login_challenges",
                id=1,
                token_hash="t" * 64,
                code_hash="c" * 64,
                customer_id=3,
                subject_hash="s" * 64,
                channel="sms",
                failures=0,
                expires_at=T,
                used_at=T,
                created_at=T,
            )
            upgrade(engine)
            people = _rows(engine, "SELECT id, email, mobile FROM customers ORDER BY id")
            bills = _rows(engine, "SELECT id, account_id FROM invoices")
            records = _rows(
                engine,
                "SELECT id, customer_id, name, email, mobile, locale, claimed_at IS NOT NULL"
                " FROM customer_accounts ORDER BY id",
            )
        finally:
            engine.dispose()
    assert bills == [(1, 2)]
    assert people == [
        (1, "solo@example.com", "+31611111111"),
        (2, "shared@example.com", None),
        (3, "proven@example.com", "+31633333333"),
        (4, None, "+31644444444"),
    ]
    assert records == [
        (1, 1, "Person 1", "solo@example.com", "+31611111111", "nl-NL", True),
        (2, 2, "Person 2", "shared@example.com", None, "nl-NL", True),
        (3, 2, "Person 2", "shared@example.com", None, "nl-NL", True),
        (4, 3, "Person 3", "proven@example.com", None, "nl-NL", True),
        (5, 3, "Person 3", "proven@example.com", None, "nl-NL", True),
        (6, 4, "Person 4", None, "+31644444444", "nl-NL", True),
    ]
