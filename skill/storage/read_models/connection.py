"""One DB-API connection per process and thread, opened on first use from DATABASE_URL, reopened when dropped."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from typing import Any


class ReadsUnavailable(RuntimeError):
    """The URL names a database this module cannot reach without SQLAlchemy (an in-memory SQLite)."""


def sqlite_path(url: str) -> str:
    """`sqlite:///relative.db` and `sqlite:////absolute.db` (SQLAlchemy's forms) to the file's path."""
    path = url.split("?", 1)[0].removeprefix("sqlite://").removeprefix("/")
    if not path or path == ":memory:":
        # Each connection to an in-memory database is a database of its own: nothing the ORM wrote is there.
        raise ReadsUnavailable("an in-memory SQLite database is private to the engine that opened it")
    return path


def libpq_conninfo(url: str) -> str:
    """`postgresql+psycopg://user@host/db?...` (SQLAlchemy's form) to the URI libpq takes."""
    scheme, rest = url.split("://", 1)
    if scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: scheme {scheme!r}")
    return "postgresql://" + rest


class ReadConnections:
    """The read model's connections: one per thread, reused across turns, in autocommit.

    Each statement is then its own short transaction: a voice turn's reads hold no lock between them, and an idle
    connection none at all (PostgreSQL's TRUNCATE and migrations never wait for one). sqlite3 connections are used
    by the thread that opened them only (check_same_thread stays on); a web worker's threads get one each. On Lambda
    a container keeps its connection between invocations; one the server or a NAT dropped while the container was
    frozen is opened again, and the statement retried once (reads only: retrying them is safe).
    """

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.is_sqlite = database_url.startswith("sqlite")
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    @property
    def placeholder(self) -> str:
        return "?" if self.is_sqlite else "%s"

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of one statement; `?` marks a parameter on both backends."""
        return self._run(sql, params, fetch=True)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One statement that writes, committed on its own (autocommit)."""
        self._run(sql, params, fetch=False)

    def _run(self, sql: str, params: Sequence[Any], *, fetch: bool) -> list[tuple[Any, ...]]:
        if not self.is_sqlite:
            sql = sql.replace("?", "%s")
        for attempt in (1, 2):
            connection = self._connection()
            try:
                cursor = connection.cursor()
                try:
                    cursor.execute(sql, params)
                    return list(cursor.fetchall()) if fetch else []
                finally:
                    cursor.close()
            except Exception as exc:
                if attempt == 2 or not self._dropped(connection, exc):
                    raise
                self._forget(connection)
        raise AssertionError("unreachable")

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._open()
            with self._lock:
                self._opened.append(connection)
        return connection

    def _open(self) -> Any:
        if self.is_sqlite:
            import sqlite3

            connection = sqlite3.connect(sqlite_path(self.url), timeout=30, isolation_level=None)
            connection.execute("PRAGMA busy_timeout=30000")
            return connection
        import psycopg

        return psycopg.connect(libpq_conninfo(self.url), autocommit=True)

    def _dropped(self, connection: Any, exc: Exception) -> bool:
        if self.is_sqlite:
            return False  # a file does not go away between turns; its errors are real
        import psycopg

        return isinstance(exc, psycopg.OperationalError) and bool(connection.closed or connection.broken)

    def _forget(self, connection: Any) -> None:
        self._local.connection = None
        with self._lock:
            if connection in self._opened:
                self._opened.remove(connection)
        with contextlib.suppress(Exception):  # closing a broken connection may fail; it is dropped either way
            connection.close()

    def close(self) -> None:
        """Close every thread's connection (Services.dispose, tests)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            with contextlib.suppress(
                Exception
            ):  # another thread's sqlite3 connection refuses: it dies with it
                connection.close()
        self._local = threading.local()
