"""Cold start and warm turns against a trivial ask-sdk-core skill, interleaved in one run (SQLite).

Usage: python bench/run.py cold_start [--rounds N] [--turns N] [--out bench/results/cold_start.json]

Cold: a new Python process answers its first LaunchRequest, through lambda/lambda_function.py (from SQLite) or
through the trivial skill's `sb.lambda_handler()` (bench/trivial_skill.py); the two alternate round by round.
Each probe reports its own time from its first line to the answer, its peak RSS and its module count; the wall
time of the whole process (the interpreter's start included) is measured from outside. Warm: a ListBillsIntent
in a warm process, the skill's dispatch against the trivial skill's handler, alternating turn by turn.
Goals (issue #12): cold start <= 2.5x, warm listing <= 3x; exit status 1 when either is missed.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOALS = {"cold_start": 2.5, "warm_list_bills": 3.0}

PROBE = """
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {path!r})
import {module} as entry
event = json.loads(sys.stdin.read())
answer = entry.lambda_handler(event, None)
ms = (time.perf_counter() - t0) * 1000
assert answer["response"]["outputSpeech"]["ssml"], answer
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it reports the (larger) bench process that forked us.
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"ms": ms, "rss_kb": int(hwm.split()[1]),
                  "modules": len(sys.modules), "sqlalchemy": "sqlalchemy" in sys.modules}}))
"""
PROBES = {
    "skill": PROBE.format(path=str(ROOT / "lambda"), module="lambda_function"),
    "trivial": PROBE.format(path=str(ROOT / "bench"), module="trivial_skill"),
}


def _cold(kind: str, event: str, env: dict[str, str]) -> dict[str, Any]:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", PROBES[kind]],
        input=event,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    probe: dict[str, Any] = json.loads(
        out.stdout.splitlines()[-1]
    )  # the lines before are the skill's EMF metrics
    probe["wall_ms"] = (time.perf_counter() - start) * 1000
    return probe


def _warm(services: Any, token: str, turns: int) -> dict[str, list[float]]:
    sys.path.insert(0, str(ROOT / "bench"))
    import trivial_skill

    from skill.alexa.entry import dispatch
    from tests.alexa.driver import AlexaClient

    client = AlexaClient(send=lambda e: e, access_token=token)
    intent = {
        "type": "IntentRequest",
        "intent": {"name": "ListBillsIntent", "confirmationStatus": "NONE", "slots": {}},
    }
    handlers = {
        "skill": lambda event: dispatch(services, event),
        "trivial": lambda event: trivial_skill.lambda_handler(event, None),
    }
    samples: dict[str, list[float]] = {name: [] for name in handlers}
    for n in range(turns + 10):  # the first ten of each are warm-up
        for name, handle in handlers.items():
            event = client.envelope(intent)  # a new envelope per turn, as Alexa sends
            start = time.perf_counter()
            handle(event)
            if n >= 10:
                samples[name].append((time.perf_counter() - start) * 1000)
    return samples


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="new processes of each kind")
    parser.add_argument("--turns", type=int, default=300, help="warm turns of each kind")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench.run import prepare
    from tests.alexa.driver import AlexaClient

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        services, token, _customer = prepare(url, 0)
        event = json.dumps(
            AlexaClient(send=lambda e: e, access_token=token).envelope({"type": "LaunchRequest"})
        )
        env = {**os.environ, "DATABASE_URL": url}
        cold: dict[str, list[dict[str, Any]]] = {"skill": [], "trivial": []}
        for n in range(args.rounds):
            for kind in ("skill", "trivial") if n % 2 == 0 else ("trivial", "skill"):
                cold[kind].append(_cold(kind, event, env))
        warm = _warm(services, token, args.turns)
        services.dispose()
    report = _report(cold, warm, args)
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if report["missed"] else 0


def _report(cold: dict[str, list[dict[str, Any]]], warm: dict[str, list[float]], args: Any) -> dict[str, Any]:
    def median(kind: str, key: str) -> float:
        return round(statistics.median(p[key] for p in cold[kind]), 2)

    figures = {
        kind: {
            "cold_ms_p50": median(kind, "ms"),
            "cold_wall_ms_p50": median(kind, "wall_ms"),
            "rss_mb_p50": round(median(kind, "rss_kb") / 1024, 1),
            "modules": max(p["modules"] for p in cold[kind]),
            "sqlalchemy_imported": any(p["sqlalchemy"] for p in cold[kind]),
            "warm_list_bills_ms_p50": round(statistics.median(warm[kind]), 3),
        }
        for kind in cold
    }
    skill, trivial = figures["skill"], figures["trivial"]
    ratios = {
        "cold_start": round(skill["cold_ms_p50"] / trivial["cold_ms_p50"], 2),
        "cold_start_wall": round(skill["cold_wall_ms_p50"] / trivial["cold_wall_ms_p50"], 2),
        "rss": round(skill["rss_mb_p50"] / trivial["rss_mb_p50"], 2),
        "modules": round(skill["modules"] / trivial["modules"], 2),
        "warm_list_bills": round(skill["warm_list_bills_ms_p50"] / trivial["warm_list_bills_ms_p50"], 2),
    }
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "rounds": args.rounds,
        "turns": args.turns,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "figures": figures,
        "ratios": ratios,
        "goals": GOALS,
        "missed": sorted(k for k, goal in GOALS.items() if ratios[k] > goal),
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
