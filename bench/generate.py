"""Scale data for the bench: N customers with 10 invoices each, written by COPY on PostgreSQL in minutes.

Usage: python bench/generate.py [--admin-url URL] [--database bench_scale_1m] [--customers 100000]

The database is dropped and made again (never `test` or a test run's database), migrated to head, seeded with the
demo world (the voice bench speaks as its customer) and then filled: every customer has an account at Northwind
Energy, 40% one at Aqua Pura too and 20% one at Lumen Mobile as well, and a linked Alexa (an access token); ten
monthly invoices each, oldest first in id order (as a real biller sends them), mostly paid, open for the last two
months, 1% part-paid, 2% void; a `created` timeline entry per invoice, a `paid` or `partially_paid` one with its
payment attempt where money came in.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MONTHS = 10
PROTECTED = {"test", "postgres", "template0", "template1"}
LOCALES = ("en-US", "en-GB", "de-DE", "nl-NL")


def recreate_database(admin_url: str, name: str) -> str:
    """Drop and create `name`; returns its URL. Refuses the tests' databases."""
    from sqlalchemy import create_engine, text

    if name in PROTECTED or name.startswith("billpay_test_") or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to recreate database {name!r}: the bench uses its own databases")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.dispose()


def database_url(admin_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def bench_services(url: str, var_dir: Path) -> Any:
    from skill.bootstrap import bootstrap
    from skill.settings import Settings

    env = {
        "DATABASE_URL": url,
        "PUBLIC_BASE_URL": "https://pay.example.test",
        "SECRET_KEY": "bench-secret-key",
        "BILLPAY_VAR_DIR": str(var_dir),
        # Counted as always, never reached: the bench sends a few hundred requests a minute with one key.
        "API_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    return bootstrap(Settings.from_env(env))


def copy_rows(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into `table` (psycopg text format); returns how many."""
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def next_id(cursor: Any, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return int(cursor.fetchone()[0])


def reset_sequences(cursor: Any, tables: Iterable[str]) -> None:
    """COPY wrote explicit ids: move each table's sequence past them."""
    for table in tables:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


CUSTOMER_COLUMNS = [
    "id",
    "name",
    "email",
    "locale",
    "voice_pin_failures",
    "always_ask_pin",
    "require_recognized_speaker",
    "created_at",
]
ACCOUNT_COLUMNS = [
    "id",
    "customer_id",
    "biller_id",
    "account_number",
    "name",
    "email",
    "locale",
    "claimed_at",
]
INVOICE_COLUMNS = [
    "id",
    "biller_id",
    "account_id",
    "number",
    "description",
    "bill_type",
    "issue_date",
    "due_date",
    "currency",
    "amount_due_minor",
    "amount_paid_minor",
    "refund_due_minor",
    "status",
    "line_items",
    "created_at",
    "updated_at",
]
TOKEN_COLUMNS = [
    "customer_id",
    "token_hash",
    "kind",
    "client_id",
    "scope",
    "label",
    "expires_at",
    "created_at",
]
EVENT_COLUMNS = ["invoice_id", "kind", "at", "channel", "data"]
ATTEMPT_COLUMNS = [
    "id",
    "invoice_id",
    "amount_minor",
    "currency",
    "channel",
    "method",
    "status",
    "idempotency_key",
    "applied_at",
    "refunded_minor",
    "created_at",
    "updated_at",
]


def fill(cursor: Any, billers: Sequence[tuple[int, str]], customers: int, today: date) -> dict[str, int]:
    """COPY `customers` people, their accounts and 10 invoices each (with timeline and attempts)."""
    now = datetime.now(UTC)
    expiry = now + timedelta(days=365)
    first_customer, first_account = next_id(cursor, "customers"), next_id(cursor, "customer_accounts")
    people = [first_customer + n for n in range(customers)]
    accounts: list[list[tuple[int, int]]] = []  # per customer: (account id, biller index)
    account_rows = []
    account_id = first_account
    for n, customer_id in enumerate(people):
        held = [0] + ([1] if n % 5 < 2 else []) + ([2] if n % 5 == 0 else [])
        mine = []
        for biller_index in held:
            biller_id = billers[biller_index][0]
            email = f"c{n:07d}@bench.example"
            account_rows.append(
                (
                    account_id,
                    customer_id,
                    biller_id,
                    f"BA-{n:07d}",
                    f"Customer {n}",
                    email,
                    LOCALES[n % 4],
                    now,
                )
            )
            mine.append((account_id, biller_index))
            account_id += 1
        accounts.append(mine)
    counts = {
        "customers": copy_rows(
            cursor,
            "customers",
            CUSTOMER_COLUMNS,
            (
                (cid, f"Customer {n}", f"c{n:07d}@bench.example", LOCALES[n % 4], 0, False, False, now)
                for n, cid in enumerate(people)
            ),
        ),
        "customer_accounts": copy_rows(cursor, "customer_accounts", ACCOUNT_COLUMNS, account_rows),
        # Every customer has linked Alexa: the token lookup of each turn searches as many tokens as customers.
        "linked_account_tokens": copy_rows(
            cursor,
            "linked_account_tokens",
            TOKEN_COLUMNS,
            (
                (
                    cid,
                    hashlib.sha256(f"bench-{cid}".encode()).hexdigest(),
                    "access",
                    "alexa",
                    "",
                    "",
                    expiry,
                    now,
                )
                for cid in people
            ),
        ),
    }
    first_invoice, first_attempt = next_id(cursor, "invoices"), next_id(cursor, "payment_attempts")

    def bills() -> Iterator[Bill]:  # the same rows each time: three passes instead of 2M rows in memory
        return _bills(billers, accounts, today, first_invoice, first_attempt)

    counts["invoices"] = copy_rows(cursor, "invoices", INVOICE_COLUMNS, (b.invoice for b in bills()))
    counts["invoice_events"] = copy_rows(cursor, "invoice_events", EVENT_COLUMNS, _events(bills()))
    attempts = (b.attempt for b in bills() if b.attempt is not None)
    counts["payment_attempts"] = copy_rows(cursor, "payment_attempts", ATTEMPT_COLUMNS, attempts)
    return counts


@dataclass(frozen=True)
class Bill:
    invoice: tuple[Any, ...]
    events: tuple[tuple[Any, ...], ...]
    attempt: tuple[Any, ...] | None


def _bills(
    billers: Sequence[tuple[int, str]],
    accounts: list[list[tuple[int, int]]],
    today: date,
    invoice_id: int,
    attempt_id: int,
) -> Iterator[Bill]:
    bill_types = ("electricity", "water", "phone")
    for month in range(MONTHS - 1, -1, -1):  # oldest first: ids grow with time, as at a real biller
        for n, held in enumerate(accounts):
            account_id, biller_index = held[month % len(held)]
            biller_id, currency = billers[biller_index]
            due = today - timedelta(days=30 * month - 10 - n % 20)
            issued = due - timedelta(days=14)
            at = datetime.combine(issued, day_time(8), UTC)
            due_minor = 1000 + (n * 37 + month * 101) % 20000
            status, paid_minor = _status(n, month, due_minor)
            invoice = (
                invoice_id, biller_id, account_id, f"G-{account_id}-{month}", "", bill_types[biller_index],
                issued, due, currency, due_minor, paid_minor, 0, status, "[]", at, at,
            )  # fmt: skip
            created = (invoice_id, "created", at, None, json.dumps({"amount_minor": due_minor}))
            if not paid_minor:
                yield Bill(invoice, (created,), None)
                invoice_id += 1
                continue
            paid_at = at + timedelta(days=7)
            data = {"attempt_id": attempt_id, "amount_minor": paid_minor, "method": "bank_transfer"}
            attempt = (
                attempt_id, invoice_id, paid_minor, currency, "api", "bank_transfer", "succeeded",
                f"gen-{attempt_id}", paid_at, 0, paid_at, paid_at,
            )  # fmt: skip
            yield Bill(invoice, (created, (invoice_id, status, paid_at, "api", json.dumps(data))), attempt)
            invoice_id += 1
            attempt_id += 1


def _events(bills: Iterable[Bill]) -> Iterator[tuple[Any, ...]]:
    for bill in bills:
        yield from bill.events


def _status(n: int, month: int, due_minor: int) -> tuple[str, int]:
    """1% part-paid (in the last two months), 2% void, the last two months mostly open, the rest paid."""
    if month < 2 and n % 20 == 7:
        return "partially_paid", due_minor // 3
    if n % 50 == 13:
        return "void", 0
    if month < 2 and n % 10 != 3:
        return "open", 0
    return "paid", due_minor


def generate(admin_url: str, name: str, customers: int, var_dir: Path) -> dict[str, Any]:
    """Make database `name` from nothing; returns what was written and how long it took."""
    from skill.demo.seed import seed_demo
    from skill.storage.migrate import upgrade

    started = time.perf_counter()
    url = recreate_database(admin_url, name)
    services = bench_services(url, var_dir)
    try:
        upgrade(services.engine)
        seed_demo(services.uow, services.clock)
        with services.uow() as uow:
            billers = [uow.billers.by_slug(s) for s in ("northwind-energy", "aqua-pura", "lumen-mobile")]
            biller_rows = [(b.id, b.default_currency) for b in billers if b is not None]
        raw = services.engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                counts = fill(cursor, biller_rows, customers, services.clock.today())
                reset_sequences(cursor, ("customers", "customer_accounts", "invoices", "payment_attempts"))
            raw.commit()
        finally:
            raw.close()
        vacuum_analyze(url)
    finally:
        services.dispose()
    return {
        "database": name,
        "customers": customers,
        "rows": counts,
        "seconds": time.perf_counter() - started,
    }


def vacuum_analyze(url: str) -> None:
    """Fresh statistics and a visibility map, as autovacuum would leave a table that size."""
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--database", default="bench_scale_1m")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args(argv)
    report = generate(args.admin_url, args.database, args.customers, args.var_dir)
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
