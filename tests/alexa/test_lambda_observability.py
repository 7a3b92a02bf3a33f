"""On Lambda: one EMF line per turn on stdout, JSON log lines, and no prometheus-client on the cold-start path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.services.identity.link_tokens import issue_token
from tests.alexa.driver import AlexaClient

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, logging, sys
sys.path.insert(0, "lambda")
import lambda_function
event = json.loads(sys.stdin.read())
lambda_function.lambda_handler(event, None)
logging.getLogger("skill.alexa").info("after the turn")
print(json.dumps({"modules": sorted(sys.modules)}))
"""


def test_a_lambda_turn_writes_an_emf_line_and_json_logs_with_the_alexa_request_id(
    services: Services, demo: DemoSummary, database_url: str
) -> None:
    token = issue_token(services.uow(), demo.email, services.clock, ttl=timedelta(days=3650))
    event = AlexaClient(send=lambda e: e, access_token=token).envelope(
        {"type": "LaunchRequest"}, request_id="amzn1.echo-api.request.lambda-1"
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        timeout=120,
        check=True,
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    emf = [line for line in lines if "_aws" in line]
    assert len(emf) == 1
    (turn,) = emf
    directive = turn["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "billpay"
    assert directive["Metrics"] == [{"Name": "Turns", "Unit": "Count"}]
    assert directive["Dimensions"] == [["intent", "outcome"]]
    assert (turn["intent"], turn["outcome"], turn["Turns"]) == ("LaunchRequest", "ok", 1)
    assert isinstance(turn["_aws"]["Timestamp"], int)
    logged = [json.loads(line) for line in result.stderr.splitlines()]
    after = next(line for line in logged if line["message"] == "after the turn")
    assert after["request_id"] == "amzn1.echo-api.request.lambda-1"
    assert {"time", "level", "logger"} <= set(after)
    assert "prometheus_client" not in lines[-1]["modules"]
