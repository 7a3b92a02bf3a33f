"""Set-based INSERT of many rows at once, returning what the caller asks for, on both backends.

PostgreSQL: COPY, in the session's transaction, with ids drawn from the table's sequence first when they are asked
for. A multi-row VALUES list carries one placeholder per value, and psycopg rewrites each in Python; for 5,000
invoices that took longer than the insert itself. SQLite: SQLAlchemy's insertmanyvalues (multi-row
`INSERT … VALUES … RETURNING`, SQLite 3.35 and later).

Each value goes through its column type's bind processing first, as in any INSERT: money columns take int minor
units only, timestamps must be aware and are stored in UTC, enums are stored by value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import ARRAY, JSON, Table, any_, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from .errors import duplicate_keys_raised


def insert_many(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], returning: Sequence[str] = ()
) -> list[tuple[Any, ...]]:
    """Insert `rows` (each naming the same columns); the `returning` columns of each, in no promised order.

    Raises DuplicateKey when a row breaks a unique constraint: the transaction then holds none of them.
    """
    if not rows:
        return []
    with duplicate_keys_raised():
        if session.get_bind().dialect.name == "postgresql":
            return _copy(session, table, rows, returning)
        statement = insert(table)
        if not returning:
            session.execute(statement, [dict(row) for row in rows])
            return []
        # Not sort_by_parameter_order: on SQLite, SQLAlchemy would then insert one row per statement.
        returned = statement.returning(*(table.c[name] for name in returning))
        return [tuple(row) for row in session.execute(returned, [dict(row) for row in rows]).all()]


def one_of(
    session: Session, column: QueryableAttribute[Any] | ColumnElement[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """`column IN (values)`: on PostgreSQL `column = ANY(array)`, one parameter for thousands of values."""
    listed = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, listed, type_=ARRAY(column.type)))
    return column.in_(listed)


def _copy(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    from psycopg import sql
    from psycopg.errors import IntegrityError as DriverIntegrityError

    names = list(rows[0])
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        ids = _draw_ids(cursor, table, len(rows)) if "id" in returning and "id" not in names else []
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name),
            sql.SQL(", ").join(map(sql.Identifier, [*names, "id"] if ids else names)),
        )
        text = statement.as_string(cursor)
        try:
            with cursor.copy(statement) as copy:
                for values in _copy_values(table, names, rows, ids, session.get_bind().dialect, text):
                    copy.write_row(values)
        except DriverIntegrityError as exc:
            raise IntegrityError(text, None, exc) from exc
    return [
        tuple(ids[index] if name == "id" and ids else row[name] for name in returning)
        for index, row in enumerate(rows)
    ]


def _draw_ids(cursor: Any, table: Table, count: int) -> list[int]:
    """The ids COPY will store, from the sequence the id column's default draws on: one per row, in order."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", (table.name, count)
    )
    return [new_id for (new_id,) in cursor.fetchall()]


def _copy_values(
    table: Table,
    names: list[str],
    rows: Sequence[Mapping[str, Any]],
    ids: list[int],
    dialect: Dialect,
    sql: str,
) -> Iterator[list[Any]]:
    """Each row's values as COPY writes them: through its column type's bind processing, JSON serialized."""
    processors = [
        (position, process) for position, process in enumerate(_processors(table, names, dialect)) if process
    ]
    for index, row in enumerate(rows):
        values = [row[name] for name in names]
        try:
            for position, process in processors:
                values[position] = process(values[position])
        except Exception as exc:
            # As SQLAlchemy reports a value its column type refuses (a float for money, a naive timestamp).
            raise StatementError(str(exc), sql, None, exc) from exc
        if ids:
            values.append(ids[index])
        yield values


def _processors(table: Table, names: list[str], dialect: Dialect) -> list[Callable[[Any], Any] | None]:
    """Per column, what its type does to a value before the driver sees it (None: nothing)."""
    return [
        json.dumps  # the JSON type's own serializer: None too, as JSON null
        if isinstance(table.c[name].type, JSON)
        else table.c[name].type.bind_processor(dialect)
        for name in names
    ]
