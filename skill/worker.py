"""`billpay worker`: run one or more outbox workers in this process until SIGTERM/SIGINT (or, with --once, idle).

It sits above services and notifications: it hands the webhook sender the biller API's signing secrets, so
notifications/ never imports services/.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from types import FrameType
from typing import Any

from .bootstrap import Services
from .notifications.channels import build_senders, describe
from .notifications.senders import Sender
from .notifications.webhook import WebhookSender
from .notifications.worker import OutboxWorker

log = logging.getLogger("skill.notifications.worker")


def run_workers(
    services: Services,
    *,
    once: bool,
    batch: int,
    concurrency: int,
    senders: Mapping[str, Sender] | None = None,
) -> Counter[str]:
    """Each thread is an independent claimer with its own worker id; they share the engine and the senders."""
    if senders is None:
        senders = build_senders(services.settings, extra={"webhook": webhook_sender(services)})
    stop = threading.Event()
    previous = _stop_on_signals(stop)
    # One claimer per process also purges messages past retention (OUTBOX_RETENTION_DAYS).
    workers = [
        OutboxWorker(services.uow, senders, services.clock, services.settings.notify, purge=i == 0)
        for i in range(concurrency)
    ]
    log.info("worker starting: %s; ids %s", describe(senders), ", ".join(w.worker_id for w in workers))
    totals: Counter[str] = Counter()
    lock = threading.Lock()

    def work(worker: OutboxWorker) -> None:
        outcomes = worker.run(batch=batch, once=once, stop=stop)
        with lock:
            totals.update(outcomes)

    threads = [threading.Thread(target=work, args=(w,), name=f"outbox-{i}") for i, w in enumerate(workers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("worker stopped: %s", dict(totals))
    return totals


def purge_outbox(services: Services, *, retention: timedelta) -> int:
    """Delete or redact sent and dead messages older than `retention` (billpay outbox purge), on the services' clock."""
    from .notifications.retention import purge_expired

    return purge_expired(services.uow, now=services.clock.now(), retention=retention)


def webhook_sender(services: Services) -> WebhookSender:
    """The `webhook` channel, reading each endpoint's signing secret in its own unit of work."""
    return WebhookSender(
        services.biller_api.signing_secret,
        services.clock,
        allow_private=services.settings.webhooks_allow_insecure,
    )


def _stop_on_signals(stop: threading.Event) -> dict[int, Any]:
    """Finish the message in hand, give back the rest of the batch, exit. Returns the handlers it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    return {signum: signal.signal(signum, handler) for signum in (signal.SIGTERM, signal.SIGINT)}
