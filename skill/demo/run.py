"""`billpay demo run`: migrate, seed once, start localstripe unless Stripe is configured, provision the card, serve.

One demo per var/ directory (an flock on var/demo.lock, taken before anything is touched): a second one refuses
and changes nothing. Ctrl-C stops the web server and the localstripe child together.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

from ..bootstrap import Services, bootstrap
from ..payments.localstripe_process import API_KEY, LocalStripe, start_localstripe
from ..settings import Settings
from ..settings import var_dir as settings_var_dir
from .lock import DemoAlreadyRunning, acquire_demo_lock
from .timing import report_first_healthy_answer, started_at
from .worker import start_demo_worker, stop_demo_worker


def run_demo(host: str, port: int, *, serve: Callable[[str, int], None] | None = None) -> int:
    started = started_at()
    var_dir = settings_var_dir(os.environ)  # read before the settings: the lock comes first
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (a comparison)
    try:
        lock = acquire_demo_lock(var_dir)
    except DemoAlreadyRunning as refusal:
        print(refusal, file=sys.stderr, flush=True)
        return 1
    try:
        lock.describe(pid=os.getpid(), url=f"http://{reachable}:{port}")
        return _run_locked(host, reachable, port, var_dir, started, serve)
    finally:
        lock.release()


def _run_locked(
    host: str,
    reachable: str,
    port: int,
    var_dir: Path,
    started: float,
    serve: Callable[[str, int], None] | None,
) -> int:
    settings = Settings.from_env()
    if (path := settings.sqlite_path()) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SECRET_KEY", _demo_secret_key(var_dir))
    os.environ.setdefault("BILLPAY_DEMO", "true")  # the start page's demo links and the mailbox viewer
    _prepare_database(settings)
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{reachable}:{port}")
    localstripe: LocalStripe | None = None
    if not (settings.stripe_api_key or settings.stripe_api_base):
        localstripe = start_localstripe(var_dir / "localstripe")
        secret = "whsec_" + secrets.token_hex(16)
        os.environ.update(
            STRIPE_API_BASE=localstripe.base_url, STRIPE_API_KEY=API_KEY, STRIPE_WEBHOOK_SECRET=secret
        )
        localstripe.register_webhook("billpay-demo", f"http://{reachable}:{port}/webhooks/stripe", secret)
    worker = None
    try:
        services = bootstrap(Settings.from_env())
        try:
            _provision(services, fresh_provider=localstripe is not None)
        finally:
            services.dispose()
        worker = start_demo_worker(services.settings)  # payment links and receipts land in var/mailbox/
        _print_demo_access(services, var_dir)
        print(f"billpay demo: http://{reachable}:{port}  (Ctrl-C stops everything)", flush=True)
        if localstripe is not None:
            print(f"localstripe: {localstripe.base_url}  (webhooks to /webhooks/stripe)", flush=True)
        report_first_healthy_answer(f"http://{reachable}:{port}/healthz", started=started)
        (serve or _gunicorn)(host, port)
    finally:
        if worker is not None:
            stop_demo_worker(worker)
        if localstripe is not None:
            localstripe.stop()
    return 0


def _prepare_database(settings: Settings) -> None:
    from ..storage.migrate import upgrade
    from .seed import DEMO_EMAIL, seed_services

    services = bootstrap(settings)
    try:
        upgrade(services.engine)
        with services.uow() as uow:
            seeded = uow.customers.by_email(DEMO_EMAIL) is not None
        if not seeded:
            seed_services(services)
    finally:
        services.dispose()


def _provision(services: Services, *, fresh_provider: bool) -> None:
    from .payments import provision_services_card

    label = provision_services_card(services, force=fresh_provider)
    if label:
        print(f"demo card provisioned at the provider: {label}", flush=True)


def _gunicorn(host: str, port: int) -> None:
    from ..web.server import serve

    serve(host, port, workers=2)


def _demo_secret_key(var_dir: Path) -> str:
    """A key kept in var/ so that sessions survive a demo restart; production sets SECRET_KEY itself."""
    path = var_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _print_demo_access(services: Services, var_dir: Path) -> None:
    from .access import demo_linking_token, demo_token_path
    from .seed import DEMO_EMAIL

    token, issued = demo_linking_token(services, var_dir)
    state = "new, valid 7 days" if issued else "still valid, reused"
    print(f"demo customer: {DEMO_EMAIL}", flush=True)
    print(f"account-linking token for the demo customer ({state}): {token}", flush=True)
    print(f"  (kept in {demo_token_path(var_dir)}; docs/examples/ show how to send it)", flush=True)
