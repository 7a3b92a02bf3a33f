"""Operations bound once: the checks behind /healthz and /readyz, and the outbox figures /metrics shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...domain.clock import Clock
    from ...settings import Settings
    from ...storage.uow import UnitOfWork
    from .health import OutboxHealth, Readiness


class Operations:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, settings: Settings) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings

    def check_database(self) -> dict[str, object]:
        from .health import check_database

        return check_database(self._uow())

    def readiness(self) -> Readiness:
        from ...storage.migrate import head_revision
        from .health import check_readiness

        return check_readiness(
            self._uow(),
            self._clock.now(),
            head=head_revision(),
            max_lag_seconds=self._settings.notify.ready_max_lag_seconds,
        )

    def outbox_stats(self) -> OutboxHealth:
        from .health import outbox_health

        return outbox_health(self._uow(), self._clock.now())
