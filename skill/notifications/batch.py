"""One claimed batch of one channel: begin it, hand it to the sender, settle the outcomes in groups, give back the rest.

The statements per batch are a claim, a begin and a settle per group (storage/outbox_repository.py). How much is
batched depends on what the sender can do about an unknown outcome (a worker that dies mid-batch):
- it can look the message up (`find_sent`) or resending is harmless (`resend_is_safe`): the whole batch is begun
  in one statement and outcomes are settled every `settle_every` messages or SETTLE_SECONDS. A crash leaves the
  unsettled messages `sending`; the next worker reconciles them, as it would one message.
- it can do neither: each message is begun right before it is sent and settled right after (as if the batch
  were one message), so a crash leaves at most that one message in doubt.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from sqlalchemy.exc import DBAPIError

from ..observability.context import request_id_bound
from ..observability.metrics import record_webhook_delivery
from ..storage.uow import UnitOfWork
from . import leases, retention
from .leases import Claimed, Outcome
from .senders import (
    DeliveryOutcomeUnknown,
    DeliveryResult,
    NotAttempted,
    OutgoingMessage,
    PermanentDeliveryError,
    Sender,
    TransientDeliveryError,
)

log = logging.getLogger("skill.notifications.worker")

SETTLE_EVERY = 100  # outcomes per settling transaction, for senders whose unknown outcomes can be reconciled
SETTLE_SECONDS = 0.5  # ... or sooner, when sending is slow
RECONCILE_SKEW = timedelta(
    minutes=5
)  # provider clocks differ a little: look a bit before the message was queued


class Policy(Protocol):
    """What the worker decides for a batch: who it is, its clock and lease, when to retry."""

    worker_id: str
    lease: timedelta
    max_attempts: int
    settle_every: int

    @property
    def settler(self) -> Executor:
        """One thread: a batch's settling writes, in order."""
        ...

    def now(self) -> datetime: ...

    def retry_at(self, attempts: int) -> datetime: ...


def recoverable(sender: Sender) -> bool:
    """True when an unknown outcome of this sender's can be settled later without losing the message."""
    return bool(getattr(sender, "resend_is_safe", False)) or hasattr(sender, "find_sent")


@dataclass
class _Result:
    message: Claimed
    outcome: str
    values: dict[str, Any]
    handed_at: float


class BatchDelivery:
    def __init__(
        self,
        policy: Policy,
        uow: Callable[[], UnitOfWork],
        sender: Sender,
        claimed: list[Claimed],
        stop: threading.Event | None,
    ) -> None:
        self._policy = policy
        self._uow = uow
        self._sender = sender
        self._stop = stop
        self._grouped = recoverable(sender)
        self._settle_every = policy.settle_every if self._grouped else 1
        self._claimed = {message.id: message for message in claimed}
        self._unbegun = dict(self._claimed)  # claimed, not begun
        self._unsent: dict[int, Claimed] = {}  # begun, never handed to the sender
        self._handed_at: dict[int, float] = {}
        self._buffer: list[_Result] = []
        self._settling: list[tuple[Future[set[int]], list[_Result]]] = []
        self._flushed_at = time.monotonic()
        self._renew_at = policy.now() + policy.lease / 2  # on the clock the leases are written with
        self.outcomes: Counter[str] = Counter()

    def deliver(self) -> Counter[str]:
        """Send what can be sent; every claimed message ends settled, given back, or counted as lease_lost."""
        try:
            ready = [message for message in list(self._unbegun.values()) if self._triage(message)]
            if self._grouped:
                self._begin(ready)
            self._send(ready)
        finally:
            self._flush()
            self._collect(wait=True)
            self._give_back()
        return self.outcomes

    def _send(self, ready: list[Claimed]) -> None:
        results = iter(self._results(self._handed(ready)))
        while True:
            try:
                message, result = next(results)
            except StopIteration:
                return
            except DBAPIError:
                raise  # from begin or renew, inside the sender's pull: the worker's loop waits for the database
            except Exception as exc:
                # A sender that fails outside its per-message results (a bug): what it had not answered stays
                # `sending` and is reconciled once the lease runs out, like a crash.
                log.error("outbox %s sender failed mid-batch: %s", self._sender.channel, type(exc).__name__)
                return
            self._record(message, result)

    # -- before sending ------------------------------------------------------------------------------------
    def _triage(self, message: Claimed) -> bool:
        """Purged and unknown-outcome messages are settled here, without sending; True: send it."""
        if message.recipient == retention.PURGED:
            # A purged message put back to pending by hand has nobody to go to: dead, without calling a sender.
            if self._begin([message]):
                del self._unsent[message.id]
                self._keep(
                    message, "dead", {"status": "dead", "last_error": "purged: recipient past retention"}
                )
            return False
        if message.status != "sending":
            return True
        verdict = self._reconcile(message)
        if verdict is None:
            return True
        self._unbegun.pop(message.id)
        self._keep(message, *verdict)
        return False

    def _reconcile(self, message: Claimed) -> tuple[str, dict[str, Any]] | None:
        """An earlier try may or may not have reached the provider. None means: safe to send (again)."""
        find_sent = getattr(self._sender, "find_sent", None)
        if find_sent is not None:
            try:
                provider_ref = find_sent(_outgoing(message), message.created_at - RECONCILE_SKEW)
            except TransientDeliveryError as exc:
                # A failed look-up counts as an attempt, so that an unreachable provider ends in the dead letters.
                return self._unknown(message.attempts + 1, exc, record_attempts=True)
            if provider_ref is None:
                return None
            return "reconciled_sent", {"status": "sent", "provider_ref": provider_ref}
        if getattr(self._sender, "resend_is_safe", False):
            return None
        error = "outcome unknown: a worker lost its lease mid-send; not resent (the provider cannot dedupe)"
        return "dead", {"status": "dead", "last_error": error}

    def _begin(self, messages: list[Claimed]) -> bool:
        """Mark `messages` sending in one statement; the ones taken over meanwhile are lease_lost."""
        held = leases.begin(
            self._uow(),
            [m.id for m in messages],
            worker=self._policy.worker_id,
            now=self._policy.now(),
            lease=self._policy.lease,
        )
        for message in messages:
            self._unbegun.pop(message.id, None)
            if message.id in held:
                self._unsent[message.id] = message
            else:
                self.outcomes["lease_lost"] += 1
        self._renew_at = self._policy.now() + self._policy.lease / 2
        return len(held) == len(messages)

    # -- sending -------------------------------------------------------------------------------------------
    def _handed(self, ready: list[Claimed]) -> Iterator[OutgoingMessage]:
        """The messages for the sender, one at a time: never after a stop, never without a live lease."""
        for message in ready:
            if self._stop is not None and self._stop.is_set():
                return
            if not self._grouped and not self._begin([message]):
                continue
            if message.id not in self._unsent:
                continue  # lost at begin or at a renewal
            if self._policy.now() >= self._renew_at:
                self._renew()
                if message.id not in self._unsent:
                    continue
            self._handed_at[message.id] = time.monotonic()
            del self._unsent[message.id]
            yield _outgoing(message)

    def _results(
        self, messages: Iterator[OutgoingMessage]
    ) -> Iterable[tuple[OutgoingMessage, DeliveryResult]]:
        send_all = getattr(self._sender, "send_all", None)
        if send_all is not None:  # a sender that pipelines (SMTP): results come as replies arrive
            return send_all(messages)
        return _one_by_one(self._sender, messages)

    def _renew(self) -> None:
        """Half the lease has gone: settle what is done, then extend the lease on what is left to send."""
        self._flush()
        self._collect(wait=True)  # what was sent keeps its lease until it is settled
        unsent = list(self._unsent)
        until = self._policy.now() + self._policy.lease
        held = leases.renew(self._uow(), unsent, worker=self._policy.worker_id, until=until)
        for message_id in unsent:
            if message_id not in held:
                del self._unsent[message_id]
                self.outcomes["lease_lost"] += 1
        self._renew_at = self._policy.now() + self._policy.lease / 2

    # -- settling ------------------------------------------------------------------------------------------
    def _record(self, outgoing: OutgoingMessage, result: DeliveryResult) -> None:
        message = self._claimed[outgoing.id]
        attempts = message.attempts + 1
        if isinstance(result, NotAttempted):
            self._unsent[message.id] = message  # given back with the rest, uncounted
        elif isinstance(result, DeliveryOutcomeUnknown):
            self._keep(message, *self._unknown(attempts, result))
        elif isinstance(result, TransientDeliveryError):
            self._keep(message, *self._retry_or_dead(attempts, _describe(result)))
        elif isinstance(result, PermanentDeliveryError):
            self._keep(message, "dead", {"status": "dead", "last_error": _describe(result)})
        elif isinstance(result, Exception):
            # A bug or an unexpected library error: retried like a transient failure, ends in the dead letters.
            log.error("outbox %s sender raised %s", message.id, type(result).__name__)
            self._keep(message, *self._retry_or_dead(attempts, f"unexpected {type(result).__name__}"))
        else:
            self._keep(message, "sent", {"status": "sent", "provider_ref": (result or None) and result[:64]})

    def _keep(self, message: Claimed, outcome: str, values: dict[str, Any]) -> None:
        handed_at = self._handed_at.get(message.id, time.monotonic())
        self._buffer.append(_Result(message, outcome, values, handed_at))
        due = time.monotonic() - self._flushed_at >= SETTLE_SECONDS
        if len(self._buffer) >= self._settle_every or due:
            self._flush()

    def _flush(self) -> None:
        """Settle the buffered outcomes: in the background for a grouped batch, at once for the others."""
        self._flushed_at = time.monotonic()
        if not self._buffer:
            return
        buffered, self._buffer = self._buffer, []
        sent = [
            (r.message.id, r.values.get("provider_ref")) for r in buffered if r.values["status"] == "sent"
        ]
        others = [Outcome(r.message.id, r.values) for r in buffered if r.values["status"] != "sent"]
        write = partial(
            leases.settle_many,
            self._uow(),
            sent,
            others,
            worker=self._policy.worker_id,
            now=self._policy.now(),
        )
        if self._grouped:  # the settling write overlaps the next sends; groups are written in order
            self._settling.append((self._policy.settler.submit(write), buffered))
            self._collect(wait=False)
        else:
            self._logged(buffered, write())

    def _collect(self, *, wait: bool) -> None:
        """Log the groups whose settling finished (all of them, with `wait`); a database error surfaces here."""
        while self._settling and (wait or self._settling[0][0].done()):
            future, buffered = self._settling.pop(0)
            self._logged(buffered, future.result())

    def _logged(self, buffered: list[_Result], settled: set[int]) -> None:
        for result in buffered:
            self._log(result, result.outcome if result.message.id in settled else "lease_lost")

    def _log(self, result: _Result, outcome: str) -> None:
        message = result.message
        self.outcomes[outcome] += 1
        if message.channel == "webhook":  # the biller-webhook latency histogram (call and settling write)
            record_webhook_delivery(time.monotonic() - result.handed_at, outcome)
        with request_id_bound(f"outbox-{message.id}"):  # every line about this message carries its id
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

    def _give_back(self) -> None:
        now = self._policy.now()
        worker = self._policy.worker_id
        leases.release(self._uow(), list(self._unbegun), worker=worker, now=now)
        leases.release(self._uow(), list(self._unsent), worker=worker, now=now, started=True)

    # -- outcome rules -------------------------------------------------------------------------------------
    def _unknown(
        self, attempts: int, exc: Exception, record_attempts: bool = False
    ) -> tuple[str, dict[str, Any]]:
        """Keep `sending` and let the lease run out after a backoff; whoever claims it next reconciles first."""
        error = f"outcome unknown: {_describe(exc)}"[:500]
        counted: dict[str, Any] = {"attempts": attempts} if record_attempts else {}
        if attempts >= self._policy.max_attempts:
            return "dead", {"status": "dead", "last_error": error, **counted}
        retry_at = self._policy.retry_at(attempts)
        values = {
            "status": "sending",
            "lease_until": retry_at,
            "next_attempt_at": retry_at,
            "last_error": error,
        }
        return "unknown", {**values, **counted}

    def _retry_or_dead(self, attempts: int, error: str) -> tuple[str, dict[str, Any]]:
        if attempts >= self._policy.max_attempts:
            return "dead", {"status": "dead", "last_error": error}
        return "retry", {
            "status": "pending",
            "next_attempt_at": self._policy.retry_at(attempts),
            "last_error": error,
        }


def _outgoing(message: Claimed) -> OutgoingMessage:
    return OutgoingMessage(
        message.id, message.kind, message.channel, message.recipient, message.locale, message.payload
    )


def _one_by_one(
    sender: Sender, messages: Iterator[OutgoingMessage]
) -> Iterator[tuple[OutgoingMessage, DeliveryResult]]:
    """For senders without `send_all`: one call per message, every exception caught as that message's result."""
    for message in messages:
        try:
            yield message, sender.send(message)
        except Exception as exc:
            yield message, exc


def _describe(exc: Exception) -> str:
    """Delivery errors are written by our senders without personal data; keep the type for anything else."""
    text = str(exc) if isinstance(exc, TransientDeliveryError | PermanentDeliveryError) else ""
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:500]
