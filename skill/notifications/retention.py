"""Outbox retention: finished messages older than OUTBOX_RETENTION_DAYS keep no recipient and no personal payload.

Rows are redacted, never deleted: a row's `dedupe_key` is what stops a second enqueue of the same message from
sending it twice, and its ids, kind, channel, status and times remain as the record that something was sent.
Only `sent` and `dead` rows are touched. A `pending` or `sending` row still needs its recipient to be delivered
or reconciled (docs/notifications.md); a retry that is in flight is never purged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from ..storage.uow import UnitOfWork

log = logging.getLogger(__name__)

PURGED = "[purged]"  # the recipient of a message past retention
FINISHED = ("sent", "dead")
# Payload fields that are references, not personal data: they survive the purge.
KEPT_PAYLOAD_KEYS = frozenset({"link_id", "attempt_id", "endpoint_id", "event_id", "event_type"})
BATCH = 500  # rows per transaction, so a first purge of a large outbox never holds long locks
PURGE_EVERY = timedelta(hours=1)  # how often a running worker purges


def purge_expired(uow: Callable[[], UnitOfWork], *, now: datetime, retention: timedelta) -> int:
    """Redact every finished message queued before `now - retention`; returns how many. Idempotent."""
    cutoff = now - retention
    purged = 0
    while True:
        with uow() as work:
            rows = work.outbox.finished_before(cutoff, statuses=FINISHED, recipient_not=PURGED, limit=BATCH)
            for row in rows:
                row.recipient = PURGED
                row.payload = {k: v for k, v in (row.payload or {}).items() if k in KEPT_PAYLOAD_KEYS}
            work.commit()
        purged += len(rows)
        if len(rows) < BATCH:
            break
    if purged:
        log.info("outbox purge: %d messages past retention redacted", purged)
    return purged
