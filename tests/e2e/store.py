"""What the conversations changed in the store: bills, attempts, links and outbox rows, read the way a test needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from skill.bootstrap import Services
from skill.domain.clock import Clock, FixedClock
from skill.services.identity import directory
from skill.services.identity.link_tokens import issue_token
from skill.storage import models as m
from skill.storage.uow import UnitOfWork


def bill_states(services: Services) -> dict[str, tuple[str, int]]:
    """Every invoice by number: (status, amount paid in minor units)."""
    with services.uow() as uow:
        rows = uow.session.execute(select(m.Invoice.number, m.Invoice.status, m.Invoice.amount_paid_minor))
        return {number: (str(status.value), paid) for number, status, paid in rows}


def count(services: Services, model: type[m.Base]) -> int:
    with services.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def remove_stored_methods(services: Services, customer_id: int) -> None:
    with services.uow() as uow:
        for method in uow.methods.active_for_customer(customer_id):
            method.removed_at = services.clock.now()
        uow.commit()


def customer_without_bills(uow: Callable[[], UnitOfWork], clock: Clock) -> str:
    """Sam has an account at Northwind Energy and nothing to pay; returns a linked access token."""
    with uow() as probe:
        biller = probe.billers.by_slug("northwind-energy")
        assert biller is not None, "seed the demo first"
        biller_id = biller.id
    data = directory.CustomerData(
        name="Sam Nobills", email="sam@example.com", mobile="+31687654321", accounts={biller_id: "NWE-999001"}
    )
    directory.upsert_customer(uow(), data, clock)
    return issue_token(uow(), "sam@example.com", clock, ttl=timedelta(days=30))


def expired_token(services: Services, email: str, now: datetime) -> str:
    """A token that was valid for a day, a month ago."""
    return issue_token(services.uow(), email, FixedClock(now - timedelta(days=30)), ttl=timedelta(days=1))
