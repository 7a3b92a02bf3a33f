"""Idempotency-Key for the biller API's POSTs: the first request runs, a retry with the same key gets its answer.

A key is held while its first request runs (a concurrent retry gets 409), its successful response is kept for
24 hours, and a failed request releases the key so the client may try again. Keys are scoped to the biller.

A value shown only once (a webhook's signing secret) is never stored for replay: the kept answer lacks it, so a
replay answers without it and the database holds the secret in one place only (docs/api.md, docs/security.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from ...domain.clock import Clock
from ...domain.errors import Conflict, InvalidInput
from ...storage.uow import UnitOfWork

KEEP_FOR = timedelta(hours=24)
# Top-level response fields shown once and left out of the stored answer (createWebhook's `secret`).
SHOWN_ONCE = frozenset({"secret"})


class IdempotencyKeyInUse(Conflict):
    code = "idempotency_key_in_use"


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: str


def begin(
    uow: UnitOfWork, biller_id: int, key: str, request_hash: str, clock: Clock
) -> StoredResponse | None:
    """None: this request holds the key and runs. A StoredResponse: the answer to replay."""
    if not key or len(key) > 255 or not key.isprintable():
        raise InvalidInput("Idempotency-Key must be 1 to 255 printable characters", field="Idempotency-Key")
    now = clock.now()
    with uow:
        uow.idempotency.forget(biller_id, key, created_before=now - KEEP_FOR)
        if uow.idempotency.claim(biller_id, key, request_hash, now):
            uow.commit()
            return None
        row = uow.idempotency.get(biller_id, key)
        assert row is not None
        if row.request_hash != request_hash:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used for a different request", field="Idempotency-Key"
            )
        if row.status_code is None or row.response_body is None:
            raise IdempotencyKeyInUse("a request with this Idempotency-Key is still running")
        return StoredResponse(row.status_code, row.response_body)


def finish(uow: UnitOfWork, biller_id: int, key: str, response: StoredResponse) -> None:
    """Keep the answer for replays, without the fields in SHOWN_ONCE."""
    with uow:
        row = uow.idempotency.get(biller_id, key)
        if row is not None:
            row.status_code, row.response_body = response.status_code, replayable(response.body)
            uow.commit()


def replayable(body: str) -> str:
    """The JSON answer as it may be stored and replayed: with no value that is shown only once."""
    try:
        payload = json.loads(body) if body else None
    except (ValueError, RecursionError):
        return body
    if not isinstance(payload, dict) or not SHOWN_ONCE & payload.keys():
        return body
    kept = {name: value for name, value in payload.items() if name not in SHOWN_ONCE}
    return json.dumps(kept, separators=(",", ":"))


def release(uow: UnitOfWork, biller_id: int, key: str) -> None:
    with uow:
        uow.idempotency.forget(biller_id, key)
        uow.commit()
