"""Dependencies point inward: handlers and views never talk to SQLAlchemy or Stripe directly."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "skill"
FORBIDDEN = ("sqlalchemy", "stripe", "psycopg")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("area", ["alexa", "web"])
def test_entrypoints_do_not_import_storage_or_provider_libraries(area: str) -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(n for n in _imports(path) if n.split(".")[0] in FORBIDDEN)
        for path in (PACKAGE / area).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_domain_is_pure_python() -> None:
    for path in (PACKAGE / "domain").rglob("*.py"):
        third_party = {n for n in _imports(path) if n.split(".")[0] in (*FORBIDDEN, "flask", "ask_sdk_core")}
        assert not third_party, path
