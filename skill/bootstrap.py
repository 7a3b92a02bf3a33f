"""Composition root: builds the process's services once and binds their dependencies (unit of work, clock, gateway)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .domain.clock import Clock, SystemClock
from .settings import Settings
from .storage.db import make_engine, make_session_factory
from .storage.uow import UnitOfWork

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from .payments.gateway import PaymentGateway
    from .services.biller_api.service import BillerApi
    from .services.billing.service import Billing
    from .services.identity.service import Identity
    from .services.links.service import Links
    from .services.operations.service import Operations
    from .services.payments.service import Payments
    from .services.service_desk.service import ServiceDesk


@dataclass
class Services:
    """Everything a request needs. Built by `bootstrap()`; tests pass fakes in."""

    settings: Settings
    engine: Engine
    uow: Callable[[], UnitOfWork]
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

    # The capabilities, each bound once to this process's unit of work, clock, gateway and settings: channels
    # call `services.billing.list_outstanding(customer_id)` and never hand those over. Each is built (and its
    # module imported) on first use, so a voice turn loads only the capabilities it asks for.
    @cached_property
    def billing(self) -> Billing:
        from .services.billing.service import Billing

        return Billing(self.uow, self.clock, base_url=self.settings.public_base_url)

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

        return Identity(self.uow, self.clock, self.settings)

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
        self.engine.dispose()


def bootstrap(
    settings: Settings, *, clock: Clock | None = None, gateway: PaymentGateway | None = None
) -> Services:
    """Build once per process. Tests pass a FixedClock and a fake gateway."""
    engine = make_engine(
        settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    session_factory = make_session_factory(engine)
    return Services(
        settings=settings,
        engine=engine,
        uow=lambda: UnitOfWork(session_factory),
        clock=clock or SystemClock(),
        _gateway=gateway,
    )
