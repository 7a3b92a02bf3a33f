"""The phrasing corpus (tests/corpus/<locale>.json, issue #11 item 6) through virtual-alexa and the running skill.

Each phrasing is one conversation: a fresh session, its context (`before`), the phrase, then checks of the intent,
the slots and the answer against the store (tests/corpus/answers.py). One driver process and one app serve the
whole run; the store is restored to the seeded rows whenever a phrase changed it. Each locale must pass at >= 95 %
(issue #11; until then at its FLOOR), and with the meant intents sent directly, the answers at >= 99 %.

The failure report without the assertion, for whoever fixes the grammar:

    .venv/bin/python -m tests.e2e.test_phrasing_corpus --report en-US [--family pay] [--json report.json]
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, event, insert, select

from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DEMO_EMAIL, seed_demo
from skill.domain.clock import FixedClock
from skill.domain.model import BillType
from skill.services.billing import ledger
from skill.services.identity import directory
from skill.services.identity.link_tokens import issue_token
from skill.services.identity.voice_pin import set_voice_pin
from skill.settings import Settings
from skill.storage.db import make_engine
from skill.storage.migrate import upgrade
from skill.storage.models import Base
from skill.web import create_app
from tests.conftest import NOW
from tests.corpus import answers
from tests.corpus.answers import FAMILIES, Heard, Snapshot
from tests.e2e.virtual_alexa import (
    MODELS_DIR,
    DriverError,
    NotUnderstood,
    SkillError,
    VirtualAlexa,
    VirtualAlexaDriver,
    driver_available,
    plain_speech,
)
from tests.support.fake_gateway import FakeGateway
from tests.support.localstripe import serving
from tests.support.payments import DEMO_CARD, DEMO_CUSTOMER
from tests.support.recording_server import recording_server

CORPUS_DIR = Path(__file__).resolve().parents[1] / "corpus"
LOCALES = ("en-US", "en-GB", "de-DE", "nl-NL")
MINIMUM = {"en-US": 40, "en-GB": 20, "de-DE": 30, "nl-NL": 30}
PASS_RATE = 0.95  # issue #11's acceptance for understanding, in every locale: not reached yet (FLOOR)
# What each locale's phrasings pass at now, through the grammar's models: a run below it fails, so understanding
# never slips back while the grammar grows to PASS_RATE. Raise a floor when the grammar gains; at PASS_RATE in
# every locale the floors go and PASS_RATE is asserted.
FLOOR = {"en-US": 0.73, "en-GB": 0.50, "de-DE": 0.63, "nl-NL": 0.47}  # measured: 74.5, 51.2, 64.1, 48.1 %
# With each phrasing's meant intent and slots sent directly (no grammar), what the answers must pass at.
ANSWER_RATE = 0.99
ENTRY_KEYS = {"say", "slots", "before", "intent", "note"}
STEP_KEYS = {"launch", "say", "intend", "slots"}
BILL_PRESETS = ("electricity", "water", "phone")
PRESETS = {"launch", "listed", "paged", "pin"} | {
    f"{kind}:{bill}" for kind in ("details", "confirm", "paid") for bill in BILL_PRESETS
}
# The fourth bill of the `paged` context: the listing reads three, "there is one more".
PAGED_BILL = ("NWE-2026-GAS", BillType.GAS, 20, 6175, "Gas, winter")


# --- the corpus ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    locale: str
    family: str
    say: str
    slots: dict[str, str]  # what the phrase means, "?" markers removed
    optional: frozenset[str]  # slots that may stay empty (a word that is a carrier or a value, by grammar)
    before: str | list[dict[str, Any]] | None
    intents: tuple[str, ...]

    def slots_match(self, filled: dict[str, str]) -> bool:
        """Exactly the meant slots; an optional one only when it was filled (and then with its value)."""
        expected = {k: v for k, v in self.slots.items() if k not in self.optional or k in filled}
        return filled == expected


def load_corpus(locale: str) -> list[Entry]:
    path = CORPUS_DIR / f"{locale}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data.get("locale") == locale, f"{path.name}: locale is {data.get('locale')!r}"
    unknown = set(data["families"]) - set(FAMILIES)
    assert not unknown, f"{path.name}: unknown families {sorted(unknown)}"
    entries = []
    for family, items in data["families"].items():
        for item in items:
            raw: dict[str, Any] = {"say": item} if isinstance(item, str) else item
            assert set(raw) <= ENTRY_KEYS and "say" in raw, f"{path.name} {family}: bad entry {raw}"
            before = raw.get("before", FAMILIES[family].before)
            check_before(before, f"{path.name} {family} {raw['say']!r}")
            override = raw.get("intent")
            intents = (
                FAMILIES[family].intents
                if override is None
                else tuple(override if isinstance(override, list) else [override])
            )
            slots = {k.rstrip("?"): str(v) for k, v in raw.get("slots", {}).items()}
            optional = frozenset(k.rstrip("?") for k in raw.get("slots", {}) if k.endswith("?"))
            entries.append(Entry(locale, family, raw["say"], slots, optional, before, intents))
    return entries


def check_before(before: Any, where: str) -> None:
    if before is None or isinstance(before, str):
        assert before is None or before in PRESETS, f"{where}: unknown preset {before!r}"
        return
    for step in before:
        assert set(step) <= STEP_KEYS, f"{where}: bad step {step}"
        assert sum(k in step for k in ("launch", "say", "intend")) == 1, (
            f"{where}: one thing per step: {step}"
        )


def model_slots(locale: str) -> dict[str, set[str]]:
    """Each intent of the locale's interaction model with its slot names."""
    model = json.loads((MODELS_DIR / f"{locale}.json").read_text(encoding="utf-8"))
    intents = model["interactionModel"]["languageModel"]["intents"]
    return {i["name"]: {s["name"] for s in i.get("slots", [])} for i in intents}


# The slots of issue #11's intents (the contract skill/conversation/grammar/schema.py holds too): the `--intend`
# mode and the probe add the ones a model lacks to a copy of it, so an answer can be checked before the grammar
# has the intent.
INVENTORY_SLOTS = {
    "TotalOwedIntent": {"biller": "BILLER_NAME"},
    "NextDueIntent": {"billType": "BILL_TYPE", "biller": "BILLER_NAME"},
    "AmountLeftIntent": {"billType": "BILL_TYPE", "biller": "BILLER_NAME", "ordinal": "ORDINAL"},
    "LatestInvoiceIntent": {"billType": "BILL_TYPE", "biller": "BILLER_NAME", "channel": "CONTACT_CHANNEL"},
    "ContactIntent": {"biller": "BILLER_NAME"},
    "AMAZON.RepeatIntent": {},
    "AMAZON.StartOverIntent": {},
    **{
        name: {"billType": "BILL_TYPE", "biller": "BILLER_NAME"}
        for name in (
            "ReminderIntent",
            "OverpaidIntent",
            "UnderpaidIntent",
            "WhyHigherIntent",
            "DisputeIntent",
            "PaymentPlanIntent",
        )
    },
}


def augmented_model(locale: str, directory: Path) -> Path:
    """A copy of the locale's model with every inventory intent it lacks (one placeholder sample each).

    Only the `--intend` mode and the probe use it; the phrases are always said against the checked-in model.
    """
    path = directory / f"augmented-{locale}.json"
    if path.exists():
        return path
    model = json.loads((MODELS_DIR / f"{locale}.json").read_text(encoding="utf-8"))
    language = model["interactionModel"]["languageModel"]
    have = {i["name"] for i in language["intents"]}
    for index, (name, slots) in enumerate(sorted(INVENTORY_SLOTS.items())):
        if name not in have:
            language["intents"].append(
                {
                    "name": name,
                    "slots": [{"name": slot, "type": kind} for slot, kind in slots.items()],
                    "samples": [] if name.startswith("AMAZON.") else [f"zzcorpus probe {'q' * (index + 1)}"],
                }
            )
    # The skill asks for the PIN with Dialog.ElicitSlot, which virtual-alexa refuses for an intent without a dialog.
    dialog = model["interactionModel"].setdefault("dialog", {"intents": []})
    if not any(i["name"] == "VoicePinIntent" for i in dialog.get("intents", [])):
        prompt = "Elicit.Slot.corpus.pin"
        dialog.setdefault("intents", []).append(
            {
                "name": "VoicePinIntent",
                "confirmationRequired": False,
                "prompts": {},
                "slots": [
                    {
                        "name": "pin",
                        "type": "AMAZON.FOUR_DIGIT_NUMBER",
                        "elicitationRequired": True,
                        "confirmationRequired": False,
                        "prompts": {"elicitation": prompt},
                    }
                ],
            }
        )
        prompts = model["interactionModel"].setdefault("prompts", [])
        prompts.append({"id": prompt, "variations": [{"type": "PlainText", "value": "PIN?"}]})
    path.write_text(json.dumps(model), encoding="utf-8")
    return path


def spoken_values(locale: str) -> dict[str, dict[str, str]]:
    """Per slot type, entity id -> the value's name (what `intend` must send for that id to resolve)."""
    model = json.loads((MODELS_DIR / f"{locale}.json").read_text(encoding="utf-8"))
    types = model["interactionModel"]["languageModel"].get("types", [])
    return {
        t["name"]: {v.get("id", v["name"]["value"]): v["name"]["value"] for v in t["values"]} for t in types
    }


@dataclass
class ModelConversation(VirtualAlexa):
    """A VirtualAlexa conversation on a given model file (the checked-in one unless told otherwise)."""

    model: Path | None = None

    def reset(self) -> None:
        answer = self.driver.call(
            {
                "op": "reset",
                "skillURL": self.skill_url,
                "model": str(self.model or MODELS_DIR / f"{self.locale}.json"),
                "locale": self.locale,
                "accessToken": self.access_token,
                "deviceId": self.device_id,
                "apiEndpoint": self.api_endpoint,
            }
        )
        if not answer["ok"]:
            raise DriverError(answer["error"])


# --- the world the phrases are said in -------------------------------------------------------------------------
class World:
    """The skill on a local port with its services, a fake gateway, the virtual-alexa driver and the demo store."""

    def __init__(
        self,
        services: Services,
        gateway: FakeGateway,
        skill_url: str,
        api_url: str,
        driver: VirtualAlexaDriver,
        base_dir: Path,
    ):
        self.services, self.gateway, self.driver = services, gateway, driver
        self.skill_url, self.api_url, self.base_dir = skill_url, api_url, base_dir
        self.token = ""
        self.pristine: tuple[Any, ...] = ()
        self.customer_id = 0
        self.restores = 0
        self.rows: dict[Any, list[dict[str, Any]]] = {}
        self.pin_rows: dict[Any, list[dict[str, Any]]] = {}

    def snapshot(self) -> Snapshot:
        return answers.take_snapshot(self.services, [p.amount_minor for p in self.gateway.charged])

    def seed(self) -> None:
        """Seed the demo once and keep every row, so that `restore` can put the store back in one transaction.

        The same rows with the voice PIN set are kept too: hashing a PIN per phrase would cost more than the phrase.
        """
        summary = seed_demo(self.services.uow, self.services.clock)
        self.customer_id = summary.customer_id
        self.token = issue_token(self.services.uow(), DEMO_EMAIL, self.services.clock, ttl=timedelta(days=30))
        self.rows = self._rows()
        self.pristine = self.snapshot().fingerprint()
        uow, clock, pepper = self.services.uow(), self.services.clock, self.services.settings.voice_pin_pepper
        set_voice_pin(uow, self.customer_id, answers.PIN, clock, pepper=pepper)
        self.pin_rows = self._rows()
        self.restore()

    def _rows(self) -> dict[Any, list[dict[str, Any]]]:
        with self.services.engine.connect() as conn:
            return {
                t: [dict(r._mapping) for r in conn.execute(select(t))] for t in Base.metadata.sorted_tables
            }

    def restore(self, rows: dict[Any, list[dict[str, Any]]] | None = None) -> None:
        """Every table back to the seeded rows: a phrase that paid, sent or recorded something leaves no trace."""
        rows = rows or self.rows
        with self.services.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(delete(table))
            for table in Base.metadata.sorted_tables:
                if rows[table]:
                    conn.execute(insert(table), rows[table])
        self.gateway.intents.clear()
        self.restores += 1

    def clean(self) -> None:
        if self.snapshot().fingerprint() != self.pristine:
            self.restore()

    def conversation(self, locale: str, *, augmented: bool = False) -> VirtualAlexa:
        model = augmented_model(locale, self.base_dir) if augmented else None
        return ModelConversation(
            self.driver,
            self.skill_url,
            locale=locale,
            access_token=self.token,
            api_endpoint=self.api_url,
            model=model,
        )

    def set_pin(self) -> None:
        """The voice PIN (answers.PIN) is set: the seeded rows with it."""
        self.restore(self.pin_rows)

    def add_paged_bill(self) -> None:
        number, kind, due, amount, text = PAGED_BILL
        with self.services.uow() as probe:
            biller = probe.billers.by_slug("northwind-energy")
            assert biller is not None
            biller_id = biller.id
        account = directory.account_id(self.services.uow(), self.customer_id, biller_id)
        today = self.services.clock.today()
        new = ledger.NewInvoice(
            biller_id,
            account,
            number,
            kind,
            today,
            today + timedelta(days=due),
            amount,
            "EUR",
            text,
            line_items=({"description": text, "amount_minor": amount},),
        )
        ledger.create_invoice(self.services.uow(), new, self.services.clock)

    def unknown_intent_speech(self, alexa: VirtualAlexa) -> str:
        """What the skill answers an intent it has no handler for (sent as JSON, past virtual-alexa's model)."""
        request = copy.deepcopy(alexa.last.request)
        request["request"]["requestId"] = f"amzn1.echo-api.request.{uuid.uuid4()}"
        request["request"]["type"] = "IntentRequest"
        request["request"]["intent"] = {
            "name": "CorpusNoSuchIntent",
            "confirmationStatus": "NONE",
            "slots": {},
        }
        http = urllib.request.Request(
            self.skill_url, json.dumps(request).encode(), {"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(http, timeout=30) as answer:
            body = json.loads(answer.read())
        return plain_speech(str(body.get("response", {}).get("outputSpeech", {}).get("ssml", "")))


@contextmanager
def corpus_world(base_dir: Path) -> Iterator[World]:
    """A migrated SQLite store, the app served on a free port, a recording Alexa API and one node driver."""
    url = f"sqlite:///{base_dir / 'corpus.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    settings = Settings.from_env(
        {
            "DATABASE_URL": url,
            "PUBLIC_BASE_URL": "https://pay.example.test",
            "SECRET_KEY": "test-secret-key",
            "BILLPAY_VAR_DIR": str(base_dir),
            "ALEXA_VERIFY_REQUESTS": "false",
        }
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per turn drowns the report
    gateway = FakeGateway()
    gateway.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    services = bootstrap(settings, clock=FixedClock(NOW), gateway=gateway)
    # A throwaway store: no fsync per commit (the store is restored after most phrases).
    event.listen(services.engine, "connect", lambda conn, _: conn.execute("PRAGMA synchronous=OFF"))
    with ExitStack() as stack:
        stack.callback(services.dispose)
        base_url = stack.enter_context(serving(create_app(services=services)))
        api = stack.enter_context(recording_server())
        driver = VirtualAlexaDriver()
        stack.callback(driver.close)
        world = World(services, gateway, f"{base_url}/alexa", api.url, driver, base_dir)
        world.seed()
        yield world


# --- one phrasing ----------------------------------------------------------------------------------------------
@dataclass
class Result:
    locale: str
    family: str
    say: str
    before: Any
    passed: bool
    expected_intent: str
    expected_slots: dict[str, str]
    intent: str | None = None
    slots: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    speech: str = ""
    cause: str = (
        ""  # not understood | wrong intent | wrong slots | answer | context | error | no handler | ...
    )


@dataclass
class Context:
    preset: str | None = None
    listed: list[int] = field(default_factory=list)
    focus: int | None = None


def open_bill(snap: Snapshot, bill_type: str) -> int:
    return next(b.invoice_id for b in snap.open_bills if b.bill_type == bill_type)


def listed_order(speech: str, snap: Snapshot, locale: str) -> list[int]:
    """The bills a listing read, in the order it read them (found by their amounts, which differ)."""
    found = []
    for bill in snap.open_bills:
        match = answers.re.search(
            answers.money_pattern(bill.left, locale), speech, flags=answers.re.IGNORECASE
        )
        if match:
            found.append((match.start(), bill.invoice_id))
    return [invoice_id for _, invoice_id in sorted(found)]


def play_before(world: World, alexa: VirtualAlexa, before: str | list[dict[str, Any]] | None) -> Context:
    context = Context(preset=before if isinstance(before, str) else None)
    snap = world.snapshot()
    if before is None:
        return context
    if isinstance(before, list):
        for step in before:
            if step.get("launch"):
                alexa.launch()
            elif "say" in step:
                alexa.utter(step["say"])
            else:
                alexa.intend(step["intend"], **step.get("slots", {}))
            order = listed_order(alexa.last.speech, snap, alexa.locale)
            if len(order) > 1:
                context.listed = order
        return context
    kind, _, bill = before.partition(":")
    if kind == "launch":
        alexa.launch()
    elif kind in ("listed", "paged"):
        if kind == "paged":
            world.add_paged_bill()
            snap = world.snapshot()
        alexa.intend("ListBillsIntent")
        context.listed = listed_order(alexa.last.speech, snap, alexa.locale)
    elif kind == "details":
        alexa.intend("BillDetailsIntent", billType=bill)
        context.focus = open_bill(snap, bill)
    elif kind in ("confirm", "paid"):
        alexa.intend("PayBillIntent", billType=bill)
        if kind == "paid":
            alexa.intend("AMAZON.YesIntent")
        context.focus = open_bill(snap, bill)
    elif kind == "pin":
        world.set_pin()
        alexa.intend("PayBillIntent", billType="phone")
        alexa.intend("AMAZON.YesIntent")
        context.focus = open_bill(snap, "phone")
    return context


def intent_slot_types(locale: str, intent: str) -> dict[str, str]:
    """An intent's slots and their types: the model's, else issue #11's inventory."""
    kinds = {**INVENTORY_SLOTS.get(intent, {})}
    model = json.loads((MODELS_DIR / f"{locale}.json").read_text(encoding="utf-8"))
    for spec in model["interactionModel"]["languageModel"]["intents"]:
        if spec["name"] == intent:
            kinds.update({slot["name"]: slot["type"] for slot in spec.get("slots", [])})
    return kinds


def intend_slots(entry: Entry, intent: str) -> dict[str, str]:
    """The entry's meant slots as `intend` sends them: each entity id as its value's name."""
    kinds = intent_slot_types(entry.locale, intent)
    names = spoken_values(entry.locale)
    return {k: names.get(kinds.get(k, ""), {}).get(v, v) for k, v in entry.slots.items()}


def run_entry(world: World, entry: Entry, *, intend: bool = False) -> Result:
    """One phrasing in a fresh session; `intend` sends the meant intent and slots instead (answers only)."""
    result = Result(
        entry.locale, entry.family, entry.say, entry.before, False, "|".join(entry.intents), entry.slots
    )
    world.clean()
    alexa = world.conversation(entry.locale, augmented=intend)

    try:
        context = play_before(world, alexa, entry.before)
    except (NotUnderstood, SkillError, KeyError, StopIteration) as error:
        result.cause, result.problems = "context", [f"the context failed: {error}"]
        return result
    previous = alexa.last.speech if alexa.turns else None
    before = world.snapshot()
    try:
        if intend:
            alexa.intend(entry.intents[0], **intend_slots(entry, entry.intents[0]))
        else:
            alexa.utter(entry.say)
    except NotUnderstood as error:
        result.cause, result.problems = "not understood", [str(error).split(": ", 1)[-1]]
        return result
    except SkillError as error:
        result.cause, result.problems = "error", [str(error)]
        return result
    turn = alexa.last
    result.intent, result.slots, result.speech = turn.intent, turn.slots, turn.speech
    if FAMILIES[entry.family].after_yes and not turn.ended:
        alexa.intend("AMAZON.YesIntent")
    after = world.snapshot()
    if intend:
        pass  # the intent and slots were sent as meant: only the answer is checked
    elif turn.intent not in entry.intents:
        result.cause = "wrong intent"
        result.problems.append(f"intent {turn.intent}, expected {result.expected_intent}")
    elif not entry.slots_match(turn.slots):
        result.cause = "wrong slots"
        result.problems.append(f"slots {turn.slots}, expected {entry.slots}")
    card = turn.card or {}
    heard = Heard(
        locale=entry.locale,
        slots=entry.slots,
        speech=turn.speech,
        ssml=turn.ssml,
        ended=turn.ended,
        card_text=f"{card.get('title', '')} {card.get('content', '')} {card.get('text', '')}",
        before=before,
        after=after,
        preset=context.preset,
        previous_speech=previous,
        listed=context.listed,
        focus=context.focus,
    )
    answer = FAMILIES[entry.family].check(heard)
    if answer:
        result.cause = result.cause or "answer"
        result.problems += [f"the answer should {p}" for p in answer]
    if entry.locale[:2] in ("de", "nl"):
        english = answers.english_words(f"{turn.speech} {turn.reprompt}", before)
        if english:
            result.cause = result.cause or "english"
            result.problems.append(f"English in the answer: {english}")
    result.passed = not result.problems
    return result


# --- a locale --------------------------------------------------------------------------------------------------
@dataclass
class LocaleRun:
    locale: str
    results: list[Result]
    unimplemented: dict[str, str]  # family -> why (not in the model, no handler)
    seconds: float

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def rate(self) -> float:
        return self.passed / len(self.results) if self.results else 0.0


def probe_families(world: World, locale: str, families: set[str], *, intend: bool = False) -> dict[str, str]:
    """Families whose intent the model lacks (unless `intend` bypasses it), or that no handler answers."""
    intents = model_slots(locale)
    missing: dict[str, str] = {}
    unknown: str | None = None
    for family in sorted(families):
        spec = FAMILIES[family]
        why = []
        if not intend and not any(i in intents for i in spec.intents):
            why.append(f"{'/'.join(spec.intents)} is not in interaction_models/{locale}.json")
        world.clean()
        alexa = world.conversation(locale, augmented=True)
        try:
            play_before(world, alexa, spec.before)
            speech = alexa.intend(spec.intents[0])
            unknown = unknown or world.unknown_intent_speech(alexa)
            if speech == unknown:
                why.append(f"no handler answers {spec.intents[0]} ({speech!r})")
        except (NotUnderstood, SkillError) as error:
            why.append(f"the skill failed on {spec.intents[0]}: {error}")
        if why:
            missing[family] = "; ".join(why)
    world.clean()
    return missing


def run_locale(world: World, locale: str, family: str | None = None, *, intend: bool = False) -> LocaleRun:
    started = time.perf_counter()
    entries = [e for e in load_corpus(locale) if family in (None, e.family)]
    unimplemented = probe_families(world, locale, {e.family for e in entries}, intend=intend)
    results = [run_entry(world, e, intend=intend) for e in entries]
    return LocaleRun(locale, results, unimplemented, time.perf_counter() - started)


def report(run: LocaleRun, limit: int | None = None) -> str:
    """Pass rate per family, the families not implemented yet, then every failure with expected and got."""
    lines = [f"{run.locale}: {run.passed}/{len(run.results)} passed ({run.rate:.1%}) in {run.seconds:.0f}s"]
    per_family: dict[str, list[Result]] = {}
    for result in run.results:
        per_family.setdefault(result.family, []).append(result)
    for family, results in per_family.items():
        ok = sum(r.passed for r in results)
        note = f"  NOT IMPLEMENTED: {run.unimplemented[family]}" if family in run.unimplemented else ""
        lines.append(f"  {family:<15} {ok:>3}/{len(results):<3}{note}")
    failures = [r for r in run.results if not r.passed]
    causes = Counter(r.cause for r in failures if r.family not in run.unimplemented)
    lines.append("  causes: " + ", ".join(f"{cause} {count}" for cause, count in causes.most_common()))
    waiting = [r for r in failures if r.family in run.unimplemented]
    if waiting:
        lines.append(
            f"  in families not implemented yet: {len(waiting)} failures (listed only when the model has the intent)"
        )
    absent = {f for f, why in run.unimplemented.items() if "is not in interaction_models" in why}
    failures = [r for r in failures if r.family not in absent]
    for r in failures[:limit]:
        context = f" (after {r.before})" if r.before else ""
        lines.append(f"- [{r.family}] {r.say!r}{context}: {r.cause}")
        lines.append(f"    expected {r.expected_intent} {r.expected_slots}; got {r.intent} {r.slots}")
        lines += [f"    {p}" for p in r.problems]
        if r.speech:
            lines.append(f"    heard: {r.speech[:300]}")
    if limit is not None and len(failures) > limit:
        lines.append(f"... and {len(failures) - limit} more failures")
    return "\n".join(lines)


# --- the tests -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    missing = driver_available()
    if missing:
        pytest.skip(f"the phrasing corpus needs node and virtual-alexa ({missing})")
    with corpus_world(tmp_path_factory.mktemp("corpus")) as built:
        yield built


@pytest.mark.e2e
@pytest.mark.parametrize("locale", LOCALES)
def test_the_corpus_passes_in(locale: str, world: World) -> None:
    assert (CORPUS_DIR / f"{locale}.json").exists(), f"no corpus for {locale}"
    run = run_locale(world, locale)
    print(report(run))  # every failure, in the captured output
    assert run.rate >= min(PASS_RATE, FLOOR[locale]), report(run, limit=25)


@pytest.mark.e2e
@pytest.mark.parametrize("locale", LOCALES)
def test_every_meant_intent_is_answered_from_the_store_in(locale: str, world: World) -> None:
    """The answers alone: each phrasing's intent and slots sent as they are meant, checked against the store."""
    run = run_locale(world, locale, intend=True)
    print(report(run))
    assert not run.unimplemented, run.unimplemented
    assert run.rate >= ANSWER_RATE, report(run, limit=25)


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if (CORPUS_DIR / f"{loc}.json").exists()])
def test_the_corpus_is_broad_and_well_formed(locale: str) -> None:
    entries = load_corpus(locale)
    counts = Counter(e.family for e in entries)
    thin = {family: counts[family] for family in FAMILIES if counts[family] < MINIMUM[locale]}
    assert not thin, f"{locale}: fewer than {MINIMUM[locale]} phrasings in {thin}"
    said = Counter((e.say.lower(), json.dumps(e.before)) for e in entries)
    assert not [s for s, n in said.items() if n > 1], (
        f"{locale}: phrasings twice: {[s for s, n in said.items() if n > 1]}"
    )
    for entry in entries:
        allowed = set().union(*(intent_slot_types(locale, intent) for intent in entry.intents))
        assert set(entry.slots) <= allowed, (
            f"{locale} {entry.say!r}: {entry.intents} have no slots {entry.slots}"
        )
        assert entry.say == entry.say.strip() and "  " not in entry.say, f"{locale}: spacing in {entry.say!r}"


# --- the command line ------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the phrasing corpus and print its failure report.")
    parser.add_argument("--report", default="all", help="a locale (en-US, en-GB, de-DE, nl-NL) or all")
    parser.add_argument("--family", help="only this family")
    parser.add_argument("--json", type=Path, help="also write every result as JSON here")
    parser.add_argument("--limit", type=int, help="show at most this many failures per locale")
    parser.add_argument(
        "--intend",
        action="store_true",
        help="send each entry's intent and slots instead of the phrase: checks the answers without the grammar",
    )
    args = parser.parse_args(argv)
    locales = LOCALES if args.report == "all" else tuple(args.report.split(","))
    missing = driver_available()
    if missing:
        print(f"cannot run: {missing}", file=sys.stderr)
        return 2
    runs = []
    with tempfile.TemporaryDirectory() as tmp, corpus_world(Path(tmp)) as built:
        for locale in locales:
            if not (CORPUS_DIR / f"{locale}.json").exists():
                print(f"{locale}: no corpus file")
                continue
            run = run_locale(built, locale, args.family, intend=args.intend)
            runs.append(run)
            print(report(run, args.limit), flush=True)
    if args.json:
        args.json.write_text(
            json.dumps(
                [{**asdict(r)} for run in runs for r in run.results],
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    total = sum(len(r.results) for r in runs)
    print(f"total: {sum(r.passed for r in runs)}/{total} in {sum(r.seconds for r in runs):.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
