"""The Lambda artifact answers a real request with only its runtime dependencies on the path."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.packaging.lambda_package import build, platform_constraints
from skill.services.identity.link_tokens import issue_token
from tests.alexa.driver import AlexaClient

PROBE = """
import json, sys
import lambda_function
event = json.loads(sys.stdin.read())
print(json.dumps(lambda_function.lambda_handler(event, None)))
"""


GLIBC_ON_LAMBDA = (2, 26)  # python3.11 runs on Amazon Linux 2
SIZE_LIMIT_MB = 15  # zipped: Lambda takes 50 MB by direct upload; we aim far below for cold start
NOT_ON_LAMBDA = (
    "flask/",
    "gunicorn/",
    "alembic/",
    "authlib/",
    "twilio/",
    "aiohttp/",
    "jsonschema_rs/",
    "pytest/",
)


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The zip as `make lambda-package` builds it (manylinux2014 wheels at constraints.txt), and it unpacked."""
    where = tmp_path_factory.mktemp("lambda")
    built = build(where / "lambda.zip")
    with zipfile.ZipFile(built) as archive:
        archive.extractall(where / "unpacked")
    return built, where / "unpacked"


def _glibc_needed(shared_object: Path) -> tuple[int, ...]:
    dynamic = subprocess.run(
        ["objdump", "-T", str(shared_object)], capture_output=True, text=True, check=True
    ).stdout
    versions = {tuple(int(p) for p in v.split(".")) for v in re.findall(r"GLIBC_([0-9.]+[0-9])", dynamic)}
    return max(versions, default=(0,))


def test_the_zip_is_small_and_carries_only_the_skills_runtime(artifact: tuple[Path, Path]) -> None:
    built, _ = artifact
    names = zipfile.ZipFile(built).namelist()
    assert built.stat().st_size < SIZE_LIMIT_MB * 1_000_000, built.stat().st_size
    assert "lambda_function.py" in names and "skill/alexa/entry.py" in names
    assert not [n for n in names if n.startswith(NOT_ON_LAMBDA)]
    assert not [n for n in names if "__pycache__" in n]


def test_every_shared_object_runs_on_lambdas_glibc(artifact: tuple[Path, Path]) -> None:
    _, unpacked = artifact
    shared = [p for p in unpacked.rglob("*") if p.is_file() and (p.suffix == ".so" or ".so." in p.name)]
    assert shared, "psycopg's and SQLAlchemy's extensions are expected in the zip"
    too_new = {str(p.relative_to(unpacked)): v for p in shared if (v := _glibc_needed(p)) > GLIBC_ON_LAMBDA}
    assert too_new == {}


def test_the_payment_path_imports_from_the_zip_alone(artifact: tuple[Path, Path]) -> None:
    _, unpacked = artifact
    probe = (
        "import skill.alexa.entry, skill.payments.stripe_gateway, skill.services.payments.mandates,"
        " skill.services.links.payment_links, skill.domain.money as m, json;"
        " print(json.dumps([m.format_money(123456, 'EUR', l) for l in ('en-GB', 'de-DE', 'nl-NL', 'sv-SE')]))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", probe],
        capture_output=True,
        text=True,
        cwd=unpacked,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(unpacked)},
        timeout=120,
        check=True,
    )
    # Babel's pruned locale data still formats every product locale (CLDR parents included).
    assert json.loads(result.stdout) == ["€1,234.56", "1.234,56\xa0€", "€\xa01.234,56", "1\xa0234,56\xa0€"]


def test_lambda_zip_answers_a_launch_request(
    services: Services, demo: DemoSummary, database_url: str, artifact: tuple[Path, Path]
) -> None:
    _, unpacked = artifact

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
    speech = json.loads(result.stdout.splitlines()[-1])["response"]["outputSpeech"][
        "ssml"
    ]  # after its EMF line
    assert "You have 3 open bills" in speech


def test_arm64_takes_the_psycopg_release_that_still_has_manylinux2014_wheels(tmp_path: Path) -> None:
    source = tmp_path / "constraints.txt"
    source.write_text("# pins\npsycopg==3.3.9\npsycopg-binary==3.3.9\nstripe==16.1.0\n")
    arm = platform_constraints("arm64", source, tmp_path / "arm.txt").read_text().splitlines()
    assert arm == ["# pins", "psycopg==3.2.13", "psycopg-binary==3.2.13", "stripe==16.1.0"]
    assert platform_constraints("x86_64", source, tmp_path / "x86.txt").read_text() == source.read_text()
