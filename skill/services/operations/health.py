"""Health: is the store reachable and migrated."""

from __future__ import annotations

from ...storage.uow import UnitOfWork


def check_database(uow: UnitOfWork) -> dict[str, object]:
    with uow:
        return {"database": "ok", "schema_revision": uow.schema_revision()}
