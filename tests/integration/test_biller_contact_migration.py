"""Migration 0009 adds a biller's contact route and reminder plan, all NULL for existing billers, and goes back down
without losing the billers, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, column, insert, inspect, text
from sqlalchemy import table as sa_table

from skill.storage.db import make_engine
from skill.storage.migrate import alembic_config, current_revision, upgrade
from tests.support.store import empty_database

COLUMNS = {"contact_phone", "contact_email", "contact_url", "contact_hours", "reminder_plan"}
T = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def _biller_columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("billers")}


def _rows(engine: Engine, query: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query))]


def _biller_at_0008(engine: Engine) -> None:
    row = {
        "id": 1,
        "slug": "northwind",
        "name": "Northwind Energy",
        "spoken_name": "Northwind Energy",
        "aliases": "[]",
        "country": "NL",
        "default_currency": "EUR",
        "partial_allowed": False,
        "partial_min_minor": 0,
        "pin_threshold_minor": 10000,
        "logo_url": "/static/logos/nw.svg",
        "created_at": T,
    }
    with engine.begin() as conn:
        conn.execute(insert(sa_table("billers", *(column(name) for name in row))).values(**row))


def test_0009_adds_the_contact_route_and_plan_as_nulls_and_downgrades_keeping_the_billers(
    tmp_path: Path,
) -> None:
    with empty_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            upgrade(engine, "0008")
            assert not COLUMNS & _biller_columns(engine)
            _biller_at_0008(engine)

            upgrade(engine, "0009")
            assert current_revision(engine) == "0009"
            assert _biller_columns(engine) >= COLUMNS
            assert all(c["nullable"] for c in inspect(engine).get_columns("billers") if c["name"] in COLUMNS)
            query = "SELECT slug, logo_url, contact_phone, contact_hours, reminder_plan FROM billers"
            assert _rows(engine, query) == [("northwind", "/static/logos/nw.svg", None, None, None)]
            hours = [{"days": ["mon"], "opens": "08:00", "closes": "18:00"}]
            with engine.begin() as conn:
                conn.execute(
                    text("UPDATE billers SET contact_phone = :phone, contact_hours = :hours"),
                    {"phone": "+31201234567", "hours": json.dumps(hours)},
                )

            _downgrade(engine, "0008")
            assert current_revision(engine) == "0008"
            assert not COLUMNS & _biller_columns(engine)
            assert _rows(engine, "SELECT slug, name, logo_url FROM billers") == [
                ("northwind", "Northwind Energy", "/static/logos/nw.svg")
            ]

            upgrade(engine, "0009")
            assert _rows(engine, "SELECT contact_phone FROM billers") == [(None,)]
        finally:
            engine.dispose()
