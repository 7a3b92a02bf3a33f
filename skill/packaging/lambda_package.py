"""Build the AWS Lambda artifact: the skill's code, the voice path's runtime dependencies for Lambda, and the handler.

    python -m skill.packaging.lambda_package --out dist/lambda.zip [--arch x86_64|arm64]

Wheels are resolved for Lambda, not for this machine: the python3.11 runtime runs on Amazon Linux 2 (glibc 2.26),
so only manylinux2014 wheels are taken (`--platform ... --only-binary=:all:`), at the versions of constraints.txt.
Only the `lambda` extra of pyproject.toml goes in (the skill, payments and the database driver): Flask, gunicorn,
Alembic, Authlib, Twilio and the test tools are the web service's, not the skill's. Babel keeps the locale data of
the product's locales only. Deploy with handler `lambda_function.lambda_handler` (docs/deploy.md).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
# Pins that differ on a platform because the newer release has no manylinux2014 wheel there (docs/deploy.md).
PLATFORM_PINS = {"arm64": {"psycopg": "3.2.13", "psycopg-binary": "3.2.13"}}
# Babel's locale data: the product's locales and their CLDR parents (en_GB -> en_001 -> en -> root).
BABEL_LOCALES = (
    "root",
    "en",
    "en_001",
    "en_150",
    "en_US",
    "en_GB",
    "de",
    "de_DE",
    "nl",
    "nl_NL",
    "sv",
    "sv_SE",
)
_SKIP_PARTS = {"__pycache__", "tests", "test"}


def lambda_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The `lambda` extra: what the voice path imports on Lambda."""
    project = tomllib.loads(pyproject.read_text("utf-8"))["project"]
    requirements: list[str] = project["optional-dependencies"]["lambda"]
    return requirements


def platform_constraints(arch: str, source: Path, out: Path) -> Path:
    """constraints.txt with this platform's own pins in place of the shared ones."""
    overrides = PLATFORM_PINS.get(arch, {})
    lines = []
    for line in source.read_text("utf-8").splitlines():
        name = line.split("==", 1)[0].strip().lower()
        lines.append(f"{name}=={overrides[name]}" if name in overrides else line)
    out.write_text("\n".join(lines) + "\n", "utf-8")
    return out


def install_dependencies(target: Path, arch: str, constraints: Path = ROOT / "constraints.txt") -> None:
    constraints = platform_constraints(arch, constraints, target.parent / "constraints.txt")
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--target",
        str(target),
        "--platform",
        PLATFORMS[arch],
        "--implementation",
        "cp",
        "--python-version",
        "3.11",
        "--only-binary=:all:",
        "-c",
        str(constraints),
        *lambda_requirements(),
    ]
    subprocess.run(command, check=True)


def _prune(target: Path) -> None:
    """Drop what the runtime never reads: bytecode caches, bundled test suites, other locales' Babel data."""
    for path in sorted(target.rglob("*"), reverse=True):
        if path.is_dir() and path.name in _SKIP_PARTS:
            shutil.rmtree(path, ignore_errors=True)
    locale_data = target / "babel" / "locale-data"
    if locale_data.is_dir():
        for data in locale_data.glob("*.dat"):
            if data.stem not in BABEL_LOCALES:
                data.unlink()


def _copy_skill(target: Path) -> None:
    shutil.copytree(
        ROOT / "skill",
        target / "skill",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    shutil.copy(ROOT / "lambda" / "lambda_function.py", target / "lambda_function.py")


def build(out: Path, *, arch: str = "x86_64") -> Path:
    if arch not in PLATFORMS:
        raise ValueError(f"arch must be one of {', '.join(PLATFORMS)}")
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "lambda"
        install_dependencies(target, arch)
        _prune(target)
        _copy_skill(target)
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for path in sorted(target.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(target))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description="Build the AWS Lambda zip")
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "lambda.zip")
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="x86_64")
    args = parser.parse_args()
    path = build(args.out, arch=args.arch)
    unpacked = sum(info.file_size for info in zipfile.ZipFile(path).infolist())
    print(
        f"{path}: {path.stat().st_size / 1e6:.1f} MB zipped, {unpacked / 1e6:.1f} MB unpacked "
        f"({args.arch}); handler lambda_function.lambda_handler"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
