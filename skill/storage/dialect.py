"""What differs between the two databases we run on (SQLite, PostgreSQL), for repositories that need it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def insert_for(session: Session) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (both SQLite and PostgreSQL support it).

    Imported on use: the engine has loaded its own dialect already, and the other one is dozens of modules the
    Alexa cold start would otherwise pay for.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
