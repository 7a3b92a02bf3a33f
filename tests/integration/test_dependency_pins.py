"""constraints.txt pins every dependency pyproject.toml names, inside the range pyproject.toml allows."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SELF = canonicalize_name(PROJECT["project"]["name"])


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for raw in (ROOT / "constraints.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep, f"constraints.txt line {raw!r} is not an exact name==version pin"
        pins[canonicalize_name(name)] = Version(version)
    return pins


def _declared() -> list[Requirement]:
    groups = [PROJECT["project"]["dependencies"], *PROJECT["project"]["optional-dependencies"].values()]
    return [
        Requirement(spec)
        for group in groups
        for spec in group
        if canonicalize_name(Requirement(spec).name) != SELF
    ]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = _pins()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is in pyproject.toml but not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject.toml's {requirement}"
        )


def test_extras_of_declared_dependencies_are_pinned_too() -> None:
    # psycopg[binary] ships its C extension as psycopg-binary: the Lambda zip needs that exact wheel.
    assert "psycopg-binary" in _pins()


def test_no_runtime_dependency_is_open_ended() -> None:
    for spec in PROJECT["project"]["dependencies"]:
        requirement = Requirement(spec)
        assert any(s.operator in ("<", "<=", "==", "~=") for s in requirement.specifier), (
            f"{requirement} has no upper bound"
        )


def test_license_is_an_spdx_expression_with_its_file() -> None:
    assert PROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert PROJECT["project"]["requires-python"] == ">=3.11,<3.12"


def test_the_lambda_extra_is_a_subset_of_the_runtime_dependencies_with_the_same_ranges() -> None:
    runtime = {
        canonicalize_name(Requirement(s).name): Requirement(s) for s in PROJECT["project"]["dependencies"]
    }
    for spec in PROJECT["project"]["optional-dependencies"]["lambda"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in runtime, f"{name} is on Lambda but not a runtime dependency"
        assert (requirement.specifier, requirement.extras) == (runtime[name].specifier, runtime[name].extras)
