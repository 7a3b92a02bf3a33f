"""Workers for the concurrency tests: each opens its own engine, waits at a barrier, then calls one ledger service.

They live in an importable module (not in the test file) so that 'spawn' processes can import them cheaply.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import text

from skill.bootstrap import Services, bootstrap
from skill.domain.clock import FixedClock
from skill.domain.errors import DomainError
from skill.services.billing import ledger
from skill.services.billing.results import SettlementResult
from skill.settings import Settings

BARRIER_TIMEOUT = 120.0


class _Barrier(Protocol):
    def wait(self, timeout: float | None = None) -> int: ...


class _Results(Protocol):
    def put(self, obj: Any) -> None: ...


@dataclass(frozen=True)
class Outcome:
    """What one racing caller saw: a settlement, or the name of the domain error it was refused with."""

    worker: int
    newly_applied: bool | None = None
    overpaid_minor: int = 0
    error: str | None = None


def _prepared(url: str, at: str) -> Services:
    services = bootstrap(Settings(database_url=url), clock=FixedClock(datetime.fromisoformat(at)))
    with services.engine.connect() as conn:  # open the pooled connection before the race, not during it
        conn.execute(text("SELECT 1"))
    return services


def _race(
    worker: int, url: str, at: str, barrier: _Barrier, call: Callable[[Services], SettlementResult]
) -> Outcome:
    services = _prepared(url, at)
    try:
        barrier.wait(BARRIER_TIMEOUT)
        try:
            result = call(services)
        except DomainError as exc:
            return Outcome(worker, error=type(exc).__name__)
        return Outcome(worker, result.newly_applied, result.overpaid_minor)
    finally:
        services.dispose()


def settle(worker: int, url: str, at: str, barrier: _Barrier, attempt_id: int) -> Outcome:
    return _race(worker, url, at, barrier, lambda s: ledger.settle_attempt(s.uow(), attempt_id, s.clock))


def record(
    worker: int, url: str, at: str, barrier: _Barrier, invoice_id: int, amount_minor: int, key: str
) -> Outcome:
    return _race(
        worker,
        url,
        at,
        barrier,
        lambda s: ledger.record_payment(
            s.uow(), invoice_id, amount_minor, "EUR", idempotency_key=key, clock=s.clock
        ),
    )


def in_process(results: _Results, target: Callable[..., Outcome], *args: Any) -> None:
    """Process entry point: run one worker and report its outcome (or the unexpected error) on a queue."""
    try:
        results.put(target(*args))
    except BaseException as exc:  # report it: the parent asserts on every worker's outcome
        results.put(Outcome(int(args[0]), error=f"unexpected {type(exc).__name__}: {exc}"))


def run_threads(calls: list[tuple[Callable[..., Outcome], tuple[Any, ...]]]) -> list[Outcome]:
    """Run each call in its own thread; every args tuple gets the shared barrier inserted at index 3."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    class _Collect:
        def put(self, obj: Any) -> None:
            with lock:
                outcomes.append(obj)

    collect = _Collect()
    threads = [
        threading.Thread(target=in_process, args=(collect, target, *args[:3], barrier, *args[3:]))
        for target, args in calls
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BARRIER_TIMEOUT * 2)
    assert not any(t.is_alive() for t in threads), "a racing thread did not finish"
    return sorted(outcomes, key=lambda o: o.worker)


class ProcessRacer:
    """Racers in separate 'spawn' processes (own interpreter, engine and connection), started once and reused.

    A pool worker blocked at the barrier takes no other call, so N calls always run in N distinct processes.
    """

    def __init__(self, size: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        self.size = size
        self._manager = context.Manager()
        self._pool = ProcessPoolExecutor(max_workers=size, mp_context=context)

    def __call__(self, calls: list[tuple[Callable[..., Outcome], tuple[Any, ...]]]) -> list[Outcome]:
        assert len(calls) <= self.size, f"a race of {len(calls)} needs a pool of at least {len(calls)}"
        barrier = self._manager.Barrier(len(calls))
        futures = [self._pool.submit(target, *args[:3], barrier, *args[3:]) for target, args in calls]
        return sorted((f.result(timeout=BARRIER_TIMEOUT * 2) for f in futures), key=lambda o: o.worker)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._manager.shutdown()
