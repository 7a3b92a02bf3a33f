"""Alembic migrations build the models' schema from nothing, on SQLite and PostgreSQL, and agree with the models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, Integer, MetaData, inspect

from skill.storage.db import make_engine
from skill.storage.migrate import alembic_config, current_revision, upgrade
from skill.storage.models import Base
from tests.support.store import empty_database

BILLPAY = Path(sys.executable).with_name("billpay")


def _head() -> str:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"migrations must form one linear chain, found heads {heads}"
    return heads[0]


def _differences(engine: Engine, metadata: MetaData) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "target_metadata": metadata})
        return list(compare_metadata(context, metadata))


def _schema(engine: Engine) -> dict[str, list[tuple[str, str, bool]]]:
    inspector = inspect(engine)
    return {
        table: [(c["name"], str(c["type"]), bool(c["nullable"])) for c in inspector.get_columns(table)]
        for table in sorted(inspector.get_table_names())
    }


def test_upgrade_builds_every_table_on_an_empty_database(tmp_path: Path) -> None:
    with empty_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            assert inspect(engine).get_table_names() == []
            assert current_revision(engine) is None
            upgrade(engine)
            assert set(inspect(engine).get_table_names()) == {*Base.metadata.tables, "alembic_version"}
            assert current_revision(engine) == _head()
        finally:
            engine.dispose()


def test_autogenerate_finds_no_difference_between_models_and_migrations(tmp_path: Path) -> None:
    with empty_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            assert _differences(engine, Base.metadata) == []
        finally:
            engine.dispose()


def test_autogenerate_comparison_notices_a_column_the_migrations_lack(tmp_path: Path) -> None:
    """Guards the test above: the comparison is live, not vacuously empty."""
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["invoices"].append_column(Column("late_fee_minor", Integer, nullable=True))
    with empty_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            differences = _differences(engine, changed)
        finally:
            engine.dispose()
    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "invoices", "late_fee_minor")]


def test_session_database_is_at_head_with_no_pending_difference(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == _head()
        assert _differences(engine, Base.metadata) == []
    finally:
        engine.dispose()


def _billpay_db_upgrade(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [str(BILLPAY), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_billpay_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    with empty_database(tmp_path) as url:
        first = _billpay_db_upgrade(url)
        assert first.returncode == 0, first.stderr
        engine = make_engine(url)
        try:
            schema = _schema(engine)
            second = _billpay_db_upgrade(url)
            assert second.returncode == 0, second.stderr
            assert second.stdout == first.stdout == f"database is at revision {_head()}\n"
            assert _schema(engine) == schema
            assert current_revision(engine) == _head()
        finally:
            engine.dispose()
