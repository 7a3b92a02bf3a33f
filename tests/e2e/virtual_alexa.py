"""Python side of tests/e2e/driver.js: a node process running virtual-alexa, and conversations through it."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

E2E_DIR = Path(__file__).resolve().parent
DRIVER = E2E_DIR / "driver.js"
MODELS_DIR = E2E_DIR.parents[1] / "interaction_models"
# Each turn is one HTTP round trip to a local server; the payment turn also waits on the gateway.
TURN_TIMEOUT_SECONDS = 30.0


class DriverError(RuntimeError):
    """The driver process died, timed out or answered something that is not JSON."""


class NotUnderstood(AssertionError):
    """virtual-alexa could not turn the phrase into an intent with our interaction model."""


class SkillError(AssertionError):
    """The request was built but the skill endpoint did not answer it with HTTP 200 and JSON."""


def driver_available() -> str | None:
    """Why the driver cannot run here (no node, virtual-alexa not installed), or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (E2E_DIR / "node_modules" / "virtual-alexa").is_dir():
        return "virtual-alexa is not installed: run make e2e-deps"
    return None


class VirtualAlexaDriver:
    """One long-lived `node driver.js`; `call` sends a command and waits, with a deadline, for its answer."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise DriverError("node is not installed")
        self._stderr: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed in close()
        env = {**os.environ, "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE": "1"}
        self._process = subprocess.Popen(
            [node, str(DRIVER)],
            cwd=E2E_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._next_id = 0
        self._reader = threading.Thread(target=self._read, name="virtual-alexa-stdout", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line)
        self._lines.put(None)  # end of output: the process exited

    def call(self, command: dict[str, Any], timeout: float = TURN_TIMEOUT_SECONDS) -> dict[str, Any]:
        """Send one command and return its answer; a late answer to an earlier, timed-out command is dropped."""
        assert self._process.stdin is not None
        self._next_id += 1
        command = {**command, "id": self._next_id}
        try:
            self._process.stdin.write(json.dumps(command) + "\n")
            self._process.stdin.flush()
        except BrokenPipeError:
            raise DriverError(f"the driver has exited: {self.stderr_tail()}") from None
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise DriverError(f"no answer to {command} within {timeout}s: {self.stderr_tail()}") from None
            if line is None:
                raise DriverError(f"the driver exited while answering {command}: {self.stderr_tail()}")
            answer: dict[str, Any] = json.loads(line)
            if answer.get("id") == command["id"]:
                return answer

    def stderr_tail(self, chars: int = 2000) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-chars:]

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._stderr.close()


def plain_speech(ssml: str) -> str:
    """What the customer hears, as text: SSML tags removed, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", ssml)).strip()


@dataclass(frozen=True, repr=False)
class Turn:
    """One request virtual-alexa sent and the skill's answer to it."""

    request: dict[str, Any]
    response: dict[str, Any]

    def __repr__(self) -> str:
        return f"Turn(intent={self.intent!r}, slots={self.slots!r}, speech={self.speech!r})"

    @property
    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.response.get("response") or {}
        return body

    @property
    def ssml(self) -> str:
        return str(self.body.get("outputSpeech", {}).get("ssml", ""))

    @property
    def speech(self) -> str:
        return plain_speech(self.ssml)

    @property
    def reprompt(self) -> str:
        return plain_speech(str(self.body.get("reprompt", {}).get("outputSpeech", {}).get("ssml", "")))

    @property
    def card(self) -> dict[str, Any] | None:
        card: dict[str, Any] | None = self.body.get("card")
        return card

    @property
    def ended(self) -> bool:
        return bool(self.body.get("shouldEndSession"))

    @property
    def intent(self) -> str | None:
        """The intent virtual-alexa resolved the phrase to (None for launch and session-end requests)."""
        intent = self.request["request"].get("intent")
        return None if intent is None else str(intent["name"])

    @property
    def slots(self) -> dict[str, str]:
        """Filled slots: the resolved entity id where entity resolution matched, else the spoken value."""
        intent = self.request["request"].get("intent") or {}
        filled = {}
        for name, slot in (intent.get("slots") or {}).items():
            if not slot.get("value"):  # virtual-alexa fills an optional slot it matched to nothing with ""
                continue
            authorities = (slot.get("resolutions") or {}).get("resolutionsPerAuthority") or []
            ids = [
                a["values"][0]["value"]["id"]
                for a in authorities
                if a["status"]["code"] == "ER_SUCCESS_MATCH" and a.get("values")
            ]
            filled[name] = ids[0] if ids else slot["value"]
        return filled


@dataclass
class VirtualAlexa:
    """A conversation through virtual-alexa: each call is one spoken turn and returns what the customer hears."""

    driver: VirtualAlexaDriver = field(repr=False)
    skill_url: str
    locale: str = "en-US"
    access_token: str | None = None
    device_id: str | None = "amzn1.ask.device.E2E-KITCHEN-ECHO"
    api_endpoint: str | None = None
    turns: list[Turn] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """A new VirtualAlexa: new user, new session, this conversation's locale, model and token."""
        answer = self.driver.call(
            {
                "op": "reset",
                "skillURL": self.skill_url,
                "model": str(MODELS_DIR / f"{self.locale}.json"),
                "locale": self.locale,
                "accessToken": self.access_token,
                "deviceId": self.device_id,
                "apiEndpoint": self.api_endpoint,
            }
        )
        if not answer["ok"]:
            raise DriverError(answer["error"])

    def _turn(self, command: dict[str, Any], what: str) -> str:
        answer = self.driver.call(command)
        if not answer["ok"]:
            error = str(answer["error"])
            if answer.get("request") is None or error.startswith("Unable to match utterance"):
                raise NotUnderstood(f"{self.locale} {what}: {error}")
            raise SkillError(f"{self.locale} {what}: {error}")
        turn = Turn(request=answer["request"], response=answer["response"])
        self.turns.append(turn)
        return turn.speech

    def launch(self) -> str:
        return self._turn({"op": "launch"}, "launch")

    def utter(self, text: str) -> str:
        return self._turn({"op": "utter", "text": text}, repr(text))

    def intend(self, intent: str, **slots: str) -> str:
        return self._turn({"op": "intend", "intent": intent, "slots": slots}, intent)

    def replay(self) -> str:
        """Send the last request again unchanged, as Alexa does when it did not get our answer in time."""
        return self._turn({"op": "replay"}, "replay")

    def end(self, reason: str = "USER_INITIATED") -> None:
        self._turn({"op": "end", "reason": reason}, "session end")

    @property
    def last(self) -> Turn:
        return self.turns[-1]
