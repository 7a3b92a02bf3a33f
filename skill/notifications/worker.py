"""The outbox delivery worker: claim a batch, deliver it (notifications/batch.py), back off, purge past retention.

The guarantees and their limits are in docs/notifications.md. Logs carry ids, kinds, channels and outcomes only.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError

from ..domain.clock import Clock
from ..settings.notifications import NotifySettings
from ..storage.uow import UnitOfWork
from . import leases, retention
from .batch import RECONCILE_SKEW, SETTLE_EVERY, BatchDelivery
from .leases import Claimed
from .senders import Sender

__all__ = ["RECONCILE_SKEW", "OutboxWorker", "backoff_seconds", "new_worker_id"]

log = logging.getLogger(__name__)


def backoff_seconds(attempts: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Exponential, capped, with "equal jitter": half the delay is fixed so retries still spread out."""
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return delay / 2 + rng.uniform(0, delay / 2)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class OutboxWorker:
    """One claimer. Run several (threads or processes, on one or many machines) against the same outbox."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        senders: Mapping[str, Sender],
        clock: Clock,
        settings: NotifySettings,
        *,
        worker_id: str | None = None,
        rng: random.Random | None = None,
        purge: bool = False,
        settle_every: int = SETTLE_EVERY,
    ) -> None:
        """With `purge`, this worker also purges messages past retention, at start and every hour."""
        self._uow = uow
        self._senders = dict(senders)
        self._clock = clock
        self._settings = settings
        self.worker_id = worker_id or new_worker_id()
        self._rng = rng or random.Random()  # jitter, not a secret
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.max_attempts = settings.max_attempts
        self.settle_every = settle_every
        self._settler: ThreadPoolExecutor | None = None
        self._next_purge: datetime | None = clock.now() if purge else None

    def now(self) -> datetime:
        return self._clock.now()

    @property
    def settler(self) -> Executor:
        """The thread that writes a batch's outcomes while the next messages are sent (notifications/batch.py)."""
        if self._settler is None:
            self._settler = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=f"settle-{self.worker_id[-8:]}"
            )
        return self._settler

    def retry_at(self, attempts: int) -> datetime:
        delay = backoff_seconds(
            attempts,
            base=self._settings.backoff_base_seconds,
            cap=self._settings.backoff_max_seconds,
            rng=self._rng,
        )
        return self._clock.now() + timedelta(seconds=delay)

    def run_batch(self, batch: int, stop: threading.Event | None = None) -> Counter[str]:
        """Claim up to `batch` due messages and deliver them, channel by channel; returns outcome counts."""
        if not self._senders:
            return Counter()
        claimed = leases.claim(
            self._uow(),
            worker=self.worker_id,
            now=self._clock.now(),
            lease=self.lease,
            channels=self._senders,
            limit=batch,
        )
        by_channel: dict[str, list[Claimed]] = {}
        for message in claimed:
            by_channel.setdefault(message.channel, []).append(message)
        outcomes: Counter[str] = Counter()
        for channel, messages in by_channel.items():
            outcomes.update(BatchDelivery(self, self._uow, self._senders[channel], messages, stop).deliver())
        return outcomes

    def run(self, *, batch: int, once: bool = False, stop: threading.Event | None = None) -> Counter[str]:
        """Deliver until stopped; with `once`, until nothing is due. Closes the senders' connections at the end."""
        stop = stop or threading.Event()
        total: Counter[str] = Counter()
        try:
            while not stop.is_set():
                try:
                    self._purge_when_due()
                    outcomes = self.run_batch(batch, stop)
                except DBAPIError as exc:
                    if once:
                        raise
                    # The database is away (restart, failover): leases expire on their own, so try again later.
                    log.warning(
                        "outbox worker %s: database error %s; retrying",
                        self.worker_id,
                        type(exc.orig).__name__,
                    )
                    stop.wait(self._settings.poll_seconds)
                    continue
                total.update(outcomes)
                if not outcomes:
                    if once:
                        break
                    stop.wait(self._settings.poll_seconds)
        finally:
            self.close()
        return total

    def close(self) -> None:
        """Let go of this thread's provider connections (a persistent SMTP connection, HTTP sessions)."""
        settler, self._settler = self._settler, None
        if settler is not None:
            settler.shutdown(wait=True)
        for sender in self._senders.values():
            close = getattr(sender, "close", None)
            if close is not None:
                close()

    def _purge_when_due(self) -> None:
        now = self._clock.now()
        if self._next_purge is None or now < self._next_purge:
            return
        retention.purge_expired(self._uow, now=now, retention=timedelta(days=self._settings.retention_days))
        self._next_purge = now + retention.PURGE_EVERY
