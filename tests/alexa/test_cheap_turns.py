"""A voice turn's cost that is not time: no JSON round trip in dispatch, one connection, a few statements."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.services.identity.link_tokens import issue_token
from tests.alexa.driver import AlexaClient

ROOT = Path(__file__).resolve().parents[2]


def test_dispatch_builds_the_envelope_from_the_parsed_event_without_writing_it_out_as_json(
    alexa: AlexaClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: DefaultSerializer, payload: object, obj_type: object) -> None:
        raise AssertionError("the event was turned into JSON text and parsed again")

    monkeypatch.setattr(DefaultSerializer, "deserialize", refuse)
    alexa.launch()
    assert "You have 3 open bills" in alexa.speech


class _Recorded:
    """A DB-API connection whose cursors note every statement they run (the driver's own calls, both backends)."""

    def __init__(self, connection: Any, statements: list[str]) -> None:
        self._connection, self._statements = connection, statements

    def cursor(self) -> Any:
        cursor, statements = self._connection.cursor(), self._statements

        class Cursor:
            def execute(self, sql: str, params: Any = ()) -> Any:
                statements.append(" ".join(sql.split()))
                return cursor.execute(sql, params)

            def __getattr__(self, name: str) -> Any:
                return getattr(cursor, name)

        return Cursor()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


@pytest.fixture
def statements(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """The statements of the turn on the read model's connections, and on the ORM's engine (which should see none)."""
    from sqlalchemy import event

    seen: dict[str, list[str]] = {"reads": [], "orm": [], "connections": []}
    reads = services.store.reads
    assert reads is not None
    opened = reads._open

    def open_recorded() -> Any:
        seen["connections"].append("opened")
        return _Recorded(opened(), seen["reads"])

    monkeypatch.setattr(reads, "_open", open_recorded)
    reads.close()  # the next turn opens its connection through the recorder

    def orm(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen["orm"].append(statement)

    event.listen(services.engine, "before_cursor_execute", orm)
    yield seen
    event.remove(services.engine, "before_cursor_execute", orm)


def _turn(alexa: AlexaClient, seen: dict[str, list[str]], send: Any) -> list[str]:
    for kept in seen.values():
        kept.clear()
    send()
    assert seen["orm"] == [], "a voice read went through the ORM's engine"
    return list(seen["reads"])


def test_a_launch_reads_in_two_statements_on_one_connection_and_records_the_token_s_use_once(
    alexa: AlexaClient, statements: dict[str, list[str]]
) -> None:
    first = _turn(alexa, statements, alexa.launch)
    assert statements["connections"] == ["opened"]
    # The token and its customer; the use written (it was never used); the billers and open bills.
    assert [s.split()[0] for s in first] == ["SELECT", "UPDATE", "SELECT"], first
    assert "You have 3 open bills" in alexa.speech
    again = _turn(alexa, statements, alexa.launch)
    assert [s.split()[0] for s in again] == ["SELECT", "SELECT"] and statements["connections"] == []


def test_a_listing_reads_in_two_statements_on_the_launch_s_connection(
    alexa: AlexaClient, statements: dict[str, list[str]]
) -> None:
    alexa.launch()
    listing = _turn(alexa, statements, lambda: alexa.intent("ListBillsIntent"))
    assert len(listing) == 2 and all(s.startswith("SELECT") for s in listing), listing
    assert statements["connections"] == [] and "You have 3 open bills" in alexa.speech


PROBE = """
import json, sys
sys.path.insert(0, "lambda")
import lambda_function
answers = [lambda_function.lambda_handler(event, None) for event in json.loads(sys.stdin.read())]
print(json.dumps({"speech": [a["response"]["outputSpeech"]["ssml"] for a in answers], "modules": sorted(sys.modules)}))
"""


def test_a_new_lambda_process_answers_a_launch_and_a_listing_without_importing_sqlalchemy(
    services: Services, demo: DemoSummary, database_url: str
) -> None:
    token = issue_token(
        services.uow(), demo.email, services.clock, ttl=timedelta(days=3650)
    )  # the real clock
    client = AlexaClient(send=lambda e: e, access_token=token)
    events = [client.envelope({"type": "LaunchRequest"}), client.envelope(_intent("ListBillsIntent"))]
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        timeout=120,
        check=True,
    )
    out = json.loads(result.stdout.splitlines()[-1])  # after the turns' EMF metric lines
    launch, listing = out["speech"]
    assert "You have 3 open bills" in launch and "Your water bill from Aqua Pura" in listing
    assert not [name for name in out["modules"] if name == "sqlalchemy" or name.startswith("sqlalchemy.")]


def _intent(name: str) -> dict[str, Any]:
    return {"type": "IntentRequest", "intent": {"name": name, "confirmationStatus": "NONE", "slots": {}}}
