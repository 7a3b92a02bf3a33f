"""Run the Flask app under gunicorn (the production server) from `billpay serve`."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from ..observability.context import RequestIdFilter
from ..observability.logs import JsonFormatter, configure_logging

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class JsonGunicornLogger(Logger):
    """gunicorn's error and access logs as the same JSON lines as the app's, with the request id."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())
                handler.addFilter(RequestIdFilter())


def prepare_multiprocess_metrics() -> Path:
    """prometheus-client's multiprocess mode: each worker writes its counters to files in one directory and
    any worker's /metrics adds them up. Must run before prometheus-client is imported (it reads the variable
    then). An existing directory is emptied: counters start again with the server, as Prometheus expects.
    https://prometheus.github.io/client_python/multiprocess/
    """
    configured = os.environ.get(MULTIPROC_ENV)
    directory = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="billpay-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)
    return directory


def _child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # its live gauges go; its counters stay summed


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from . import create_app

        return create_app()


def serve(host: str, port: int, *, workers: int = 2) -> None:
    configure_logging()
    prepare_multiprocess_metrics()
    logging.getLogger(__name__).info("metrics directory %s", os.environ[MULTIPROC_ENV])
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": max(1, workers),
            "worker_class": "gthread",
            "threads": 4,
            "timeout": 30,
            "accesslog": "-",
            # Query strings can carry tokens: log the path only.
            "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
            "logger_class": JsonGunicornLogger,
            "child_exit": _child_exit,
        }
    ).run()
