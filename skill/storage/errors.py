"""What storage tells its callers when a write is refused, so that services never handle SQLAlchemy's errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE for unique_violation (primary keys too)
_SQLITE_PREFIX = "UNIQUE constraint failed: "


class DuplicateKey(Exception):
    """A write broke a unique constraint or a primary key: another transaction wrote the same key first.

    `table` and `columns` name the key (`constraint` too on PostgreSQL, e.g. `uq_invoices_biller_id_number`);
    the values are never carried, so the error can be logged.
    """

    def __init__(self, table: str | None, columns: tuple[str, ...], constraint: str | None = None) -> None:
        super().__init__(f"duplicate key on {table}({', '.join(columns)})")
        self.table = table
        self.columns = columns
        self.constraint = constraint

    def on(self, table: str, *columns: str) -> bool:
        """Is this the unique constraint on `table(columns)` (named as models.NAMING names it)?"""
        if self.constraint is not None and self.constraint == f"uq_{table}_{'_'.join(columns)}":
            return True
        return self.table == table and self.columns == columns


def duplicate_key(exc: IntegrityError) -> DuplicateKey | None:
    """The DuplicateKey this IntegrityError means, on either backend, or None for any other integrity error."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == UNIQUE_VIOLATION:
        diag = getattr(orig, "diag", None)
        detail = getattr(diag, "message_detail", None) or ""
        found = re.match(r"Key \(([^)]*)\)=", detail)
        columns = tuple(c.strip() for c in found.group(1).split(",")) if found else ()
        return DuplicateKey(
            getattr(diag, "table_name", None), columns, getattr(diag, "constraint_name", None)
        )
    message = str(orig)
    if message.startswith(_SQLITE_PREFIX):
        qualified = [c.strip() for c in message.removeprefix(_SQLITE_PREFIX).split(",")]
        tables = {c.split(".", 1)[0] for c in qualified}
        columns = tuple(c.split(".", 1)[-1] for c in qualified)
        return DuplicateKey(tables.pop() if len(tables) == 1 else None, columns)
    return None


@contextmanager
def duplicate_keys_raised() -> Iterator[None]:
    """Turn a unique-constraint IntegrityError inside the block into DuplicateKey; other errors pass unchanged."""
    try:
        yield
    except IntegrityError as exc:
        found = duplicate_key(exc)
        if found is None:
            raise
        raise found from exc
