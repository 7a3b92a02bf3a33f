"""Repositories for the biller API: keys, rate windows, idempotency keys, webhook endpoints, biller-scoped reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Date, Select, Table, delete, func, literal_column, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..domain.model import InvoiceStatus
from . import models as m
from .bulk import insert_many, one_of
from .dialect import insert_for


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: m.ApiKey) -> None:
        self.session.add(row)

    def by_key_id(self, key_id: str) -> m.ApiKey | None:
        return self.session.scalar(select(m.ApiKey).where(m.ApiKey.key_id == key_id))


class RateWindowRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def hit(self, api_key_id: int, window_start: datetime) -> int:
        """Count one request in the window atomically (INSERT ... ON CONFLICT DO UPDATE) and return the count."""
        table = m.ApiRateWindow.__table__
        statement = (
            insert_for(self.session)(table)
            .values(api_key_id=api_key_id, window_start=window_start, count=1)
            .on_conflict_do_update(
                index_elements=[table.c.api_key_id, table.c.window_start],
                set_={"count": table.c.count + 1},
            )
            .returning(table.c.count)
        )
        count: int = self.session.execute(statement).scalar_one()
        return count

    def forget_before(self, api_key_id: int, window_start: datetime) -> None:
        self.session.execute(
            delete(m.ApiRateWindow).where(
                m.ApiRateWindow.api_key_id == api_key_id, m.ApiRateWindow.window_start < window_start
            )
        )


class IdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, biller_id: int, key: str, request_hash: str, now: datetime) -> bool:
        """Insert the key unless it exists (ON CONFLICT DO NOTHING); True if this request now holds it."""
        table = m.ApiIdempotencyKey.__table__
        values = {"biller_id": biller_id, "key": key, "request_hash": request_hash, "created_at": now}
        statement = (
            insert_for(self.session)(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[table.c.biller_id, table.c.key])
            .returning(table.c.id)
        )
        return self.session.execute(statement).first() is not None

    def get(self, biller_id: int, key: str) -> m.ApiIdempotencyKey | None:
        return self.session.scalar(
            select(m.ApiIdempotencyKey).where(
                m.ApiIdempotencyKey.biller_id == biller_id, m.ApiIdempotencyKey.key == key
            )
        )

    def forget(self, biller_id: int, key: str, *, created_before: datetime | None = None) -> None:
        statement = delete(m.ApiIdempotencyKey).where(
            m.ApiIdempotencyKey.biller_id == biller_id, m.ApiIdempotencyKey.key == key
        )
        if created_before is not None:
            statement = statement.where(m.ApiIdempotencyKey.created_at < created_before)
        self.session.execute(statement)


class WebhookEndpointRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: m.WebhookEndpoint) -> None:
        self.session.add(row)

    def get(self, endpoint_id: int) -> m.WebhookEndpoint | None:
        return self.session.get(m.WebhookEndpoint, endpoint_id)

    def active_for_biller(self, biller_id: int) -> Sequence[m.WebhookEndpoint]:
        return self.session.scalars(
            select(m.WebhookEndpoint)
            .where(m.WebhookEndpoint.biller_id == biller_id, m.WebhookEndpoint.disabled_at.is_(None))
            .order_by(m.WebhookEndpoint.id)
        ).all()


@dataclass(frozen=True)
class InvoiceFilter:
    status: InvoiceStatus | None = None
    customer_id: int | None = None
    due_from: date | None = None
    due_to: date | None = None


def _matching(where: InvoiceFilter) -> list[ColumnElement[bool]]:
    conditions = []
    if where.status is not None:
        conditions.append(m.Invoice.status == where.status)
    if where.customer_id is not None:
        conditions.append(m.Invoice.account_id == where.customer_id)  # this biller's record id
    if where.due_from is not None:
        conditions.append(m.Invoice.due_date >= where.due_from)
    if where.due_to is not None:
        conditions.append(m.Invoice.due_date <= where.due_to)
    return conditions


def _ids_day_by_day(
    biller_id: int, where: InvoiceFilter, conditions: list[ColumnElement[bool]], limit: int
) -> Select[Any]:
    """PostgreSQL, with due dates: each day's first ids (one probe of (biller_id, due_date, id) a day), then the
    smallest of those. A page reads at most days x page entries, however many invoices fall due a day: for 30
    days at a million invoices, about 900 entries instead of the 85,000 the whole range holds.
    """
    first, last = (
        select(f(m.Invoice.due_date)).where(m.Invoice.biller_id == biller_id).scalar_subquery()
        for f in (func.min, func.max)
    )
    # Clamped to the biller's own due dates: never a series of days no invoice falls due on.
    start = first if where.due_from is None else func.greatest(where.due_from, first)
    end = last if where.due_to is None else func.least(where.due_to, last)
    days = (
        func.generate_series(start, end, literal_column("interval '1 day'"))
        .table_valued("day")
        .render_derived(name="days")
    )
    on_day = (
        select(m.Invoice.id)
        .where(*conditions, m.Invoice.due_date == days.c.day.cast(Date))
        .order_by(m.Invoice.id)
        .limit(limit)
        .lateral("on_day")
    )
    return select(on_day.c.id).select_from(days).join(on_day, true()).order_by(on_day.c.id).limit(limit)


class BillerInvoiceRepository:
    """One biller's invoices: every query is scoped by biller id, so other billers' rows never match."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, biller_id: int, invoice_id: int) -> m.Invoice | None:
        invoice = self.session.get(m.Invoice, invoice_id)
        return invoice if invoice is not None and invoice.biller_id == biller_id else None

    def page(
        self, biller_id: int, where: InvoiceFilter, *, after_id: int, limit: int
    ) -> Sequence[tuple[m.Invoice, m.CustomerAccount]]:
        """One page in id order (stable under inserts: new invoices only ever come after the cursor).

        The page's ids are chosen first, from an index alone (models.Invoice: (biller_id, id), (biller_id, status,
        id), (biller_id, due_date, id) incl. status, or the account's), and then only their rows are read. Asked
        for whole rows, PostgreSQL's planner walks the primary key and filters, taking status and due dates to be
        independent of the id order, when recent invoices are the open ones: at a million invoices that walk
        passed 800,000 rows to find a page of open ones.
        """
        conditions = [m.Invoice.biller_id == biller_id, m.Invoice.id > after_id, *_matching(where)]
        if where.due_from is None and where.due_to is None:
            ids = select(m.Invoice.id).where(*conditions).order_by(m.Invoice.id).limit(limit)
        elif self.session.get_bind().dialect.name == "postgresql":
            ids = _ids_day_by_day(biller_id, where, conditions, limit)
        else:
            # Sorted, not walked (`id + 0` is no index's order): ids mostly follow due dates, so a walk of the
            # id order would pass every invoice due earlier first.
            ids = select(m.Invoice.id).where(*conditions).order_by(m.Invoice.id + 0).limit(limit)
        query = (
            select(m.Invoice, m.CustomerAccount)
            .join(m.CustomerAccount, m.Invoice.account_id == m.CustomerAccount.id)
            .where(m.Invoice.id.in_(ids))
            .order_by(m.Invoice.id)
        )
        return [(row[0], row[1]) for row in self.session.execute(query).all()]

    def account_ids_by_number(self, biller_id: int, numbers: Iterable[str]) -> dict[str, int]:
        """This biller's record ids by account number (a number only another biller holds is not found)."""
        rows = self.session.execute(
            select(m.CustomerAccount.account_number, m.CustomerAccount.id).where(
                m.CustomerAccount.biller_id == biller_id,
                one_of(self.session, m.CustomerAccount.account_number, set(numbers)),
            )
        ).all()
        return {number: account_id for number, account_id in rows}

    def owned_account_ids(self, biller_id: int, account_ids: Iterable[int]) -> set[int]:
        return set(
            self.session.scalars(
                select(m.CustomerAccount.id).where(
                    m.CustomerAccount.biller_id == biller_id,
                    one_of(self.session, m.CustomerAccount.id, set(account_ids)),
                )
            ).all()
        )

    def existing_numbers(self, biller_id: int, numbers: Iterable[str]) -> set[str]:
        return set(
            self.session.scalars(
                select(m.Invoice.number).where(
                    m.Invoice.biller_id == biller_id, one_of(self.session, m.Invoice.number, set(numbers))
                )
            ).all()
        )

    def insert_invoices(self, biller_id: int, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert a batch of this biller's invoices at once (storage/bulk.py); their new ids, in row order.

        Raises DuplicateKey when another transaction took one of the numbers: then none is written.
        """
        if any(row["biller_id"] != biller_id for row in rows):
            raise ValueError("a batch holds invoices of the calling biller only")
        table = cast(Table, m.Invoice.__table__)
        # Matched by number, unique per biller: the rows of an INSERT ... RETURNING come back in no set order.
        by_number = {
            number: new_id for new_id, number in insert_many(self.session, table, rows, ("id", "number"))
        }
        return [by_number[row["number"]] for row in rows]

    def insert_events(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Timeline entries of a batch's invoices, in one statement."""
        insert_many(self.session, cast(Table, m.InvoiceEvent.__table__), rows)

    def link(self, biller_id: int, link_id: int) -> m.PaymentLink | None:
        link = self.session.get(m.PaymentLink, link_id)
        return link if link is not None and link.invoice.biller_id == biller_id else None

    def attempts(self, invoice_id: int) -> Sequence[m.PaymentAttempt]:
        return self.session.scalars(
            select(m.PaymentAttempt)
            .where(m.PaymentAttempt.invoice_id == invoice_id)
            .order_by(m.PaymentAttempt.id)
        ).all()

    def attempt(self, biller_id: int, attempt_id: int) -> m.PaymentAttempt | None:
        attempt = self.session.get(m.PaymentAttempt, attempt_id)
        return attempt if attempt is not None and attempt.invoice.biller_id == biller_id else None
