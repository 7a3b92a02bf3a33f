"""Outbox retention: finished messages older than OUTBOX_RETENTION_DAYS are deleted, or kept without personal data.

A `sent` message without a dedupe key is deleted: nothing refers to it, and a queue table that only grows makes
every delivery, backup and vacuum slower. A `sent` message with a dedupe key, and every `dead` one, is redacted
instead (recipient and personal payload dropped) and kept: the key is what stops a second enqueue of the same
message (a receipt, a sign-in code's message) from sending it twice, and a dead letter is the record an operator
looks at. Only `sent` and `dead` rows are touched. A `pending` or `sending` row still needs its recipient to be
delivered or reconciled (docs/notifications.md); a retry that is in flight is never purged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from ..storage.uow import UnitOfWork

log = logging.getLogger(__name__)

PURGED = "[purged]"  # the recipient of a message past retention that is kept
# Payload fields that are references, not personal data: they survive the purge.
KEPT_PAYLOAD_KEYS = frozenset({"link_id", "attempt_id", "endpoint_id", "event_id", "event_type"})
BATCH = 500  # rows per transaction, so a first purge of a large outbox never holds long locks
PURGE_EVERY = timedelta(hours=1)  # how often a running worker purges


def purge_expired(uow: Callable[[], UnitOfWork], *, now: datetime, retention: timedelta) -> int:
    """Delete or redact every finished message queued before `now - retention`; returns how many. Idempotent."""
    cutoff = now - retention
    deleted = redacted = 0
    while True:
        with uow() as work:
            rows = work.outbox.finished_before(cutoff, limit=BATCH)
            gone = [row.id for row in rows if row.status == "sent" and row.dedupe_key is None]
            for row in rows:
                if row.status != "sent" or row.dedupe_key is not None:
                    row.recipient = PURGED
                    row.payload = {k: v for k, v in (row.payload or {}).items() if k in KEPT_PAYLOAD_KEYS}
            work.outbox.delete(gone)
            work.commit()
        deleted += len(gone)
        redacted += len(rows) - len(gone)
        if len(rows) < BATCH:
            break
    if deleted or redacted:
        log.info("outbox purge: past retention, %d messages deleted and %d redacted", deleted, redacted)
    return deleted + redacted
