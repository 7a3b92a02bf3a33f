"""`billpay demo run` starts one `billpay worker` child so that demo messages reach var/mailbox/ while it serves."""

from __future__ import annotations

import os
import subprocess
import sys

from ..settings import Settings


def start_demo_worker(settings: Settings) -> subprocess.Popen[bytes]:
    """A child process with the demo's environment; stop it with `stop_demo_worker`."""
    process = subprocess.Popen([sys.executable, "-m", "skill.cli", "worker"], env=dict(os.environ))
    where = settings.notify.mailbox_dir if settings.notify.backend != "live" else "the configured providers"
    print(f"outbox worker: pid {process.pid}; SMS and email not configured go to {where}", flush=True)
    return process


def stop_demo_worker(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets it finish the message in hand; a worker that hangs is killed after 15 seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
