"""The Lambda artifact answers a real request with only its runtime dependencies on the path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.packaging.lambda_package import build
from skill.services.identity.link_tokens import issue_token
from tests.alexa.driver import AlexaClient

PROBE = """
import json, sys
import lambda_function
event = json.loads(sys.stdin.read())
print(json.dumps(lambda_function.lambda_handler(event, None)))
"""


def test_lambda_zip_answers_a_launch_request(
    services: Services, demo: DemoSummary, database_url: str, tmp_path: Path
) -> None:
    artifact = build(tmp_path / "lambda.zip")
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(artifact) as archive:
        names = archive.namelist()
        archive.extractall(unpacked)
    assert "lambda_function.py" in names
    assert not any(n.startswith(("pytest/", "playwright/", "localstripe/", "ruff")) for n in names)

    token = issue_token(services.uow(), demo.email, services.clock, ttl=timedelta(days=3650))
    event = AlexaClient(send=lambda e: e, access_token=token).envelope({"type": "LaunchRequest"})
    # -S: no site-packages, so only what is inside the zip can be imported (as on Lambda).
    result = subprocess.run(
        [sys.executable, "-S", "-c", PROBE],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        cwd=unpacked,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(unpacked), "DATABASE_URL": database_url},
        timeout=300,
        check=True,
    )
    speech = json.loads(result.stdout)["response"]["outputSpeech"]["ssml"]
    assert "You have 3 open bills" in speech
