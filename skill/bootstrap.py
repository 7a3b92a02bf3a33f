"""Composition root: builds the process's services once (engine, unit of work, clock, gateways)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .domain.clock import Clock, SystemClock
from .settings import Settings
from .storage.db import make_engine, make_session_factory
from .storage.uow import UnitOfWork

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass
class Services:
    """Everything a request needs. Built by `bootstrap()`; tests pass fakes in."""

    settings: Settings
    engine: Engine
    uow: Callable[[], UnitOfWork]
    clock: Clock
    gateway_factory: Callable[[Settings], Any] | None = None
    _gateway: Any = None

    @property
    def gateway(self) -> Any:
        """The payment gateway, built on first use so that the Alexa cold start never imports Stripe."""
        if self._gateway is None:
            if self.gateway_factory is None:
                from .payments import build_gateway

                self.gateway_factory = build_gateway
            self._gateway = self.gateway_factory(self.settings)
        return self._gateway

    def dispose(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings, *, clock: Clock | None = None, gateway: Any = None) -> Services:
    """Build once per process. Tests pass a FixedClock and a fake gateway."""
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    return Services(
        settings=settings,
        engine=engine,
        uow=lambda: UnitOfWork(session_factory),
        clock=clock or SystemClock(),
        _gateway=gateway,
    )
