"""The scale run: voice turns and the biller API's invoice list at 1M invoices against 1k, on PostgreSQL.

Usage: python bench/scale.py [--admin-url URL] [--regenerate] [--rounds 60] [--out bench/results/scale.json]

Two databases made by bench/generate.py (100k customers / 1M invoices, and 100 / 1k), migrated to head here so a
new index is measured as soon as it exists. Turns alternate between the two databases round by round, so a noisy
neighbour slows both alike; a ratio is the 1M p50 over the 1k p50. Each API list query is also EXPLAINed
(ANALYZE, BUFFERS) as the endpoint sends it, and the plan's scans are recorded.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import ADMIN_URL, bench_services, database_url, generate, vacuum_analyze  # noqa: E402

SIZES = {"1k": ("bench_scale_1k", 100), "1m": ("bench_scale_1m", 100_000)}
VOICE_RATIO_GOAL = 1.2
LIST_GOAL_MS = 20.0
BY_INDEX = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}
SCAN_FIELDS = (
    "Node Type",
    "Relation Name",
    "Index Name",
    "Actual Rows",
    "Actual Loops",
    "Rows Removed by Filter",
)
PAGE_QUERY = "FROM invoices JOIN customer_accounts"  # the list's page query, among a request's statements
SAMPLE_CUSTOMER = 50  # a generated customer present at both sizes (accounts at two billers)


def prepare(admin_url: str, regenerate: bool, var_dir: Path) -> dict[str, dict[str, Any]]:
    """Generate what is missing (or everything with --regenerate) and migrate both databases to head."""
    from sqlalchemy import create_engine, text

    from skill.storage.migrate import current_revision, upgrade

    admin = create_engine(admin_url)
    with admin.connect() as conn:
        existing = set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
    admin.dispose()
    made: dict[str, dict[str, Any]] = {}
    for size, (name, customers) in SIZES.items():
        if regenerate or name not in existing:
            made[size] = generate(admin_url, name, customers, var_dir)
        url = database_url(admin_url, name)
        services = bench_services(url, var_dir)
        try:
            before = current_revision(services.engine)
            upgrade(services.engine)
            if current_revision(services.engine) != before:
                vacuum_analyze(url)  # a new index: statistics for the planner, as after autovacuum
        finally:
            services.dispose()
    return made


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


class Size:
    """One database of the run: its services, a voice client per customer, and a biller API client."""

    def __init__(self, name: str, url: str, var_dir: Path) -> None:
        from skill.alexa.entry import dispatch
        from skill.services.biller_api.keys import issue_api_key
        from skill.services.identity.link_tokens import issue_token
        from skill.web import create_app
        from tests.alexa.driver import AlexaClient

        self.name = name
        self.services = bench_services(url, var_dir)
        clock, uow = self.services.clock, self.services.uow
        self.voice = {
            who: AlexaClient(
                send=lambda e: dispatch(self.services, e),
                access_token=issue_token(uow(), email, clock, ttl=timedelta(hours=2)),
            )
            for who, email in (
                ("demo", "alex@example.com"),
                ("generated", f"c{SAMPLE_CUSTOMER:07d}@bench.example"),
            )
        }
        self.api_key = issue_api_key(uow(), "northwind-energy", clock, label="bench").key
        self.http = create_app(services=self.services).test_client()
        with uow() as u:
            biller = u.billers.by_slug("northwind-energy")
            account = (
                u.customers.account_by_number(biller.id, f"BA-{SAMPLE_CUSTOMER:07d}") if biller else None
            )
            self.sample_account_id = account.id if account else 0
            self.middle_invoice_id = u.session.execute(_middle_id_sql()).scalar_one()

    def turn(self, who: str, kind: str) -> float:
        client = self.voice[who]
        start = time.perf_counter()
        if kind == "launch":
            client.launch()
        else:
            client.intent("ListBillsIntent")
        return (time.perf_counter() - start) * 1000

    def list_invoices(self, query: str) -> tuple[float, int]:
        start = time.perf_counter()
        response = self.http.get(
            f"/api/v1/invoices?{query}", headers={"Authorization": f"Bearer {self.api_key}"}
        )
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{query}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        return elapsed, len(response.json["data"])  # type: ignore[index]


def _middle_id_sql() -> Any:
    from sqlalchemy import text

    return text("SELECT COALESCE(percentile_disc(0.5) WITHIN GROUP (ORDER BY id), 0) FROM invoices")


def cursor_after(invoice_id: int) -> str:
    """The list endpoint's opaque cursor (skill/web/api/invoices.py): base64url of `v1:<last id>`."""
    return base64.urlsafe_b64encode(f"v1:{invoice_id}".encode()).decode().rstrip("=")


def list_queries(size: Size, today: Any) -> dict[str, str]:
    month_ago = today - timedelta(days=95)
    due = f"due_from={month_ago.isoformat()}&due_to={(month_ago + timedelta(days=30)).isoformat()}"
    middle = cursor_after(size.middle_invoice_id)
    return {
        "first page": "limit=50",
        "status=partially_paid": "status=partially_paid",
        "status=open": "status=open",
        "status=paid": "status=paid",
        "customer_id": f"customer_id={size.sample_account_id}",
        "customer_id+status=paid": f"customer_id={size.sample_account_id}&status=paid",
        "due range (30 days)": due,
        "status=paid+due range": f"status=paid&{due}",
        "status=partially_paid+due range": f"status=partially_paid&{due}",
        "due range (365 days)": f"due_from={(today - timedelta(days=365)).isoformat()}&due_to={today.isoformat()}",
        "page in the middle": f"cursor={middle}",
        "status=partially_paid, page in the middle": f"status=partially_paid&cursor={middle}",
    }


@contextmanager
def captured_statements(engine: Any) -> Iterator[list[tuple[str, Any, float]]]:
    """Every statement the engine sends inside the block, with its parameters and its time in ms."""
    from sqlalchemy import event

    seen: list[tuple[str, Any, float]] = []
    started: list[float] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        started.append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append((statement, parameters, (time.perf_counter() - started.pop()) * 1000))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def page_statement(size: Size, query: str) -> tuple[str, Any, float]:
    with captured_statements(size.services.engine) as seen:
        size.list_invoices(query)
    pages = [s for s in seen if PAGE_QUERY in s[0]]
    if len(pages) != 1:
        raise RuntimeError(f"expected one page query for {query!r}, saw {len(pages)}")
    return pages[0]


def explain(size: Size, statement: str, parameters: Any) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of the page query: its plan text, its time and the scans it ran."""
    raw = size.services.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters)
            [plan] = cursor.fetchone()[0]
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) " + statement, parameters)
            text = [row[0] for row in cursor.fetchall()]
        raw.rollback()
    finally:
        raw.close()
    scans = [
        {k: node.get(k) for k in SCAN_FIELDS} for node in _nodes(plan["Plan"]) if "Scan" in node["Node Type"]
    ]
    invoice_scans = [s for s in scans if s["Relation Name"] == "invoices"]
    return {
        "execution_ms": plan["Execution Time"],
        "scans": scans,
        # Index scans, index-only scans, or a bitmap heap scan fed by a bitmap index scan: never a Seq Scan.
        "invoices_by_index": bool(invoice_scans) and all(s["Node Type"] in BY_INDEX for s in invoice_scans),
        # Index entries (or rows) of invoices the plan read, kept or filtered out: what a page costs. EXPLAIN
        # gives both per loop (a LATERAL probe runs once a day of a due range).
        "invoice_rows_read": round(
            sum(
                ((s["Actual Rows"] or 0) + (s["Rows Removed by Filter"] or 0)) * s["Actual Loops"]
                for s in invoice_scans
            )
        ),
        "plan": text,
    }


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def interleaved(
    sizes: list[Size], rounds: int, measure: Callable[[Size], dict[str, float]]
) -> dict[str, Any]:
    """`measure` on every size each round, the order alternating; samples per size and name."""
    samples: dict[str, dict[str, list[float]]] = {s.name: {} for s in sizes}
    for round_no in range(rounds):
        for size in sizes if round_no % 2 == 0 else list(reversed(sizes)):
            for name, ms in measure(size).items():
                samples[size.name].setdefault(name, []).append(ms)
    return samples


def run(admin_url: str, regenerate: bool, rounds: int, var_dir: Path) -> dict[str, Any]:
    generated = prepare(admin_url, regenerate, var_dir)
    sizes = [Size(size, database_url(admin_url, name), var_dir) for size, (name, _) in SIZES.items()]
    try:
        for size in sizes:  # warm the skill, the connection pool and the caches
            for who in size.voice:
                size.turn(who, "launch"), size.turn(who, "list")

        def voice(size: Size) -> dict[str, float]:
            return {
                f"{who} {kind}": size.turn(who, kind) for who in size.voice for kind in ("launch", "list")
            }

        voice_samples = interleaved(sizes, rounds, voice)
        today = sizes[0].services.clock.today()
        queries = {s.name: list_queries(s, today) for s in sizes}
        for size in sizes:
            for query in queries[size.name].values():
                size.list_invoices(query)

        def listing(size: Size) -> dict[str, float]:
            """Each query's request time, and its page query's time as the app ran it (name + " sql")."""
            timed = {}
            for name, query in queries[size.name].items():
                with captured_statements(size.services.engine) as seen:
                    timed[name] = size.list_invoices(query)[0]
                timed[f"{name} sql"] = sum(ms for sql, _params, ms in seen if PAGE_QUERY in sql)
            return timed

        list_samples = interleaved(sizes, max(10, rounds // 3), listing)
        big = sizes[-1]
        plans = {}
        for name, query in queries[big.name].items():
            statement, parameters, _ms = page_statement(big, query)
            plans[name] = {
                "query": query,
                "rows": big.list_invoices(query)[1],
                **explain(big, statement, parameters),
            }
    finally:
        for size in sizes:
            size.services.dispose()
    return report(generated, voice_samples, list_samples, plans, rounds)


def report(
    generated: dict[str, Any],
    voice: dict[str, dict[str, list[float]]],
    listing: dict[str, dict[str, list[float]]],
    plans: dict[str, Any],
    rounds: int,
) -> dict[str, Any]:
    def table(samples: dict[str, dict[str, list[float]]]) -> dict[str, Any]:
        return {
            name: {
                "p50_1k_ms": round(p50(samples["1k"][name]), 2),
                "p50_1m_ms": round(p50(samples["1m"][name]), 2),
                "ratio": round(p50(samples["1m"][name]) / p50(samples["1k"][name]), 3),
            }
            for name in samples["1m"]
        }

    voice_table, every = table(voice), table(listing)
    list_table = {name: row for name, row in every.items() if name in plans}
    for name, row in list_table.items():
        sql = every[f"{name} sql"]
        row["sql_p50_1k_ms"], row["sql_p50_1m_ms"] = sql["p50_1k_ms"], sql["p50_1m_ms"]
        row["explain_analyze_1m_ms"] = round(plans[name]["execution_ms"], 3)
    missed = [f"voice {n}: {r['ratio']}x" for n, r in voice_table.items() if r["ratio"] > VOICE_RATIO_GOAL]
    # The goal is on the page query at 1M for every filter, and on the whole request for the issue's own example
    # (the rest of a request, ORM rows and JSON, costs the same at 1k: compare p50_1k_ms).
    missed += [
        f"list {n}: page query {r['sql_p50_1m_ms']} ms"
        for n, r in list_table.items()
        if r["sql_p50_1m_ms"] > LIST_GOAL_MS
    ]
    example = list_table["status=partially_paid"]["p50_1m_ms"]
    missed += [f"GET /invoices?status=partially_paid: {example} ms"] if example > LIST_GOAL_MS else []
    missed += [f"list {n}: not by index" for n, p in plans.items() if not p["invoices_by_index"]]
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "rounds": rounds,
        "generated": generated,
        "goals": {
            "voice_ratio_max": VOICE_RATIO_GOAL,
            "list_page_query_p50_1m_ms_max": LIST_GOAL_MS,
            "status=partially_paid_request_p50_1m_ms_max": LIST_GOAL_MS,
        },
        "voice": voice_table,
        "api_list": list_table,
        "plans_1m": plans,
        "missed": missed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--regenerate", action="store_true", help="make both databases again first")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = run(args.admin_url, args.regenerate, args.rounds, args.var_dir)
    print(json.dumps({k: v for k, v in result.items() if k != "plans_1m"}, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 1 if result["missed"] else 0


if __name__ == "__main__":
    sys.exit(main())
