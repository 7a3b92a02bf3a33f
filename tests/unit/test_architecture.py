"""Dependencies point inward: no import cycles, no import from a lower layer to a higher one.

Layers, lowest first (a module may import its own layer and the layers below it, never above):

| Layer | Packages | Why there |
|---|---|---|
| 0 | `settings`, `domain`, `observability` | Parsed settings, the pure rules, and request ids, JSON logs and metric events (stdlib; the Prometheus sink aside); they import nothing else of `skill`. |
| 1 | `storage`, `payments` | Adapters the services drive: the database, and the `PaymentGateway` port with Stripe behind it. |
| 2 | `services` | The capabilities that decide (billing, payments, links, identity, biller_api, operations). |
| 3 | `bootstrap`, `conversation` | The composition root each channel receives: channels import its `Services` and call `bootstrap()`; the channel-neutral conversation (the grammar of what customers say, per language) that channels share. |
| 4 | `alexa`, `web`, `notifications` | Channels: requests in, replies out; the outbox worker and its senders. |
| 5 | `cli`, `worker`, `demo`, `packaging` | Entry points and tools that assemble the channels. |

Every import counts: module level, inside functions (lazy), and under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "skill"
FORBIDDEN = ("sqlalchemy", "stripe", "psycopg")
LAYERS: dict[str, int] = {
    "settings": 0,
    "domain": 0,
    "observability": 0,
    "storage": 1,
    "payments": 1,
    "services": 2,
    "bootstrap": 3,
    "conversation": 3,
    "alexa": 4,
    "web": 4,
    "notifications": 4,
    "cli": 5,
    "worker": 5,
    "demo": 5,
    "packaging": 5,
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(root: Path) -> dict[str, Path]:
    """Dotted name -> file, for every module of the package at `root` (migration scripts excluded)."""
    found = {}
    for path in root.rglob("*.py"):
        if "migrations" in path.relative_to(root).parts:
            continue
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _targets(module: str, path: Path, known: Mapping[str, Path]) -> Iterator[str]:
    """The package's own modules that `module` imports, wherever the import statement sits."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    root = module.split(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from pkg import module` depends on that module; `from module import name` on the module.
            candidates = [
                f"{target}.{a.name}" if f"{target}.{a.name}" in known else target for a in node.names
            ]
        else:
            continue
        for name in candidates:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name.split(".")[0] == root and name != module:
                yield name


def import_graph(root: Path) -> dict[str, set[str]]:
    known = _modules(root)
    return {module: set(_targets(module, path, known)) for module, path in known.items()}


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted, in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def layer_of(module: str, layers: Mapping[str, int]) -> int | None:
    parts = module.split(".")
    return layers.get(parts[1]) if len(parts) > 1 else None


def upward_imports(graph: Mapping[str, set[str]], layers: Mapping[str, int]) -> list[str]:
    """'a -> b' for every import from a lower layer to a higher one, and for modules in no layer."""
    problems = []
    for module, targets in sorted(graph.items()):
        here = layer_of(module, layers)
        if here is None and "." in module:
            problems.append(f"{module} is in no layer")
        for target in sorted(targets):
            there = layer_of(target, layers)
            if here is not None and there is not None and there > here:
                problems.append(f"{module} -> {target}")
    return problems


def test_skill_has_no_import_cycles() -> None:
    assert cycles(import_graph(PACKAGE)) == []


def test_no_module_imports_a_higher_layer() -> None:
    assert upward_imports(import_graph(PACKAGE), LAYERS) == []


def test_checker_reports_a_cycle_and_an_upward_import_in_a_fake_package(tmp_path: Path) -> None:
    fake = tmp_path / "fakeapp"
    for folder in ("domain", "services", "web"):
        (fake / folder).mkdir(parents=True)
        (fake / folder / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "domain" / "money.py").write_text(
        "def f():\n    from ..services import ledger  # lazy, still counted\n"
    )
    (fake / "services" / "ledger.py").write_text("from . import bills\nfrom ..domain.money import f\n")
    (fake / "services" / "bills.py").write_text("import fakeapp.services.ledger\n")
    (fake / "web" / "views.py").write_text("from fakeapp.services.bills import x\n")
    graph = import_graph(fake)
    assert cycles(graph) == [["fakeapp.domain.money", "fakeapp.services.bills", "fakeapp.services.ledger"]]
    assert upward_imports(graph, {"domain": 0, "services": 1, "web": 2}) == [
        "fakeapp.domain.money -> fakeapp.services.ledger"
    ]


def test_every_service_module_sits_in_a_capability_package() -> None:
    loose = sorted(p.name for p in (PACKAGE / "services").glob("*.py") if p.name != "__init__.py")
    assert loose == []


@pytest.mark.parametrize("area", ["alexa", "web"])
def test_entrypoints_do_not_import_storage_or_provider_libraries(area: str) -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(n for n in _imports(path) if n.split(".")[0] in FORBIDDEN)
        for path in (PACKAGE / area).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_services_do_not_import_sqlalchemy_or_provider_libraries() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(n for n in _imports(path) if n.split(".")[0] in FORBIDDEN)
        for path in (PACKAGE / "services").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_domain_is_pure_python() -> None:
    for path in (PACKAGE / "domain").rglob("*.py"):
        third_party = {n for n in _imports(path) if n.split(".")[0] in (*FORBIDDEN, "flask", "ask_sdk_core")}
        assert not third_party, path


# Channels call the services bound by bootstrap(): they never hand over the unit of work, the clock or the
# gateway (reading services.clock.now() for display is fine: that passes a time, not the clock).
HANDED = ("uow", "clock", "gateway")
CHANNELS = ("alexa", "web", "notifications")


def handed_dependencies(source: str) -> list[str]:
    """'line: expression' for each call argument that is `<x>.uow()`, `<x>.uow`, `<x>.clock` or `<x>.gateway`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        for arg in [*node.args, *(keyword.value for keyword in node.keywords)]:
            inner = arg.func if isinstance(arg, ast.Call) else arg
            handed = isinstance(inner, ast.Attribute) and (
                inner.attr == "uow" if isinstance(arg, ast.Call) else inner.attr in HANDED
            )
            if handed:
                found.append(f"{arg.lineno}: {ast.unparse(arg)}")
    return found


def test_channels_never_hand_the_unit_of_work_clock_or_gateway_to_a_call() -> None:
    paths = [PACKAGE / "cli.py", *(path for area in CHANNELS for path in (PACKAGE / area).rglob("*.py"))]
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in paths
        if (found := handed_dependencies(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_handed_dependencies_finds_each_form_and_allows_reading_the_time() -> None:
    source = (
        "list_outstanding(services.uow(), customer_id, services.clock)\n"
        "pay(turn.services.uow, gateway=turn.services.gateway)\n"
        "services.billing.list_outstanding(customer_id)\n"
        "sign_in(customer_id, proven_at=services.clock.now())\n"
    )
    assert handed_dependencies(source) == [
        "1: services.uow()",
        "1: services.clock",
        "2: turn.services.uow",
        "2: turn.services.gateway",
    ]
