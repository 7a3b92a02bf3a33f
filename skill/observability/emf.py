"""CloudWatch embedded metric format (EMF) on Lambda: one JSON line per metric event on stdout, which
CloudWatch Logs turns into metrics. No library, no client, nothing sent over the network at all.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
Why not Powertools' Metrics: bench/results/lambda_observability.md (cold-start import cost).
"""

from __future__ import annotations

import json
import sys
import time
from typing import IO

NAMESPACE = "billpay"


class EmfSink:
    def __init__(self, stream: IO[str] | None = None, namespace: str = NAMESPACE) -> None:
        self._stream = stream
        self._namespace = namespace

    def turn(self, intent: str, outcome: str) -> None:
        self._emit("Turns", 1, "Count", {"intent": intent, "outcome": outcome})

    def payment(self, channel: str, outcome: str) -> None:
        self._emit("Payments", 1, "Count", {"channel": channel, "outcome": outcome})

    def webhook_delivery(self, seconds: float, outcome: str) -> None:
        self._emit("WebhookDeliverySeconds", seconds, "Seconds", {"outcome": outcome})

    def _emit(self, name: str, value: float, unit: str, dimensions: dict[str, str]) -> None:
        line = {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": self._namespace,
                        "Dimensions": [list(dimensions)],
                        "Metrics": [{"Name": name, "Unit": unit}],
                    }
                ],
            },
            **dimensions,
            name: value,
        }
        stream = self._stream or sys.stdout
        stream.write(json.dumps(line, separators=(",", ":")) + "\n")
        stream.flush()
