"""Ingestion against COPY: POST /api/v1/invoices/batch (5,000 a request) beside COPY of the same rows, on PostgreSQL.

Usage: python bench/ingestion.py [--admin-url URL] [--database bench_ingest] [--batch 5000] [--rounds 6]

A fresh database: one biller with an API key and 5,000 customer records. Each round sends one batch through the
whole API (the Flask app in-process: bearer key, Idempotency-Key, JSON parsing, schema validation, the service, the
ledger, the response) and COPYs another batch of the same shape (invoices with ids from the sequence, then their
`created` timeline entries, in one transaction). The two alternate, first one then the other, on the same growing
tables with the same indexes. The ratio is API invoices/s over COPY invoices/s, medians over the rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import (  # noqa: E402
    ADMIN_URL,
    EVENT_COLUMNS,
    INVOICE_COLUMNS,
    bench_services,
    copy_rows,
    recreate_database,
)

GOAL_RATIO = 0.3
ACCOUNTS = 5_000


def items(round_no: int, method: str, batch: int, today: date) -> list[dict[str, Any]]:
    """One batch as a biller's system sends it: each invoice for one of the 5,000 accounts."""
    due = today + timedelta(days=30)
    return [
        {
            "account_number": f"ING-{(round_no * batch + n) % ACCOUNTS:05d}",
            "number": f"{method}-{round_no:03d}-{n:05d}",
            "bill_type": "electricity",
            "issue_date": today.isoformat(),
            "due_date": due.isoformat(),
            "amount_due_minor": 1000 + n,
            "currency": "EUR",
            "description": "Electricity, March",
            "line_items": [{"description": "Energy", "amount_minor": 1000 + n}],
        }
        for n in range(batch)
    ]


class Bench:
    def __init__(self, url: str, var_dir: Path) -> None:
        from skill.services.biller_api.keys import issue_api_key
        from skill.services.identity.directory import NewBiller, create_biller
        from skill.storage.migrate import upgrade
        from skill.web import create_app

        self.services = bench_services(url, var_dir)
        upgrade(self.services.engine)
        clock = self.services.clock
        self.biller_id = create_biller(
            self.services.uow(),
            NewBiller("ingest-energy", "Ingest Energy", "Ingest Energy", "NL", "EUR"),
            clock,
        )
        self.key = issue_api_key(self.services.uow(), "ingest-energy", clock).key
        self.accounts = self._accounts()
        self.client = create_app(services=self.services).test_client()

    def _accounts(self) -> dict[str, int]:
        """5,000 customer records of the biller (COPY: their making is not what is measured)."""
        from bench.generate import ACCOUNT_COLUMNS, CUSTOMER_COLUMNS, next_id, reset_sequences

        now = datetime.now(UTC)
        raw = self.services.engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                person, record = next_id(cursor, "customers"), next_id(cursor, "customer_accounts")
                people = [
                    (person + n, f"Ingest {n}", None, "en-US", 0, False, False, now) for n in range(ACCOUNTS)
                ]
                copy_rows(cursor, "customers", CUSTOMER_COLUMNS, people)
                records = [
                    (
                        record + n,
                        person + n,
                        self.biller_id,
                        f"ING-{n:05d}",
                        f"Ingest {n}",
                        None,
                        "en-US",
                        None,
                    )
                    for n in range(ACCOUNTS)
                ]
                copy_rows(cursor, "customer_accounts", ACCOUNT_COLUMNS, records)
                reset_sequences(cursor, ("customers", "customer_accounts"))
            raw.commit()
        finally:
            raw.close()
        return {f"ING-{n:05d}": record + n for n in range(ACCOUNTS)}

    def through_api(self, batch: list[dict[str, Any]], key: str) -> float:
        body = json.dumps({"invoices": batch}).encode()
        headers = {"Authorization": f"Bearer {self.key}", "Idempotency-Key": key}
        start = time.perf_counter()
        response = self.client.post(
            "/api/v1/invoices/batch", data=body, content_type="application/json", headers=headers
        )
        elapsed = time.perf_counter() - start
        if response.status_code != 201 or response.json["created"] != len(batch):  # type: ignore[index]
            raise RuntimeError(
                f"batch refused: {response.status_code} {response.get_data(as_text=True)[:500]}"
            )
        return elapsed

    def by_copy(self, batch: list[dict[str, Any]]) -> float:
        """The same rows the API writes (the invoice and its `created` entry), by COPY in one transaction."""
        now = datetime.now(UTC)
        raw = self.services.engine.raw_connection()
        try:
            start = time.perf_counter()
            with raw.cursor() as cursor:
                cursor.execute("SELECT nextval('invoices_id_seq') FROM generate_series(1, %s)", (len(batch),))
                ids = [row[0] for row in cursor.fetchall()]
                invoices = (
                    (
                        invoice_id, self.biller_id, self.accounts[item["account_number"]], item["number"],
                        item["description"], item["bill_type"], item["issue_date"], item["due_date"],
                        item["currency"], item["amount_due_minor"], 0, 0, "open", json.dumps(item["line_items"]),
                        now, now,
                    )
                    for invoice_id, item in zip(ids, batch, strict=True)
                )  # fmt: skip
                copy_rows(cursor, "invoices", INVOICE_COLUMNS, invoices)
                events = (
                    (invoice_id, "created", now, None, json.dumps({"amount_minor": item["amount_due_minor"]}))
                    for invoice_id, item in zip(ids, batch, strict=True)
                )
                copy_rows(cursor, "invoice_events", EVENT_COLUMNS, events)
            raw.commit()
            return time.perf_counter() - start
        finally:
            raw.close()

    def rows(self) -> tuple[int, int]:
        from sqlalchemy import text

        with self.services.engine.connect() as conn:
            invoices = conn.execute(text("SELECT count(*) FROM invoices")).scalar_one()
            events = conn.execute(text("SELECT count(*) FROM invoice_events")).scalar_one()
        return invoices, events


def run(admin_url: str, database: str, batch: int, rounds: int, var_dir: Path) -> dict[str, Any]:
    bench = Bench(recreate_database(admin_url, database), var_dir)
    try:
        today = bench.services.clock.today()
        bench.through_api(items(0, "WARM", batch, today), "warm-up")  # the app's first request, imports
        api_s, copy_s = [], []
        for n in range(1, rounds + 1):
            api_batch, copy_batch = items(n, "API", batch, today), items(n, "COPY", batch, today)
            if n % 2:
                api_s.append(bench.through_api(api_batch, f"run-{n}"))
                copy_s.append(bench.by_copy(copy_batch))
            else:
                copy_s.append(bench.by_copy(copy_batch))
                api_s.append(bench.through_api(api_batch, f"run-{n}"))
        invoices, events = bench.rows()
    finally:
        bench.services.dispose()
    expected = batch * (2 * rounds + 1)
    if (invoices, events) != (expected, expected):
        raise RuntimeError(f"expected {expected} invoices and entries, found {invoices} and {events}")
    api_rate, copy_rate = batch / statistics.median(api_s), batch / statistics.median(copy_s)
    ratio = api_rate / copy_rate
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "postgresql",
        "batch": batch,
        "rounds": rounds,
        "api_invoices_per_s": round(api_rate),
        "copy_invoices_per_s": round(copy_rate),
        "ratio": round(ratio, 3),
        "api_seconds": [round(s, 3) for s in api_s],
        "copy_seconds": [round(s, 3) for s in copy_s],
        "rows_at_end": invoices,
        "goal_ratio_min": GOAL_RATIO,
        "missed": [] if ratio >= GOAL_RATIO else [f"ingestion ratio {ratio:.3f} < {GOAL_RATIO}"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--database", default="bench_ingest")
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = run(args.admin_url, args.database, args.batch, args.rounds, args.var_dir)
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 1 if result["missed"] else 0


if __name__ == "__main__":
    sys.exit(main())
