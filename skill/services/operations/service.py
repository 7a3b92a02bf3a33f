"""Operations bound once: the checks behind /healthz."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...storage.uow import UnitOfWork


class Operations:
    def __init__(self, uow: Callable[[], UnitOfWork]) -> None:
        self._uow = uow

    def check_database(self) -> dict[str, object]:
        from .health import check_database

        return check_database(self._uow())
