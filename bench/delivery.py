"""Outbox delivery against a bare loop: one `billpay worker` sending N emails to a local SMTP sink, on PostgreSQL.

Usage: python bench/run.py delivery [--admin-url URL] [--messages N] [--batch N] [--concurrency N] [--out FILE]
   (or python bench/delivery.py with the same options)

In one run, on a fresh database: N emails are queued and the claim statement is explained over that backlog;
then, in this order, a bare loop (one UPDATE and one COMMIT per row, psycopg without SQLAlchemy, on the same
table), a bare SMTP loop (a raw pipelined socket sending one prepared email to a sink of its own), one
`billpay worker --once` process delivering every message to an aiosmtpd sink in another process (which counts
each Message-ID), the bare SMTP loop and the bare loop again; last, the queue alone (one in-process claimer whose
sender accepts at once). Reported: the worker's messages/s, both baselines and the ratios to them, duplicates and
losses by Message-ID, and the CPU each side used. Exit status 1 when a message was lost or duplicated or the
worker is below the goal (TARGET_MESSAGES_PER_SECOND). What the figures mean: bench/README.md.
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
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # where the run's own database is made
TARGET_MESSAGES_PER_SECOND = 2000.0
SMTP_FROM = "Billpay <billing@billpay.example>"
LOCALES = ("en-US", "de-DE", "nl-NL", "en-GB")


def billpay() -> list[str]:
    script = Path(sys.executable).with_name("billpay")
    return [str(script)] if script.exists() else [sys.executable, "-m", "skill.cli"]


def fresh_database(admin_url: str) -> str:
    """A new, migrated PostgreSQL database for this run (dropped by drop_database)."""
    from sqlalchemy import create_engine, text

    from skill.storage.db import make_engine
    from skill.storage.migrate import upgrade

    name = f"bench_delivery_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def drop_database(admin_url: str, url: str) -> None:
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def queue_emails(url: str, count: int) -> list[int]:
    """`count` payment-request emails, due now, in the locales the product speaks (one multi-row INSERT each 5k)."""
    from sqlalchemy import insert, select

    from skill.storage import models as m
    from skill.storage.db import make_engine

    now = datetime.now(UTC)
    rows = [
        {
            "kind": "payment_request",
            "channel": "email",
            "recipient": f"customer{i}@example.org",
            "locale": LOCALES[i % len(LOCALES)],
            "payload": {
                "biller": "Northwind Energy",
                "amount_minor": 4250 + i,
                "currency": "EUR",
                "due_date": "2026-03-31",
                "url": f"https://pay.example.test/pay/{uuid.uuid4().hex}",
            },
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for i in range(count)
    ]
    engine = make_engine(url)
    with engine.begin() as conn:
        for start in range(0, count, 5000):
            conn.execute(insert(m.OutboxMessage), rows[start : start + 5000])
        ids = list(conn.scalars(select(m.OutboxMessage.id).order_by(m.OutboxMessage.id)))
    engine.dispose()
    return ids


def explain_claim(url: str, batch: int) -> list[str]:
    """EXPLAIN ANALYZE of the worker's own claim statement over the queued backlog, rolled back."""
    from datetime import timedelta

    from skill.storage.db import make_engine
    from skill.storage.outbox_repository import claim_statement

    engine = make_engine(url)
    now = datetime.now(UTC)
    statement = claim_statement(
        engine.dialect.name,
        worker="explain",
        now=now,
        lease_until=now + timedelta(minutes=2),
        channels=["email"],
        limit=batch,
    )
    compiled = statement.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE outbox")
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + compiled.string, compiled.params).all()
        conn.rollback()
    engine.dispose()
    return [str(line[0]) for line in plan]


def bare_loop(url: str, ids: list[int]) -> float:
    """Rows/s of the simplest durable queue step: UPDATE one row, COMMIT, with the driver alone."""
    import psycopg
    from sqlalchemy import make_url

    params = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(params) as conn:
        for message_id in ids[:200]:  # warm up: the connection, the plan, the pages
            conn.execute("UPDATE outbox SET last_error = NULL WHERE id = %s", (message_id,))
            conn.commit()
        started = time.perf_counter()
        for message_id in ids:
            conn.execute("UPDATE outbox SET last_error = NULL WHERE id = %s", (message_id,))
            conn.commit()
        return len(ids) / (time.perf_counter() - started)


def bare_smtp_loop(count: int) -> float:
    """Messages/s of the simplest pipelined SMTP client (a raw socket, one prepared email) to a sink of its own:
    what the sink and this machine allow any client, measured beside the worker."""
    import socket

    from skill.notifications.mime import EmailTemplate
    from skill.notifications.senders import OutgoingMessage

    payload = {
        "biller": "Northwind Energy",
        "amount_minor": 4250,
        "currency": "EUR",
        "url": "https://x.test/p",
    }
    mail = EmailTemplate(SMTP_FROM).render(
        OutgoingMessage(1, "payment_request", "email", "c@example.org", "en-US", payload)
    )
    envelope = b"MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n" % (
        mail.mail_from.encode(),
        mail.recipient.encode(),
    )
    content = mail.data + b".\r\n"
    port = free_port()
    sink = start_sink(port)
    try:
        with socket.create_connection(("127.0.0.1", port)) as conn, conn.makefile("rb") as replies:

            def reply() -> None:
                while replies.readline()[3:4] == b"-":
                    pass

            reply()
            conn.sendall(b"EHLO bench\r\n")
            reply()
            started = time.perf_counter()
            conn.sendall(envelope)
            for _ in range(3):
                reply()
            for _ in range(count - 1):  # this message's content, the next one's envelope: one round trip
                conn.sendall(content + envelope)
                for _ in range(4):
                    reply()
            conn.sendall(content)
            reply()
            elapsed = time.perf_counter() - started
    finally:
        received = stop_sink(sink)
    assert received["accepted"] == count, received["accepted"]
    return count / elapsed


def start_sink(port: int) -> subprocess.Popen[str]:
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "smtp_sink.py"), "--port", str(port), "--pipelining"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    return sink


def stop_sink(sink: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = sink.communicate(timeout=60)
    report: dict[str, Any] = json.loads(out.splitlines()[-1])
    return report


def run_worker(url: str, port: int, var_dir: Path, batch: int | None, concurrency: int) -> dict[str, Any]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SMTP_", "NOTIFY_", "OUTBOX_"))
    }
    env.update(
        DATABASE_URL=url,
        BILLPAY_VAR_DIR=str(var_dir),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        SMTP_FROM=SMTP_FROM,
        SMTP_STARTTLS="false",
    )
    args = [*billpay(), "worker", "--once", "--concurrency", str(concurrency)]
    if batch is not None:
        args += ["--batch", str(batch)]
    log = var_dir / "worker.log"
    started = time.time()
    with log.open("wb") as worker_log:
        process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=worker_log)
        assert process.stdout is not None
        with process.stdout:
            summary = process.stdout.read().decode()
        _, status, usage = os.wait4(process.pid, 0)  # the child's own CPU time, as well as its exit status
        process.returncode = os.waitstatus_to_exitcode(status)
    ended = time.time()
    if process.returncode != 0:
        raise RuntimeError(f"billpay worker exited {process.returncode}: {log.read_text()[-2000:]}")
    return {
        "started": started,
        "ended": ended,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "summary": summary.strip().splitlines()[-1],
    }


class CountingSender:
    """The queue alone: a sender that accepts at once, so what is measured is claiming, beginning, settling."""

    channel = "email"
    resend_is_safe = True

    def send(self, message: Any) -> str:
        return f"<outbox-{message.id}@noop>"


def queue_only(url: str, count: int, batch: int | None) -> float:
    """Messages/s of one in-process claimer with CountingSender: PostgreSQL's cost as the queue."""
    from skill.bootstrap import bootstrap
    from skill.notifications.worker import OutboxWorker
    from skill.settings import Settings

    queue_emails(url, count)
    services = bootstrap(Settings.from_env({"DATABASE_URL": url}))
    try:
        worker = OutboxWorker(
            services.uow, {"email": CountingSender()}, services.clock, services.settings.notify
        )
        started = time.perf_counter()
        outcomes = worker.run(batch=batch or 200, once=True)
        elapsed = time.perf_counter() - started
    finally:
        services.dispose()
    assert outcomes == {"sent": count}, outcomes
    return count / elapsed


def expected_message_ids(ids: list[int]) -> list[str]:
    from skill.notifications.email import message_id

    return [message_id(i, SMTP_FROM) for i in ids]


def statuses(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from skill.storage import models as m
    from skill.storage.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(m.OutboxMessage.status, func.count()).group_by(m.OutboxMessage.status))
        found = {status: count for status, count in rows}
    engine.dispose()
    return found


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure(args: argparse.Namespace) -> dict[str, Any]:
    url = fresh_database(args.admin_url)
    try:
        ids = queue_emails(url, args.messages)
        plan = explain_claim(url, args.batch or 200)  # billpay worker's default batch
        bare_rows = ids[: min(len(ids), args.bare_rows)]
        bare_before = bare_loop(url, bare_rows)
        smtp_before = bare_smtp_loop(args.bare_rows)
        port = free_port()
        sink = start_sink(port)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                worker = run_worker(url, port, Path(tmp), args.batch, args.concurrency)
            finally:
                received = stop_sink(sink)
        smtp_after = bare_smtp_loop(args.bare_rows)
        bare_after = bare_loop(url, bare_rows)
        final = statuses(url)
        queue_rate = queue_only(url, args.messages, args.batch)
    finally:
        drop_database(args.admin_url, url)
    counts: dict[str, int] = received["ids"]
    expected = expected_message_ids(ids)
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    losses = sum(1 for mid in expected if mid not in counts)
    known = set(expected)
    unexpected = sum(1 for mid in counts if mid not in known)
    window = (received["last"] or 0) - (received["first"] or 0)
    worker_seconds = worker["ended"] - worker["started"]
    bare = statistics.fmean([bare_before, bare_after])
    bare_smtp = statistics.fmean([smtp_before, smtp_after])
    rate = len(ids) / window if window > 0 else 0.0
    return {
        "messages": len(ids),
        "batch": args.batch,
        "concurrency": args.concurrency,
        "worker_messages_per_second": round(rate, 1),
        "worker_messages_per_second_with_startup": round(len(ids) / worker_seconds, 1),
        "worker_seconds": round(worker_seconds, 3),
        "delivery_window_seconds": round(window, 3),
        "bare_loop_rows_per_second": round(bare, 1),
        "bare_loop_runs": [round(bare_before, 1), round(bare_after, 1)],
        "ratio_to_bare_loop": round(rate / bare, 3) if bare else None,
        "bare_smtp_loop_messages_per_second": round(bare_smtp, 1),
        "bare_smtp_loop_runs": [round(smtp_before, 1), round(smtp_after, 1)],
        "ratio_to_bare_smtp_loop": round(rate / bare_smtp, 3) if bare_smtp else None,
        "queue_only_messages_per_second": round(queue_rate, 1),
        "duplicates_by_message_id": duplicates,
        "losses_by_message_id": losses,
        "unexpected_message_ids": unexpected,
        "sink_cpu_seconds": received["cpu_seconds"],
        "sink_cpu_us_per_message": round(received["cpu_seconds"] / len(ids) * 1e6),
        "worker_cpu_us_per_message": round(worker["cpu_seconds"] / len(ids) * 1e6),
        "worker_summary": worker["summary"],
        "final_statuses": final,
        "claim_plan": plan,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--admin-url", default=ADMIN_URL, help="a PostgreSQL server; the run makes its own database"
    )
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=None, help="billpay worker --batch (default: its own)")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--bare-rows", type=int, default=5000, help="rows the bare loop updates, per run")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if not args.admin_url.startswith("postgresql"):
        parser.error("the delivery benchmark runs on PostgreSQL (the production queue)")
    result = measure(args)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores",
        "target_messages_per_second": TARGET_MESSAGES_PER_SECOND,
        **result,
    }
    report["missed"] = [
        name
        for name, failed in (
            ("messages_per_second", result["worker_messages_per_second"] < TARGET_MESSAGES_PER_SECOND),
            ("exactly_once", result["duplicates_by_message_id"] or result["losses_by_message_id"]),
        )
        if failed
    ]
    print(json.dumps({k: v for k, v in report.items() if k != "claim_plan"}, indent=2))
    print("\n".join(report["claim_plan"]))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if report["missed"] else 0


if __name__ == "__main__":
    sys.exit(main())
