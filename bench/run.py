"""Benchmarks: Alexa cold start, warm skill turns, and money writes. Targets live here, never in tests.

Usage: python bench/run.py [--database-url URL] [--bills N] [--rounds N] [--out bench/results/NAME.json]
       python bench/run.py ingestion|scale|delivery [options]   (PostgreSQL; see bench/README.md)
Exit status 1 when a target is missed, so CI or a release check can use it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS_MS = {
    "cold_start_first_launch": 1500.0,  # import + settings + services + first LaunchRequest, in a new process
    "warm_launch_p95": 60.0,
    "warm_list_bills_p95": 60.0,
    "warm_pay_confirm_p95": 80.0,
    "record_payment_p95": 40.0,
}

COLD_PROBE = """
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, "lambda")
import lambda_function
event = json.loads(sys.stdin.read())
lambda_function.lambda_handler(event, None)
print(json.dumps({"ms": (time.perf_counter() - t0) * 1000, "modules": len(sys.modules)}))
"""


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def prepare(database_url: str, extra_bills: int) -> tuple[Any, str, int]:
    from skill.bootstrap import bootstrap
    from skill.demo.seed import seed_demo
    from skill.services.identity.link_tokens import issue_token
    from skill.settings import Settings
    from skill.storage.migrate import upgrade
    from tests.alexa.conftest import add_bills

    services = bootstrap(Settings.from_env({"DATABASE_URL": database_url}))
    upgrade(services.engine)
    demo = seed_demo(services.uow, services.clock)
    add_bills(services, demo, extra_bills)
    token = issue_token(services.uow(), demo.email, services.clock, ttl=timedelta(days=1))
    return services, token, demo.customer_id


def time_turns(services: Any, token: str, rounds: int) -> dict[str, list[float]]:
    from skill.alexa.entry import dispatch
    from tests.alexa.driver import AlexaClient, slot

    client = AlexaClient(send=lambda e: dispatch(services, e), access_token=token)
    turns = {
        "warm_launch": lambda: client.launch(),
        "warm_list_bills": lambda: client.intent("ListBillsIntent"),
        "warm_pay_confirm": lambda: client.intent("PayBillIntent", slot("billType", "water", "water")),
    }
    samples: dict[str, list[float]] = {name: [] for name in turns}
    for name, turn in turns.items():
        turn()  # warm up
        for _ in range(rounds):
            start = time.perf_counter()
            turn()
            samples[name].append((time.perf_counter() - start) * 1000)
    return samples


def time_record_payment(services: Any, rounds: int) -> list[float]:
    from skill.domain.model import BillType
    from skill.services.billing import ledger
    from skill.services.identity import directory

    with services.uow() as uow:
        biller_id = uow.billers.by_slug("northwind-energy").id
    customer = directory.upsert_customer(
        services.uow(),
        directory.CustomerData(name="Bench", email="bench@example.com", accounts={biller_id: "B-1"}),
        services.clock,
    )
    account = directory.account_id(services.uow(), customer, biller_id)
    today = services.clock.today()
    invoice = ledger.create_invoice(
        services.uow(),
        ledger.NewInvoice(biller_id, account, "BENCH-1", BillType.OTHER, today, today, 10**9, "EUR"),
        services.clock,
    )
    samples = []
    for n in range(rounds):
        start = time.perf_counter()
        ledger.record_payment(
            services.uow(), invoice, 100, "EUR", idempotency_key=f"bench-{n}", clock=services.clock
        )
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def cold_start(database_url: str, token: str, runs: int) -> tuple[list[float], int]:
    from tests.alexa.driver import AlexaClient

    event = json.dumps(AlexaClient(send=lambda e: e, access_token=token).envelope({"type": "LaunchRequest"}))
    env = {**os.environ, "DATABASE_URL": database_url}
    samples = []
    modules = 0
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", COLD_PROBE],
            input=event,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            check=True,
        )
        probe = json.loads(out.stdout.splitlines()[-1])  # the lines before are the turn's EMF metrics
        samples.append(probe["ms"])
        modules = max(modules, probe["modules"])
    return samples, modules


# Suites with their own options and results file: `python bench/run.py <suite> [options]` runs bench/<suite>.py.
SUITES = ("ingestion", "scale", "delivery")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in SUITES:
        from importlib import import_module

        suite_main: Any = import_module(f"bench.{sys.argv[1]}").main
        return int(suite_main(sys.argv[2:]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--bills", type=int, default=50, help="extra open bills for the demo customer")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        services, token, _customer = prepare(url, args.bills)
        samples = time_turns(services, token, args.rounds)
        samples["record_payment"] = time_record_payment(services, args.rounds)
        cold, cold_modules = cold_start(url, token, max(3, args.rounds // 10))
        services.dispose()
    results: dict[str, float] = {"cold_start_first_launch": statistics.median(cold)}
    for name, values in samples.items():
        results[f"{name}_p50"] = percentile(values, 50)
        results[f"{name}_p95"] = percentile(values, 95)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": url.split(":", 1)[0],
        "extra_bills": args.bills,
        "rounds": args.rounds,
        "results_ms": {k: round(v, 2) for k, v in results.items()},
        # Modules in sys.modules after the first LaunchRequest of a new process (lambda/lambda_function.py).
        "cold_start_modules": cold_modules,
        "targets_ms": TARGETS_MS,
        "missed": sorted(k for k, target in TARGETS_MS.items() if results[k] > target),
    }
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if report["missed"] else 0


if __name__ == "__main__":
    sys.exit(main())
