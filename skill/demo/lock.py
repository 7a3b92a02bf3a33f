"""One `billpay demo run` per var/ directory: an exclusive flock on var/demo.lock, held for the run's lifetime.

The kernel drops a flock when its holder exits or crashes, so a lock never goes stale the way a pid file does.
The holder writes its pid and URL into the file for the refusal message; a second run reads them and touches
nothing else.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

LOCK_NAME = "demo.lock"


class DemoAlreadyRunning(RuntimeError):
    """Another demo holds the lock on this var/ directory."""


@dataclass
class DemoLock:
    path: Path
    handle: IO[str]

    def describe(self, *, pid: int, url: str) -> None:
        """Record who holds the lock: what a second `make demo` prints when it refuses."""
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {pid}, {url}\n")
        self.handle.flush()

    def release(self) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def acquire_demo_lock(var_dir: Path) -> DemoLock:
    """Take var/demo.lock without waiting, or raise DemoAlreadyRunning naming the run that holds it."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / LOCK_NAME
    # "a+" creates the file without truncating it: the holder's description stays readable for the refusal.
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "a process that has not yet written its pid"
        handle.close()
        raise DemoAlreadyRunning(
            f"billpay demo: another demo is already running on {var_dir} ({holder}). "
            "Stop it with Ctrl-C, or give this one its own BILLPAY_VAR_DIR. Nothing was changed."
        ) from None
    os.chmod(path, 0o600)
    return DemoLock(path, handle)
