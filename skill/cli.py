"""The `billpay` command: database, demo data, serving, tokens. Bad input exits non-zero with a clear message."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from .domain.errors import DomainError
from .packaging.skill_package import add_package_arguments
from .settings import ConfigError, Settings

if TYPE_CHECKING:  # the commands import their services lazily, to keep `billpay --help` fast
    from .services.payments.reconcile import ReconcileReport


def _services(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from .bootstrap import bootstrap

    return bootstrap(Settings.from_env())


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from .storage.migrate import current_revision, upgrade

    settings = Settings.from_env()
    if (path := settings.sqlite_path()) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    services = _services(args)
    upgrade(services.engine)
    print(f"database is at revision {current_revision(services.engine)}")
    return 0


def cmd_demo_seed(args: argparse.Namespace) -> int:
    from .demo.seed import seed_services

    services = _services(args)
    summary = seed_services(services)
    print("Seeded billers: " + ", ".join(summary.billers))
    print("Seeded invoices:")
    for line in summary.invoices:
        print("  " + line)
    print("Stored payment method: Visa ending 4242 (default)")
    if services.settings.stripe_api_key:  # provision the demo card at the configured provider for real
        from .demo.payments import provision_services_card

        provision_services_card(services)
    print(f"Demo customer email: {summary.email}")
    return 0


def cmd_demo_run(args: argparse.Namespace) -> int:
    from .demo.run import run_demo

    return run_demo(args.host, args.port)


def cmd_reconcile(args: argparse.Namespace) -> int:
    services = _services(args)
    older_than = timedelta(minutes=args.older_than_minutes)
    try:
        report = services.payments.reconcile(older_than=older_than)
    finally:
        services.dispose()
    print(reconcile_summary(report))
    return 4 if report.unreachable else 0


def reconcile_summary(report: ReconcileReport) -> str:
    """One line for the operator: what reconcile did, including attempts it flagged for a person to review."""
    return (
        f"reconcile: {report.checked} checked, {report.settled} settled, {report.failed} failed, "
        f"{report.still_in_flight} still in flight, {report.unreachable} unreachable, "
        f"{report.needs_review} flagged for review; "
        f"{report.excess_refunded_minor} minor units of excess refunded"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from .web.server import serve

    settings = Settings.from_env()  # fail on misconfiguration before forking workers
    if not settings.secret_key:
        raise ConfigError(
            "SECRET_KEY must be set for the web service: it signs sessions and forms across workers "
            "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    serve(args.host, args.port, workers=args.workers)
    return 0


def cmd_skill_package(args: argparse.Namespace) -> int:
    from .packaging.skill_package import run_package_command

    return run_package_command(args)


def cmd_apikey_create(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        issued = services.biller_api.issue_api_key(args.biller, label=args.label)
    finally:
        services.dispose()
    print(issued.key)
    print(
        f"API key {issued.key_id} for biller {issued.biller_slug}: shown once, only its hash is stored",
        file=sys.stderr,
    )
    return 0


def cmd_oauth_client_create(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        created = services.identity.create_client(vendor_id=args.vendor_id, name=args.name)
    finally:
        services.dispose()
    base = services.settings.public_base_url
    # The Alexa developer console's Account Linking fields, in its order (docs/account-linking.md).
    print(f"Authorization URI:        {base}/oauth/authorize")
    print(f"Access Token URI:         {base}/oauth/token")
    print(f"Your Client ID:           {created.client_id}")
    print(f"Your Secret:              {created.client_secret}")
    print("Authentication Scheme:    HTTP Basic (Recommended)")
    print(f"Scope:                    {created.scope}")
    print("Alexa Redirect URLs registered for this client:")
    for uri in created.redirect_uris:
        print(f"  {uri}")
    print("The secret is shown once; only its hash is stored.", file=sys.stderr)
    return 0


def cmd_token_issue(args: argparse.Namespace) -> int:
    services = _services(args)
    ttl = timedelta(days=services.settings.token_ttl_days)
    print(services.identity.issue_token(args.customer, ttl=ttl, label="billpay token issue"))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from .observability.logs import configure_logging
    from .worker import run_workers

    configure_logging()  # JSON lines; each delivery's lines carry its message id as request_id
    if args.metrics_port:
        from .observability.prometheus import install_prometheus, serve_metrics

        install_prometheus()
        # The webhook latency; the outbox gauges are on the web service's /metrics.
        serve_metrics(args.metrics_port)
    services = _services(args)
    try:
        totals = run_workers(services, once=args.once, batch=args.batch, concurrency=args.concurrency)
    finally:
        services.dispose()
    if args.once:
        print(
            "outbox: "
            + (", ".join(f"{n} {outcome}" for outcome, n in sorted(totals.items())) or "nothing due")
        )
    return 0


def cmd_outbox_purge(args: argparse.Namespace) -> int:
    from .worker import purge_outbox

    services = _services(args)
    days = args.older_than_days or services.settings.notify.retention_days
    try:
        purged = purge_outbox(services, retention=timedelta(days=days))
    finally:
        services.dispose()
    print(f"outbox purge: {purged} sent or dead messages older than {days} days purged")
    return 0


def _positive(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def _minutes(raw: str) -> int:
    if not raw.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number of minutes, got {raw!r}")
    return int(raw)


def _port(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a number, got {raw!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 1 and 65535, got {port}")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="billpay", description="Conversational bill payment")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate the database to the latest schema").set_defaults(
        func=cmd_db_upgrade
    )

    demo = sub.add_parser("demo", help="demo data").add_subparsers(dest="demo_command", required=True)
    demo.add_parser("seed", help="create the deterministic demo data").set_defaults(func=cmd_demo_seed)
    demo_run = demo.add_parser(
        "run", help="migrate, seed, start localstripe (unless Stripe is set) and serve"
    )
    demo_run.add_argument("--host", default="127.0.0.1")
    demo_run.add_argument("--port", type=_port, default=8000)
    demo_run.set_defaults(func=cmd_demo_run)

    reconcile = sub.add_parser(
        "reconcile", help="settle or fail payments stuck in flight (exit 4 if the provider was unreachable)"
    )
    reconcile.add_argument("--older-than-minutes", type=_minutes, default=15, metavar="N")
    reconcile.set_defaults(func=cmd_reconcile)

    serve = sub.add_parser("serve", help="run the web service (gunicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--workers", type=int, default=2)
    serve.set_defaults(func=cmd_serve)

    skill = sub.add_parser("skill", help="Alexa skill").add_subparsers(dest="skill_command", required=True)
    package = skill.add_parser("package", help="write the ASK CLI v2 skill package")
    add_package_arguments(package)
    package.set_defaults(func=cmd_skill_package)

    token = sub.add_parser("token", help="account-linking tokens").add_subparsers(
        dest="token_command", required=True
    )
    issue = token.add_parser("issue", help="print a new access token for a customer")
    issue.add_argument("--customer", required=True, metavar="EMAIL")
    issue.set_defaults(func=cmd_token_issue)

    oauth = sub.add_parser("oauth", help="account linking (OAuth 2.0 clients)").add_subparsers(
        dest="oauth_command", required=True
    )
    client = oauth.add_parser("client", help="OAuth clients").add_subparsers(
        dest="client_command", required=True
    )
    client_create = client.add_parser("create", help="register the Alexa skill; prints the console values")
    client_create.add_argument(
        "--vendor-id", required=True, help="your Alexa vendor id (it ends the redirect URLs)"
    )
    client_create.add_argument("--name", default="Alexa", help="shown on the consent and account pages")
    client_create.set_defaults(func=cmd_oauth_client_create)

    apikey = sub.add_parser("apikey", help="biller API keys").add_subparsers(
        dest="apikey_command", required=True
    )
    create = apikey.add_parser("create", help="print a new API key for a biller (shown once)")
    create.add_argument("--biller", required=True, metavar="NAME|SLUG")
    create.add_argument("--label", default="", help="what the key is for (e.g. the ERP's name)")
    create.set_defaults(func=cmd_apikey_create)

    worker = sub.add_parser("worker", help="deliver queued SMS, email and webhooks (the outbox)")
    worker.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    worker.add_argument(
        "--batch", type=_positive, default=200, help="messages leased per claim (default 200)"
    )
    worker.add_argument("--concurrency", type=_positive, default=1, help="claimer threads (default 1)")
    worker.add_argument(
        "--metrics-port",
        type=_port,
        default=None,
        help="serve Prometheus metrics on this port (default: off)",
    )
    worker.set_defaults(func=cmd_worker)

    outbox = sub.add_parser("outbox", help="the message outbox").add_subparsers(
        dest="outbox_command", required=True
    )
    purge = outbox.add_parser("purge", help="delete or redact sent and dead messages past retention")
    purge.add_argument(
        "--older-than-days", type=_positive, metavar="N", help="default: OUTBOX_RETENTION_DAYS (30)"
    )
    purge.set_defaults(func=cmd_outbox_purge)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ConfigError as exc:
        print(f"billpay: configuration error: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"billpay: {exc.message}", file=sys.stderr)
        return 1
    except Exception as exc:
        from sqlalchemy.exc import OperationalError, ProgrammingError

        if isinstance(exc, OperationalError | ProgrammingError):
            print(
                f"billpay: database error ({type(exc.orig).__name__}); is it reachable and migrated "
                "(billpay db upgrade)?",
                file=sys.stderr,
            )
            return 3
        raise
    return code


if __name__ == "__main__":
    sys.exit(main())
