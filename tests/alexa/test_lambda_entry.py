"""The Lambda entry point answers a real request and keeps the cold start free of what it does not need."""

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
import json, sys
sys.path.insert(0, "lambda")
import lambda_function
event = json.loads(sys.stdin.read())
response = lambda_function.lambda_handler(event, None)
print(json.dumps({"response": response, "modules": sorted(sys.modules)}))
"""


def test_lambda_handler_answers_launch_without_importing_stripe_or_flask(
    services: Services, demo: DemoSummary, database_url: str
) -> None:
    # The Lambda process runs on the real clock, so its token must outlive the test's fixed clock.
    token = issue_token(services.uow(), demo.email, services.clock, ttl=timedelta(days=3650))
    event = AlexaClient(send=lambda e: e, access_token=token).envelope({"type": "LaunchRequest"})
    env = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    out = json.loads(result.stdout.splitlines()[-1])  # after the turn's EMF metric line
    assert "You have 3 open bills" in out["response"]["response"]["outputSpeech"]["ssml"]
    loaded = set(out["modules"])
    assert not {"stripe", "flask", "werkzeug", "twilio", "authlib", "alembic"} & loaded


def test_on_lambda_without_a_database_url_the_cold_start_fails_with_one_clear_line() -> None:
    """Lambda's file system is read-only: the SQLite default cannot work there, and saying so once beats
    answering every turn "something went wrong"."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["AWS_LAMBDA_FUNCTION_NAME"] = "billpay-skill"
    event = AlexaClient(send=lambda e: e).envelope({"type": "LaunchRequest"})
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "the skill cannot start: DATABASE_URL must be a PostgreSQL URL on AWS Lambda" in result.stderr
