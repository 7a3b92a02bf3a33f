"""GET /metrics for Prometheus: skill turns, payments and biller-webhook latency (counted in-process, see
skill/observability/prometheus.py), and the outbox's depth, lag and dead letters, read from the database at
each scrape so that every replica reports the same. docs/operations.md lists them."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ..observability.prometheus import process_registry
from .app_services import current_services

bp = Blueprint("metrics", __name__)


class OutboxCollector(Collector):
    """The outbox as the database sees it now: pending and dead messages per channel, age of the oldest due."""

    def collect(self) -> Iterator[Metric]:
        stats = current_services().operations.outbox_stats()
        pending = GaugeMetricFamily(
            "billpay_outbox_pending", "Messages waiting or being sent", labels=["channel"]
        )
        for channel, count in sorted(stats.pending_by_channel.items()):
            pending.add_metric([channel], count)
        dead = GaugeMetricFamily("billpay_outbox_dead", "Dead-lettered messages", labels=["channel"])
        for channel, count in sorted(stats.dead_by_channel.items()):
            dead.add_metric([channel], count)
        lag = GaugeMetricFamily("billpay_outbox_lag_seconds", "Age of the oldest due message (0: none due)")
        lag.add_metric([], stats.lag_seconds)
        yield from (pending, dead, lag)


@bp.get("/metrics")
def scrape() -> Response:
    outbox = CollectorRegistry()
    outbox.register(OutboxCollector())
    body = generate_latest(process_registry()) + generate_latest(outbox)
    return Response(body, mimetype="text/plain; version=0.0.4; charset=utf-8")
