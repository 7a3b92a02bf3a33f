"""The phrasing corpus (tests/corpus/<locale>.json, issue #11 item 6) through virtual-alexa and the running skill.

Each phrasing is one conversation: a fresh session, its context (`before`), the phrase, then checks of the intent,
the slots and the answer against the store (tests/corpus/answers.py). One driver process and one app serve the
whole run; the store is re-seeded whenever a phrase changed it. Each locale must pass at >= 95 %.

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
from sqlalchemy import delete

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
PASS_RATE = 0.95
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
            raw = {"say": item} if isinstance(item, str) else item
            assert set(raw) <= ENTRY_KEYS and "say" in raw, f"{path.name} {family}: bad entry {raw}"
            before = raw.get("before", FAMILIES[family].before)
            check_before(before, f"{path.name} {family} {raw['say']!r}")
            intents = (raw["intent"],) if "intent" in raw else FAMILIES[family].intents
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
    ):
        self.services, self.gateway, self.skill_url, self.api_url, self.driver = (
            services,
            gateway,
            skill_url,
            api_url,
            driver,
        )
        self.token = ""
        self.pristine: tuple[Any, ...] = ()
        self.customer_id = 0
        self.reseeds = 0

    def snapshot(self) -> Snapshot:
        return answers.take_snapshot(self.services, [p.amount_minor for p in self.gateway.charged])

    def reseed(self) -> None:
        """Empty every table and seed the demo again: a phrase that paid or sent something leaves no trace."""
        with self.services.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(delete(table))
        self.gateway.intents.clear()
        summary = seed_demo(self.services.uow, self.services.clock)
        self.customer_id = summary.customer_id
        self.token = issue_token(self.services.uow(), DEMO_EMAIL, self.services.clock, ttl=timedelta(days=30))
        self.pristine = self.snapshot().fingerprint()
        self.reseeds += 1

    def clean(self) -> None:
        if self.snapshot().fingerprint() != self.pristine:
            self.reseed()

    def conversation(self, locale: str) -> VirtualAlexa:
        return VirtualAlexa(
            self.driver, self.skill_url, locale=locale, access_token=self.token, api_endpoint=self.api_url
        )

    def set_pin(self) -> None:
        uow, clock, pepper = self.services.uow(), self.services.clock, self.services.settings.voice_pin_pepper
        set_voice_pin(uow, self.customer_id, answers.PIN, clock, pepper=pepper)

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
    with ExitStack() as stack:
        stack.callback(services.dispose)
        base_url = stack.enter_context(serving(create_app(services=services)))
        api = stack.enter_context(recording_server())
        driver = VirtualAlexaDriver()
        stack.callback(driver.close)
        world = World(services, gateway, f"{base_url}/alexa", api.url, driver)
        world.reseed()
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


def run_entry(world: World, entry: Entry) -> Result:
    result = Result(
        entry.locale, entry.family, entry.say, entry.before, False, "|".join(entry.intents), entry.slots
    )
    world.clean()
    alexa = world.conversation(entry.locale)
    try:
        context = play_before(world, alexa, entry.before)
    except (NotUnderstood, SkillError, KeyError, StopIteration) as error:
        result.cause, result.problems = "context", [f"the context failed: {error}"]
        return result
    previous = alexa.last.speech if alexa.turns else None
    before = world.snapshot()
    try:
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
    if turn.intent not in entry.intents:
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


def probe_families(world: World, locale: str, families: set[str]) -> dict[str, str]:
    """Families whose intent the model lacks, or whose intent the skill answers like an unknown intent."""
    intents = model_slots(locale)
    missing: dict[str, str] = {}
    unknown: str | None = None
    for family in sorted(families):
        spec = FAMILIES[family]
        present = [i for i in spec.intents if i in intents]
        if not present:
            missing[family] = f"{'/'.join(spec.intents)} is not in interaction_models/{locale}.json"
            continue
        world.clean()
        alexa = world.conversation(locale)
        try:
            play_before(world, alexa, spec.before)
            speech = alexa.intend(present[0])
            unknown = unknown or world.unknown_intent_speech(alexa)
        except (NotUnderstood, SkillError) as error:
            missing[family] = f"the skill failed on {present[0]}: {error}"
            continue
        if speech == unknown:
            missing[family] = f"the skill answers {present[0]} like an unknown intent: {speech!r}"
    world.clean()
    return missing


def run_locale(world: World, locale: str, family: str | None = None) -> LocaleRun:
    started = time.perf_counter()
    entries = [e for e in load_corpus(locale) if family in (None, e.family)]
    unimplemented = probe_families(world, locale, {e.family for e in entries})
    results = [run_entry(world, e) for e in entries]
    for result in results:
        if not result.passed and result.family in unimplemented:
            result.cause = "not implemented"
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
    causes = Counter(r.cause for r in run.results if not r.passed)
    lines.append("  causes: " + ", ".join(f"{cause} {count}" for cause, count in causes.most_common()))
    failures = [r for r in run.results if not r.passed]
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
    text = report(run, limit=200)
    print(text)
    assert run.rate >= PASS_RATE, text


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
    slot_names = {name for names in model_slots("en-US").values() for name in names}
    for entry in entries:
        assert set(entry.slots) <= slot_names, f"{locale} {entry.say!r}: unknown slots {entry.slots}"
        assert entry.say == entry.say.strip() and "  " not in entry.say, f"{locale}: spacing in {entry.say!r}"


# --- the command line ------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the phrasing corpus and print its failure report.")
    parser.add_argument("--report", default="all", help="a locale (en-US, en-GB, de-DE, nl-NL) or all")
    parser.add_argument("--family", help="only this family")
    parser.add_argument("--json", type=Path, help="also write every result as JSON here")
    parser.add_argument("--limit", type=int, help="show at most this many failures per locale")
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
            run = run_locale(built, locale, args.family)
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
