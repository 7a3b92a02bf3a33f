"""Payments racing on one invoice through real, separate connections never over-apply money or pay twice.

Each racer has its own engine and connection and waits at a barrier, so all of them hit the invoice at once.
On PostgreSQL the racers are separate 'spawn' processes; the thread variant runs on every backend (SQLite too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.model import InvoiceStatus, PaymentStatus
from skill.storage import models as m
from tests.support import concurrency
from tests.support.concurrency import Outcome
from tests.support.store import add_pending_attempt, invoice_id, timeline_kinds

Race = Callable[[list[tuple[Callable[..., Outcome], tuple[Any, ...]]]], list[Outcome]]
DUE = 9430  # the demo electricity bill, NWE-2026-11, open


@pytest.fixture(scope="module")
def process_racer() -> Iterator[concurrency.ProcessRacer]:
    racer = concurrency.ProcessRacer(size=8)
    yield racer
    racer.close()


@pytest.fixture(
    params=[
        pytest.param("processes", marks=pytest.mark.postgres),
        pytest.param("threads"),
    ]
)
def race(request: pytest.FixtureRequest) -> Race:
    if request.param == "processes":
        racer: Race = request.getfixturevalue("process_racer")
        return racer
    return concurrency.run_threads


@pytest.fixture
def electricity(services: Services, demo: DemoSummary) -> int:
    return invoice_id(services.uow(), "NWE-2026-11")


def _invoice(services: Services, invoice: int) -> tuple[InvoiceStatus, int, int]:
    with services.uow() as uow:
        row = uow.invoices.get(invoice)
        assert row is not None
        return InvoiceStatus(row.status), row.amount_paid_minor, row.refund_due_minor


def _attempts(services: Services, invoice: int) -> list[m.PaymentAttempt]:
    with services.uow() as uow:
        rows = list(
            uow.session.scalars(select(m.PaymentAttempt).where(m.PaymentAttempt.invoice_id == invoice))
        )
        uow.session.expunge_all()
        return rows


def _each_share(racers: int) -> int:
    """Split so that together the racers pay more than is due, but no single one pays it all."""
    return DUE // racers + 1000


@pytest.mark.parametrize("racers", [2, 8])
def test_racing_settlements_apply_all_money_once_and_mark_the_bill_paid_once(
    services: Services, database_url: str, electricity: int, race: Race, racers: int
) -> None:
    share = _each_share(racers)
    attempts = [
        add_pending_attempt(services.uow(), electricity, share, services.clock, key=f"race-{n}")
        for n in range(racers)
    ]
    at = services.clock.now().isoformat()
    outcomes = race([(concurrency.settle, (n, database_url, at, attempts[n])) for n in range(racers)])

    arrived = share * racers
    assert [o.error for o in outcomes] == [None] * racers
    assert all(o.newly_applied for o in outcomes)
    status, paid, refund_due = _invoice(services, electricity)
    assert (status, paid) == (InvoiceStatus.PAID, DUE)
    assert paid + refund_due == arrived
    assert sum(o.overpaid_minor for o in outcomes) == refund_due
    assert timeline_kinds(services.uow(), electricity).count("paid") == 1
    assert all(
        a.applied_at is not None and a.status == PaymentStatus.SUCCEEDED
        for a in _attempts(services, electricity)
    )


@pytest.mark.parametrize("racers", [2, 8])
def test_racing_settlements_of_the_same_attempt_apply_it_once(
    services: Services, database_url: str, electricity: int, race: Race, racers: int
) -> None:
    attempt = add_pending_attempt(services.uow(), electricity, DUE, services.clock, key="the-one")
    at = services.clock.now().isoformat()
    outcomes = race([(concurrency.settle, (n, database_url, at, attempt)) for n in range(racers)])

    assert [o.error for o in outcomes] == [None] * racers
    assert sorted(bool(o.newly_applied) for o in outcomes) == [False] * (racers - 1) + [True]
    assert _invoice(services, electricity) == (InvoiceStatus.PAID, DUE, 0)
    assert timeline_kinds(services.uow(), electricity) == ["created", "paid"]


@pytest.mark.parametrize("racers", [2, 8])
def test_racing_recorded_payments_never_pay_past_what_arrived(
    services: Services, database_url: str, electricity: int, race: Race, racers: int
) -> None:
    share = _each_share(racers)
    at = services.clock.now().isoformat()
    outcomes = race(
        [(concurrency.record, (n, database_url, at, electricity, share, f"pay-{n}")) for n in range(racers)]
    )

    accepted = [o for o in outcomes if o.error is None]
    refused = [o for o in outcomes if o.error is not None]
    # Payments are accepted until the bill is paid; after that the bill refuses them and writes nothing.
    assert {o.error for o in refused} <= {"IllegalTransition"}
    assert all(o.newly_applied for o in accepted)
    status, paid, refund_due = _invoice(services, electricity)
    assert (status, paid) == (InvoiceStatus.PAID, DUE)
    assert paid + refund_due == share * len(accepted)
    assert len(_attempts(services, electricity)) == len(accepted)
    assert timeline_kinds(services.uow(), electricity).count("paid") == 1


@pytest.mark.parametrize("racers", [2, 8])
def test_racing_replays_of_one_payment_key_record_it_once(
    services: Services, database_url: str, electricity: int, race: Race, racers: int
) -> None:
    at = services.clock.now().isoformat()
    outcomes = race(
        [(concurrency.record, (n, database_url, at, electricity, 4000, "same-key")) for n in range(racers)]
    )

    assert [o.error for o in outcomes] == [None] * racers
    assert sorted(bool(o.newly_applied) for o in outcomes) == [False] * (racers - 1) + [True]
    assert _invoice(services, electricity) == (InvoiceStatus.PARTIALLY_PAID, 4000, 0)
    with services.uow() as uow:
        keyed = uow.session.scalar(
            select(func.count())
            .select_from(m.PaymentAttempt)
            .where(m.PaymentAttempt.idempotency_key == "same-key")
        )
    assert keyed == 1
    assert timeline_kinds(services.uow(), electricity) == ["created", "partially_paid"]
