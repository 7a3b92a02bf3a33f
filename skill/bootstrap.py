"""Composition root: builds the process's services once and binds their dependencies (unit of work, clock, gateway)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .domain.clock import Clock, SystemClock
from .settings import Settings
from .storage.read_models.connection import ReadConnections, ReadsUnavailable, sqlite_path

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from .payments.gateway import PaymentGateway
    from .services.biller_api.service import BillerApi
    from .services.billing.service import Billing
    from .services.identity.service import Identity
    from .services.links.service import Links
    from .services.operations.service import Operations
    from .services.payments.service import Payments
    from .services.service_desk.service import ServiceDesk
    from .storage.uow import UnitOfWork


class Store:
    """The process's database: the ORM's engine and units of work, built on first use (writes, payments, pages),
    and the voice read model's plain DB-API connections, so that a launch or a listing never imports SQLAlchemy."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self.reads: ReadConnections | None = None
        if settings.is_sqlite:
            try:
                sqlite_path(settings.database_url)
            except ReadsUnavailable:  # an in-memory database: only the engine's own connection sees its rows
                return
        self.reads = ReadConnections(settings.database_url)

    @property
    def engine(self) -> Engine:
        return self._orm()[0]

    def uow(self) -> UnitOfWork:
        from .storage.uow import UnitOfWork

        return UnitOfWork(self._orm()[1])

    def _orm(self) -> tuple[Engine, sessionmaker[Session]]:
        with self._lock:  # a web worker's threads may ask at once: one engine per process
            if self._engine is None or self._sessions is None:
                from .storage.db import make_engine, make_session_factory

                s = self._settings
                self._engine = make_engine(
                    s.database_url, pool_size=s.db_pool_size, max_overflow=s.db_max_overflow
                )
                self._sessions = make_session_factory(self._engine)
            return self._engine, self._sessions

    def dispose(self) -> None:
        if self.reads is not None:
            self.reads.close()
        if self._engine is not None:
            self._engine.dispose()


@dataclass
class Services:
    """Everything a request needs. Built by `bootstrap()`; tests pass fakes in."""

    settings: Settings
    store: Store
    clock: Clock
    gateway_factory: Callable[[Settings], PaymentGateway] | None = None
    _gateway: PaymentGateway | None = None
    # The Alexa skill built for these services (skill.alexa.entry), cached on them rather than by id(), which
    # can be reused once they are garbage-collected. init=False: dataclasses.replace() builds a fresh one.
    alexa_skill: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def gateway(self) -> PaymentGateway:
        """The payment gateway, built on first use so that the Alexa cold start never imports Stripe."""
        if self._gateway is None:
            if self.gateway_factory is None:
                from .payments import build_gateway

                self.gateway_factory = build_gateway
            self._gateway = self.gateway_factory(self.settings)
        return self._gateway

    @property
    def engine(self) -> Engine:
        return self.store.engine

    @property
    def uow(self) -> Callable[[], UnitOfWork]:
        """A new unit of work per call; SQLAlchemy is imported on the first one."""
        return self.store.uow

    # The capabilities, each bound once to this process's unit of work, clock, gateway and settings: channels
    # call `services.billing.list_outstanding(customer_id)` and never hand those over. Each is built (and its
    # module imported) on first use, so a voice turn loads only the capabilities it asks for.
    @cached_property
    def billing(self) -> Billing:
        from .services.billing.service import Billing

        return Billing(self.uow, self.clock, base_url=self.settings.public_base_url, reads=self.store.reads)

    @cached_property
    def payments(self) -> Payments:
        from .services.payments.service import Payments

        # The gateway is looked up on each payment, not here: Stripe is imported on the first payment only.
        return Payments(self.uow, self.clock, lambda: self.gateway)

    @cached_property
    def links(self) -> Links:
        from .services.links.service import Links

        return Links(self.uow, self.clock, self.settings)

    @cached_property
    def identity(self) -> Identity:
        from .services.identity.service import Identity

        return Identity(self.uow, self.clock, self.settings, reads=self.store.reads)

    @cached_property
    def biller_api(self) -> BillerApi:
        from .services.biller_api.service import BillerApi

        return BillerApi(self.uow, self.clock, self.settings)

    @cached_property
    def service_desk(self) -> ServiceDesk:
        from .services.service_desk.service import ServiceDesk

        return ServiceDesk(self.uow, self.clock)

    @cached_property
    def operations(self) -> Operations:
        from .services.operations.service import Operations

        return Operations(self.uow, self.clock, self.settings)

    def dispose(self) -> None:
        self.store.dispose()


def bootstrap(
    settings: Settings, *, clock: Clock | None = None, gateway: PaymentGateway | None = None
) -> Services:
    """Build once per process; nothing connects until a turn asks. Tests pass a FixedClock and a fake gateway."""
    return Services(
        settings=settings,
        store=Store(settings),
        clock=clock or SystemClock(),
        _gateway=gateway,
    )
