"""What differs between the two databases we run on (SQLite, PostgreSQL), for repositories that need it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (both SQLite and PostgreSQL support it)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
