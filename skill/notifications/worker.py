"""The outbox delivery worker: lease, send, settle; exponential backoff, dead letters, unknown outcomes.

The guarantees and their limits are in docs/notifications.md. Logs carry ids, kinds, channels and outcomes only.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError

from ..domain.clock import Clock
from ..observability.context import request_id_bound
from ..observability.metrics import record_webhook_delivery
from ..settings.notifications import NotifySettings
from ..storage.uow import UnitOfWork
from . import leases, retention
from .leases import Claimed
from .senders import (
    DeliveryOutcomeUnknown,
    OutgoingMessage,
    PermanentDeliveryError,
    Sender,
    TransientDeliveryError,
)

log = logging.getLogger(__name__)

# Provider clocks and ours differ a little: look for an unknown-outcome message a bit before it was queued.
RECONCILE_SKEW = timedelta(minutes=5)


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
    ) -> None:
        """With `purge`, this worker also redacts messages past retention, at start and every hour."""
        self._uow = uow
        self._senders = dict(senders)
        self._clock = clock
        self._settings = settings
        self.worker_id = worker_id or new_worker_id()
        self._rng = rng or random.Random()  # jitter, not a secret
        self._lease = timedelta(seconds=settings.lease_seconds)
        self._next_purge: datetime | None = clock.now() if purge else None

    def run_batch(self, batch: int, stop: threading.Event | None = None) -> Counter[str]:
        """Claim up to `batch` due messages and deliver them one by one; returns outcome counts."""
        claimed = leases.claim(
            self._uow(),
            worker=self.worker_id,
            now=self._clock.now(),
            lease=self._lease,
            channels=self._senders,
            limit=batch,
        )
        outcomes: Counter[str] = Counter()
        for position, message in enumerate(claimed):
            if stop is not None and stop.is_set():
                leases.release(self._uow(), [m.id for m in claimed[position:]], worker=self.worker_id)
                break
            with request_id_bound(f"outbox-{message.id}"):  # every line about this message carries its id
                outcome = self.deliver(message)
                outcomes[outcome] += 1
                log.info(
                    "outbox %s %s/%s %s",
                    message.id,
                    message.kind,
                    message.channel,
                    outcome,
                    extra={
                        "message_id": message.id,
                        "kind": message.kind,
                        "channel": message.channel,
                        "outcome": outcome,
                    },
                )
        return outcomes

    def run(self, *, batch: int, once: bool = False, stop: threading.Event | None = None) -> Counter[str]:
        """Deliver until stopped; with `once`, until nothing is due."""
        stop = stop or threading.Event()
        total: Counter[str] = Counter()
        while not stop.is_set():
            try:
                self._purge_when_due()
                outcomes = self.run_batch(batch, stop)
            except DBAPIError as exc:
                if once:
                    raise
                # The database is away (restart, failover): leases expire on their own, so just try again later.
                log.warning(
                    "outbox worker %s: database error %s; retrying", self.worker_id, type(exc.orig).__name__
                )
                stop.wait(self._settings.poll_seconds)
                continue
            total.update(outcomes)
            if not outcomes:
                if once:
                    break
                stop.wait(self._settings.poll_seconds)
        return total

    def _purge_when_due(self) -> None:
        now = self._clock.now()
        if self._next_purge is None or now < self._next_purge:
            return
        retention.purge_expired(self._uow, now=now, retention=timedelta(days=self._settings.retention_days))
        self._next_purge = now + retention.PURGE_EVERY

    def deliver(self, claimed: Claimed) -> str:
        if claimed.recipient == retention.PURGED:
            return self._refuse_purged(claimed)
        sender = self._senders[claimed.channel]
        message = OutgoingMessage(
            claimed.id, claimed.kind, claimed.channel, claimed.recipient, claimed.locale, claimed.payload
        )
        attempts = claimed.attempts
        if claimed.status == "sending":
            verdict = self._reconcile(sender, message, claimed)
            if verdict is not None:
                return verdict
        if not leases.begin_send(
            self._uow(), claimed.id, worker=self.worker_id, now=self._clock.now(), lease=self._lease
        ):
            return "lease_lost"
        return self._send(sender, message, attempts + 1)

    def _refuse_purged(self, claimed: Claimed) -> str:
        """A purged message put back to pending by hand has nobody to go to: dead, without calling a sender."""
        if not leases.begin_send(
            self._uow(), claimed.id, worker=self.worker_id, now=self._clock.now(), lease=self._lease
        ):
            return "lease_lost"
        return self._settle(claimed.id, "dead", status="dead", last_error="purged: recipient past retention")

    def _send(self, sender: Sender, message: OutgoingMessage, attempts: int) -> str:
        started = time.monotonic()
        outcome = self._send_and_settle(sender, message, attempts)
        if message.channel == "webhook":  # the biller-webhook latency histogram (call and settling write)
            record_webhook_delivery(time.monotonic() - started, outcome)
        return outcome

    def _send_and_settle(self, sender: Sender, message: OutgoingMessage, attempts: int) -> str:
        try:
            provider_ref = sender.send(message)
        except DeliveryOutcomeUnknown as exc:
            return self._unknown(message.id, attempts, exc)
        except TransientDeliveryError as exc:
            return self._retry_or_dead(message.id, attempts, _describe(exc))
        except PermanentDeliveryError as exc:
            return self._settle(message.id, "dead", status="dead", last_error=_describe(exc))
        except Exception as exc:
            # A bug or an unexpected library error: retried like a transient failure, ends in the dead letters.
            log.error("outbox %s sender raised %s", message.id, type(exc).__name__)
            return self._retry_or_dead(message.id, attempts, f"unexpected {type(exc).__name__}")
        return self._settle(
            message.id,
            "sent",
            status="sent",
            sent_at=self._clock.now(),
            provider_ref=(provider_ref or None) and provider_ref[:64],
            last_error=None,
        )

    def _reconcile(self, sender: Sender, message: OutgoingMessage, claimed: Claimed) -> str | None:
        """An earlier try may or may not have reached the provider. None means: safe to send (again)."""
        find_sent = getattr(sender, "find_sent", None)
        if find_sent is not None:
            try:
                provider_ref = find_sent(message, claimed.created_at - RECONCILE_SKEW)
            except TransientDeliveryError as exc:
                # A failed look-up counts as an attempt, so that an unreachable provider ends in the dead letters.
                return self._unknown(message.id, claimed.attempts + 1, exc, record_attempts=True)
            if provider_ref is None:
                return None
            return self._settle(
                message.id,
                "reconciled_sent",
                status="sent",
                sent_at=self._clock.now(),
                provider_ref=provider_ref,
            )
        if getattr(sender, "resend_is_safe", False):
            return None
        return self._settle(
            message.id,
            "dead",
            status="dead",
            last_error="outcome unknown: a worker lost its lease mid-send; not resent (the provider cannot dedupe)",
        )

    def _unknown(self, message_id: int, attempts: int, exc: Exception, record_attempts: bool = False) -> str:
        """Keep `sending` and let the lease run out after a backoff; whoever claims it next reconciles first."""
        error = f"outcome unknown: {_describe(exc)}"[:500]
        counted: dict[str, object] = {"attempts": attempts} if record_attempts else {}
        if attempts >= self._settings.max_attempts:
            return self._settle(message_id, "dead", status="dead", last_error=error, **counted)
        return self._settle(
            message_id,
            "unknown",
            status="sending",
            lease_until=self._retry_at(attempts),
            last_error=error,
            **counted,
        )

    def _retry_or_dead(self, message_id: int, attempts: int, error: str) -> str:
        if attempts >= self._settings.max_attempts:
            return self._settle(message_id, "dead", status="dead", last_error=error)
        return self._settle(
            message_id, "retry", status="pending", next_attempt_at=self._retry_at(attempts), last_error=error
        )

    def _retry_at(self, attempts: int) -> datetime:
        delay = backoff_seconds(
            attempts,
            base=self._settings.backoff_base_seconds,
            cap=self._settings.backoff_max_seconds,
            rng=self._rng,
        )
        return self._clock.now() + timedelta(seconds=delay)

    def _settle(self, message_id: int, outcome: str, **values: object) -> str:
        if not leases.settle(self._uow(), message_id, worker=self.worker_id, **values):
            return "lease_lost"
        return outcome


def _describe(exc: Exception) -> str:
    """Delivery errors are written by our senders without personal data; keep the type for anything else."""
    text = str(exc) if isinstance(exc, TransientDeliveryError | PermanentDeliveryError) else ""
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:500]
