"""Run localstripe (a fake Stripe server) as a child process with its own state file: for tests and `demo run`.

localstripe always pickles its state to /tmp/localstripe.pickle, shared by every instance on the machine. Run
through this module (`python -m skill.payments.localstripe_process --port N --state FILE`), it keeps its state in
FILE instead. Development tooling only: nothing here imports Stripe, and production never starts it.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

API_KEY = "sk_test_localstripe"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LocalStripe:
    port: int
    state_file: Path
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def register_webhook(
        self, webhook_id: str, url: str, secret: str, events: list[str] | None = None
    ) -> None:
        """localstripe keeps registrations in memory only: register again after every start."""
        fields: list[tuple[str, str]] = [("url", url), ("secret", secret)]
        fields += [("events[]", e) for e in events or []]
        self._request("POST", f"/_config/webhooks/{webhook_id}", urllib.parse.urlencode(fields).encode())

    def get(self, path: str) -> Any:
        return json.loads(self._request("GET", path))

    def _request(self, method: str, path: str, body: bytes | None = None) -> bytes:
        request = urllib.request.Request(self.base_url + path, data=body, method=method)  # noqa: S310 (loopback)
        request.add_header("Authorization", f"Bearer {API_KEY}")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            data: bytes = response.read()
            return data

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def start_localstripe(state_dir: Path, *, fresh: bool = True, timeout: float = 30.0) -> LocalStripe:
    """Start localstripe on a free port with its state in `state_dir`, and wait until it answers."""
    state_dir.mkdir(parents=True, exist_ok=True)
    state_file = state_dir / "localstripe.pickle"
    if fresh:
        state_file.unlink(missing_ok=True)
    for _ in range(3):  # a free port can be taken between probing and binding: try another one
        port = free_port()
        log = (state_dir / "localstripe.log").open("ab")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "skill.payments.localstripe_process",
                "--port",
                str(port),
                "--state",
                str(state_file),
            ],
            cwd=state_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": _package_root()},
        )
        server = LocalStripe(port, state_file, process, log)
        if _wait_ready(server, timeout):
            return server
        server.stop()
    raise RuntimeError(f"localstripe did not start; see {state_dir / 'localstripe.log'}")


def _package_root() -> str:
    return str(Path(__file__).resolve().parents[2])


def _wait_ready(server: LocalStripe, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            server.get("/v1/customers?limit=1")
            return True
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)  # polling a starting process: there is no event to wait on
    return False


def _run(port: int, state_file: Path) -> None:  # pragma: no cover - runs in the child process
    from localstripe import resources, server

    def load(self: Any) -> None:
        if state_file.exists():
            with state_file.open("rb") as f:
                self.clear()
                self.update(pickle.load(f))  # noqa: S301 (our own file, written by this process)

    def dump(self: Any) -> None:
        tmp = state_file.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump(dict(self), f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(state_file)

    resources.Store.try_load_from_disk = load
    resources.Store.dump_to_disk = dump
    sys.argv = ["localstripe", "--port", str(port)]
    server.start()


if __name__ == "__main__":  # pragma: no cover
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, required=True)
    args = parser.parse_args()
    _run(args.port, args.state)
