"""A local SMTP sink for the delivery benchmark: aiosmtpd, counting each Message-ID it accepts.

Usage: python bench/smtp_sink.py --port N [--pipelining]
It prints "ready" once listening and, when its standard input closes, one JSON line: how many messages it
accepted, each Message-ID's count, the wall-clock times of the first and last message, and its own CPU seconds.
--pipelining advertises RFC 2920 PIPELINING, which aiosmtpd handles (it reads commands from a buffered stream in
order) but does not announce: real relays (Postfix, Exim, Amazon SES) do announce it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from collections import Counter
from typing import Any

from aiosmtpd.controller import Controller

_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


class CountingHandler:
    def __init__(self, pipelining: bool) -> None:
        self.pipelining = pipelining
        self.ids: Counter[str] = Counter()
        self.first: float | None = None
        self.last: float | None = None
        self.without_id = 0
        self.lock = threading.Lock()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        found = _MESSAGE_ID.search(envelope.content)
        now = time.time()
        with self.lock:
            if found is None:
                self.without_id += 1
            else:
                self.ids[found.group(1).decode()] += 1
            self.first = now if self.first is None else self.first
            self.last = now
        return "250 Message accepted"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pipelining", action="store_true")
    args = parser.parse_args()
    handler = CountingHandler(args.pipelining)
    controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    cpu_start = time.process_time()
    sys.stdin.read()  # the benchmark closes our stdin when it is done
    cpu = time.process_time() - cpu_start
    controller.stop()
    with handler.lock:
        report = {
            "accepted": sum(handler.ids.values()) + handler.without_id,
            "without_message_id": handler.without_id,
            "ids": dict(handler.ids),
            "first": handler.first,
            "last": handler.last,
            "cpu_seconds": round(cpu, 3),
        }
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
