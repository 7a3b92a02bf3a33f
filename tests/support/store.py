"""Helpers for store tests: whole-database snapshots, fresh empty databases, and rows the services expect."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select, text

from skill.domain.clock import Clock
from skill.domain.model import Channel, PaymentStatus
from skill.storage import models as m
from skill.storage.uow import UnitOfWork

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgresql")


def database_snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: equal snapshots mean nothing was written."""
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in m.Base.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            snapshot[table.name] = [tuple(row) for row in conn.execute(query)]
    return snapshot


@contextmanager
def nothing_written(engine: Engine) -> Iterator[None]:
    """Assert that the block leaves every table exactly as it was (use around a refused call)."""
    before = database_snapshot(engine)
    yield
    assert database_snapshot(engine) == before, "the refused call wrote to the database"


@contextmanager
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all: a new SQLite file, or a new PostgreSQL database dropped afterwards."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / f'empty-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    name = f"billpay_empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin.url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def invoice_id(uow: UnitOfWork, number: str) -> int:
    with uow:
        found = uow.session.scalar(select(m.Invoice.id).where(m.Invoice.number == number))
    assert found is not None, f"no invoice {number}"
    return found


def add_pending_attempt(
    uow: UnitOfWork,
    invoice_id: int,
    amount_minor: int,
    clock: Clock,
    *,
    key: str,
    currency: str = "EUR",
    channel: Channel = Channel.ALEXA,
) -> int:
    """A payment attempt as the payment service writes it before calling the provider."""
    with uow:
        now = clock.now()
        attempt = m.PaymentAttempt(
            invoice_id=invoice_id,
            amount_minor=amount_minor,
            currency=currency,
            channel=channel,
            method="card",
            status=PaymentStatus.PROCESSING,
            idempotency_key=key,
            provider_reference=f"pi_{key}",
            created_at=now,
            updated_at=now,
        )
        uow.attempts.add(attempt)
        uow.commit()
        return attempt.id


def timeline_kinds(uow: UnitOfWork, invoice_id: int) -> list[str]:
    with uow:
        return [event.kind for event in uow.events.for_invoice(invoice_id)]
