"""The demo's own stopwatch: from `make demo` (or `billpay demo run`) to the first healthy answer of /healthz.

`make demo` exports BILLPAY_DEMO_STARTED (epoch seconds) before it installs anything, so the number printed
includes the install; run directly, the clock starts with the process.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.error
import urllib.request

STARTED_ENV = "BILLPAY_DEMO_STARTED"


def started_at() -> float:
    raw = os.environ.get(STARTED_ENV, "")
    try:
        return float(raw)
    except ValueError:
        return time.time()


def report_first_healthy_answer(url: str, *, started: float, timeout: float = 120.0) -> threading.Thread:
    """A daemon thread that polls `url` (the /healthz endpoint) and prints the elapsed time once it answers 200."""

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own loopback URL)
                    if response.status == 200:
                        elapsed = time.time() - started
                        print(f"billpay demo: first healthy answer after {elapsed:.1f} s", flush=True)
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)  # the server is still booting: nothing to wait on but the socket

    thread = threading.Thread(target=watch, name="demo-healthz", daemon=True)
    thread.start()
    return thread
