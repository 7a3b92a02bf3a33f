"""The Prometheus counters behind the metric events, for the web service and the outbox worker.

Never imported on the Lambda path (skill/observability/emf.py is Lambda's sink). Under prometheus-client's
multiprocess mode (PROMETHEUS_MULTIPROC_DIR set before this import) each process writes its own file and a
scrape adds them up.
"""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram

from . import metrics

TURNS = Counter("billpay_skill_turns", "Alexa skill turns answered", ["intent", "outcome"])
PAYMENTS = Counter("billpay_payments", "Payment attempts that reached an outcome", ["channel", "outcome"])
WEBHOOK_SECONDS = Histogram(
    "billpay_webhook_delivery_seconds",
    "Time to deliver one biller webhook (the HTTP call)",
    ["outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class PrometheusSink:
    def turn(self, intent: str, outcome: str) -> None:
        TURNS.labels(intent, outcome).inc()

    def payment(self, channel: str, outcome: str) -> None:
        PAYMENTS.labels(channel, outcome).inc()

    def webhook_delivery(self, seconds: float, outcome: str) -> None:
        WEBHOOK_SECONDS.labels(outcome).observe(seconds)


def install_prometheus() -> None:
    metrics.install(PrometheusSink())


def process_registry() -> CollectorRegistry:
    """What to expose: every process's counters in multiprocess mode, this process's otherwise."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def serve_metrics(port: int, host: str = "0.0.0.0") -> None:  # noqa: S104 (a scrape port, like the web's)
    """A background /metrics server for a process without a web app (`billpay worker --metrics-port`)."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=host, registry=process_registry())
