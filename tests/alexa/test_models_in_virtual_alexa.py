"""The interaction models load in virtual-alexa and resolve spoken phrases to our intents and slot ids."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
E2E = ROOT / "tests" / "e2e"
MODELS = ROOT / "interaction_models"
LOCALES = ("en-US", "en-GB", "de-DE", "nl-NL")

pytestmark = pytest.mark.e2e

# (locale, utterance, intent, {slot: entity id, or the spoken value for AMAZON types})
PHRASES: list[tuple[str, str, str, dict[str, str]]] = [
    ("en-US", "pay my electricity bill", "PayBillIntent", {"billType": "electricity"}),
    ("en-US", "what's overdue", "ListBillsIntent", {"billStatus": "overdue"}),
    ("en-US", "how much do I owe northwind", "ListBillsIntent", {"biller": "northwind-energy"}),
    ("en-US", "pay 50 euros and 20 cents on my gas bill", "PayBillIntent", {"amount": "50", "cents": "20", "billType": "gas"}),
    ("en-US", "pay it with my visa", "PayBillIntent", {"method": "card"}),
    ("en-US", "pay the rest of my aqua pura bill", "PayBillIntent", {"amountKind": "remaining", "biller": "aqua-pura"}),
    ("en-US", "tell me more about the second one", "BillDetailsIntent", {"ordinal": "2"}),
    ("en-US", "send it by email", "SendLinkIntent", {"channel": "email"}),
    ("en-US", "text me a link", "SendLinkIntent", {"channel": "sms"}),
    ("en-US", "my pin is 1234", "VoicePinIntent", {"pin": "1234"}),
    ("en-US", "did my payment go through", "PaymentStatusIntent", {}),
    ("en-US", "what was my last payment", "PaymentHistoryIntent", {}),
    ("en-US", "yes", "AMAZON.YesIntent", {}),
    ("en-US", "no", "AMAZON.NoIntent", {}),
    ("en-US", "more", "AMAZON.MoreIntent", {}),
    ("en-GB", "pay 20 pounds on my council tax bill", "PayBillIntent", {"amount": "20", "billType": "tax"}),
    ("en-GB", "what bills are due this week", "ListBillsIntent", {"billStatus": "due_soon"}),
    ("de-DE", "bezahle meine Stromrechnung", "PayBillIntent", {"billType": "electricity"}),
    ("de-DE", "zahle den Rest meiner Handyrechnung", "PayBillIntent", {"amountKind": "remaining", "billType": "phone"}),
    ("de-DE", "bezahle mit Lastschrift", "PayBillIntent", {"method": "sepa_debit"}),
    ("de-DE", "was ist überfällig", "ListBillsIntent", {"billStatus": "overdue"}),
    ("de-DE", "erzähl mir mehr über die zweite Rechnung", "BillDetailsIntent", {"ordinal": "2"}),
    ("de-DE", "schick mir einen Link per SMS", "SendLinkIntent", {"channel": "sms"}),
    ("de-DE", "meine PIN ist 4321", "VoicePinIntent", {"pin": "4321"}),
    ("de-DE", "ja", "AMAZON.YesIntent", {}),
    ("de-DE", "nein", "AMAZON.NoIntent", {}),
    ("de-DE", "mehr", "AMAZON.MoreIntent", {}),
    ("de-DE", "hilfe", "AMAZON.HelpIntent", {}),
    ("de-DE", "stopp", "AMAZON.StopIntent", {}),
    ("nl-NL", "betaal mijn waterrekening", "PayBillIntent", {"billType": "water"}),
    ("nl-NL", "betaal het restant van mijn energierekening", "PayBillIntent", {"amountKind": "remaining", "billType": "electricity"}),
    ("nl-NL", "betaal met incasso", "PayBillIntent", {"method": "sepa_debit"}),
    ("nl-NL", "welke rekeningen zijn openstaand", "ListBillsIntent", {"billStatus": "open"}),
    ("nl-NL", "hoeveel ben ik lumen mobiel verschuldigd", "ListBillsIntent", {"biller": "lumen-mobile"}),
    ("nl-NL", "stuur me een link via mail", "SendLinkIntent", {"channel": "email"}),
    ("nl-NL", "ja graag", "AMAZON.YesIntent", {}),
    ("nl-NL", "nee", "AMAZON.NoIntent", {}),
    ("nl-NL", "meer", "AMAZON.MoreIntent", {}),
    ("nl-NL", "volgende", "AMAZON.MoreIntent", {}),
]  # fmt: skip


def resolve(cases: list[dict[str, str]], tmp_path: Path) -> list[dict[str, Any]]:
    """Run tests/e2e/check_models.js over the cases; one result per case, in order."""
    node = shutil.which("node")
    if node is None or not (E2E / "node_modules" / "virtual-alexa").is_dir():
        pytest.skip("needs node and virtual-alexa: make e2e-deps")
    cases_file = tmp_path / "cases.json"
    cases_file.write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run(
        [node, str(E2E / "check_models.js"), str(MODELS), str(cases_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def fill(sample: str, slot_types: dict[str, str], values: dict[str, list[Any]], n: int) -> str:
    """The sample with each {slot} replaced by the n-th value or synonym of its type (a number for AMAZON ones)."""

    def word(match: re.Match[str]) -> str:
        slot_type = slot_types[match.group(1)]
        if slot_type.startswith("AMAZON."):
            return "1234" if slot_type == "AMAZON.FOUR_DIGIT_NUMBER" else "7"
        value = values[slot_type][n % len(values[slot_type])]["name"]
        # virtual-alexa strips hyphens from what was said, so "e-mail" can never match there.
        words = [w for w in (value["value"], *value.get("synonyms", [])) if "-" not in w]
        return words[n % len(words)]

    return re.sub(r"\{(\w+)\}", word, sample)


# virtual-alexa tries every sample on every utterance, so sending all ~25,000 samples of a model is quadratic
# (minutes per locale). The models test sends a deterministic, stratified subset instead: every STRIDE-th
# sample of each intent, and at least MIN_PER_INTENT of each (all of a smaller intent), spread evenly over the
# intent's samples (they are in grammar order, so every line is reached). The grammar's own rules (checks.py:
# no shared sample, no slot ambiguity between intents) still check ALL samples, in tests/unit/test_grammar_models.py.
STRIDE = 40
MIN_PER_INTENT = 25


def spread(count: int) -> list[int]:
    """The indexes of the samples of an intent with ``count`` samples that the test sends, evenly spaced."""
    wanted = min(count, max(MIN_PER_INTENT, -(-count // STRIDE)))
    return sorted({(i * count) // wanted for i in range(wanted)})


def filled_samples(locale: str) -> list[tuple[str, str]]:
    """The stratified subset of the model's samples (``spread``) with their slots filled in, rotating
    through values and synonyms by the sample's position."""
    model = json.loads((MODELS / f"{locale}.json").read_text(encoding="utf-8"))
    language = model["interactionModel"]["languageModel"]
    values = {t["name"]: t["values"] for t in language["types"]}
    filled = []
    for intent in language["intents"]:
        slot_types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        samples = intent["samples"]
        for n in spread(len(samples)):
            filled.append((intent["name"], fill(samples[n], slot_types, values, n)))
    return filled


def test_the_subset_reaches_every_intent_and_is_stable() -> None:
    assert spread(10) == list(range(10))
    assert spread(0) == []
    assert len(spread(4000)) == 100 and spread(4000) == spread(4000)
    assert spread(4000)[0] == 0 and spread(4000)[-1] >= 3960


def test_phrases_resolve_to_intents_and_slot_ids(tmp_path: Path) -> None:
    results = resolve([{"locale": loc, "utterance": text} for loc, text, _, _ in PHRASES], tmp_path)
    for (locale, text, intent, slots), result in zip(PHRASES, results, strict=True):
        assert result["error"] is None, f"{locale} {text!r}: {result['error']}"
        assert result["intent"] == intent, f"{locale} {text!r}"
        resolved = {name: slot["id"] or slot["value"] for name, slot in result["slots"].items()}
        assert resolved == slots, f"{locale} {text!r}"


@pytest.mark.parametrize("locale", LOCALES)
def test_sampled_samples_resolve_to_their_own_intent(locale: str, tmp_path: Path) -> None:
    samples = filled_samples(locale)
    results = resolve([{"locale": locale, "utterance": text} for _, text in samples], tmp_path)
    wrong = [
        f"{text!r} -> {result['intent'] or result['error']} (want {intent})"
        for (intent, text), result in zip(samples, results, strict=True)
        if result["intent"] != intent
    ]
    assert not wrong, "\n".join(wrong)
