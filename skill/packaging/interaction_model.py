"""interaction_models/<locale>.json, generated from the grammar (skill/conversation/grammar), within Alexa's limits.

    python -m skill.packaging.interaction_model            write the four models
    python -m skill.packaging.interaction_model --check    exit 1 if a committed model is not what the grammar gives

The models are checked in (the skill package and the tests read them); regenerate after editing a grammar file
(`make models`) and commit both. docs/interaction-models.md explains the grammar and the limits.

Alexa's limits, from "Interaction model limits" in Create the Interaction Model for Your Skill
(https://developer.amazon.com/en-US/docs/alexa/custom-skills/create-the-interaction-model-for-your-skill.html#limits):
a model of at most 1.5 MB, at most 250 intents, at most 350 intents and slot types together, and at most 140
characters per slot value and per synonym. Sample utterances may hold only letters, spaces, apostrophes and
periods of abbreviations, with numbers as slots or words, never digits
(https://developer.amazon.com/en-US/docs/alexa/custom-skills/create-intents-utterances-and-slots.html), and
a sample may belong to one intent only. The invocation name rules are in invocation_name.py.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from ..conversation.grammar import INTENT_SLOTS, SLOT_TYPES, Grammar, load, phrase_problems
from ..conversation.grammar.schema import ELICITED_SLOTS
from .invocation_name import invocation_name_problem

Json = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = ROOT / "interaction_models"
LOCALES = ("en-US", "en-GB", "de-DE", "nl-NL")
INVOCATION_NAMES = {
    "en-US": "northwind energy",
    "en-GB": "northwind energy",
    "de-DE": "northwind energie",
    "nl-NL": "northwind energie",
}

# Amazon's published limits (the page above).
MAX_MODEL_BYTES = 1_500_000  # "1.5 MB"; counted in bytes of the UTF-8 JSON, rounded down
MAX_INTENTS = 250
MAX_INTENTS_AND_SLOT_TYPES = 350
MAX_SLOT_VALUE_CHARACTERS = 140
# Our own, stricter bounds: Amazon publishes no per-sample or per-intent count we could cite. 200 characters
# keeps a sample a sentence; the sample counts keep virtual-alexa (tests/e2e), which tries every sample on
# every utterance, within minutes.
MAX_SAMPLE_CHARACTERS = 200
MAX_SAMPLES_PER_INTENT = 5_000
MAX_SAMPLES_PER_MODEL = 30_000
# Letters (any script), possessive or contracted apostrophes, "a." abbreviations, {slots}, single spaces.
SAMPLE_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]*)?|[^\W\d_]\.|\{\w+\}")


def prompt_id(intent: str, slot: str) -> str:
    return f"Elicit.Slot.{intent}.{slot}"


def build_model(locale: str, grammar: Grammar | None = None) -> Json:
    """The interaction model of one locale, as the Alexa developer console's JSON editor shows it."""
    grammar = grammar or load(locale)
    elicited = dict(ELICITED_SLOTS)
    intents = []
    for name, slots in INTENT_SLOTS.items():
        intent: Json = {"name": name}
        if not name.startswith("AMAZON."):
            intent["slots"] = [_slot(grammar, name, slot, slot_type) for slot, slot_type in slots.items()]
        intent["samples"] = [p.text for p in grammar.phrases(name)] if name in grammar.intents else []
        intents.append(intent)
    language = {"invocationName": INVOCATION_NAMES[locale], "intents": intents, "types": _types(grammar)}
    dialog = {
        "intents": [
            {
                "name": intent,
                "confirmationRequired": False,
                "prompts": {},
                "slots": [
                    {
                        "name": slot,
                        "type": INTENT_SLOTS[intent][slot],
                        "confirmationRequired": False,
                        "elicitationRequired": True,
                        "prompts": {"elicitation": prompt_id(intent, slot)},
                    }
                ],
            }
            for intent, slot in elicited.items()
        ],
        # The skill decides when to ask (Dialog.ElicitSlot); Alexa never takes over the turn by itself.
        "delegationStrategy": "SKILL_RESPONSE",
    }
    prompts = [
        {
            "id": prompt_id(intent, slot),
            "variations": [
                {"type": "PlainText", "value": text} for text in grammar.prompts[f"{intent}.{slot}"]
            ],
        }
        for intent, slot in elicited.items()
    ]
    return {"interactionModel": {"languageModel": language, "dialog": dialog, "prompts": prompts}}


def _slot(grammar: Grammar, intent: str, slot: str, slot_type: str) -> Json:
    entry: Json = {"name": slot, "type": slot_type}
    key = f"{intent}.{slot}"
    if (intent, slot) in ELICITED_SLOTS and key in grammar.slot_samples:
        samples = dict.fromkeys(
            p.text for pattern in grammar.slot_samples[key] for p in pattern.all_phrases()
        )
        entry["samples"] = list(samples)
    return entry


def _types(grammar: Grammar) -> list[Json]:
    types = []
    for name in SLOT_TYPES:
        values = []
        for value_id, words in grammar.types[name].items():
            spoken: Json = {"value": words[0]}
            if len(words) > 1:
                spoken["synonyms"] = list(words[1:])
            values.append({"id": value_id, "name": spoken})
        types.append({"name": name, "values": values})
    return types


def render(model: Json) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def model_problems(locale: str, model: Json, grammar: Grammar | None = None) -> list[str]:
    """Every Alexa limit and grammar rule the model breaks; empty when it can be built."""
    grammar = grammar or load(locale)
    language = model["interactionModel"]["languageModel"]
    problems = [
        f"{locale}: {p}" for p in phrase_problems(grammar, {n: grammar.phrases(n) for n in grammar.intents})
    ]
    if (why := invocation_name_problem(language["invocationName"], locale)) is not None:
        problems.append(f"{locale}: invocation name {language['invocationName']!r}: {why}")
    size = len(render(model).encode("utf-8"))
    if size > MAX_MODEL_BYTES:
        problems.append(f"{locale}: the model is {size} bytes, more than {MAX_MODEL_BYTES}")
    if len(language["intents"]) > MAX_INTENTS:
        problems.append(f"{locale}: {len(language['intents'])} intents, more than {MAX_INTENTS}")
    if len(language["intents"]) + len(language["types"]) > MAX_INTENTS_AND_SLOT_TYPES:
        problems.append(f"{locale}: more than {MAX_INTENTS_AND_SLOT_TYPES} intents and slot types")
    for slot_type in language["types"]:
        for value in slot_type["values"]:
            for word in (value["name"]["value"], *value["name"].get("synonyms", [])):
                if len(word) > MAX_SLOT_VALUE_CHARACTERS:
                    problems.append(
                        f"{locale}: {slot_type['name']} {word!r} is over {MAX_SLOT_VALUE_CHARACTERS} characters"
                    )
    total = 0
    for intent in language["intents"]:
        samples = intent["samples"]
        total += len(samples)
        if len(samples) > MAX_SAMPLES_PER_INTENT:
            problems.append(
                f"{locale}: {intent['name']} has {len(samples)} samples, more than {MAX_SAMPLES_PER_INTENT}"
            )
        problems += [
            f"{locale}: {intent['name']}: {s!r} {why}" for s in samples if (why := sample_problem(s))
        ]
    if total > MAX_SAMPLES_PER_MODEL:
        problems.append(f"{locale}: {total} samples, more than {MAX_SAMPLES_PER_MODEL}")
    return problems


def sample_problem(sample: str) -> str | None:
    if len(sample) > MAX_SAMPLE_CHARACTERS:
        return f"is over {MAX_SAMPLE_CHARACTERS} characters"
    bad = [token for token in sample.split(" ") if not SAMPLE_TOKEN.fullmatch(token)]
    if bad:
        return f"has {bad}: only letters, apostrophes, abbreviation periods and slots, one space apart"
    slots = re.findall(r"\{(\w+)\}", sample)
    if len(slots) != len(set(slots)):
        return "uses a slot twice"
    return None


def model_path(locale: str, folder: Path = MODELS_DIR) -> Path:
    return folder / f"{locale}.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m skill.packaging.interaction_model", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed models, write nothing"
    )
    parser.add_argument("--locale", action="append", choices=LOCALES, help="only this locale (repeatable)")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="the folder of the models")
    args = parser.parse_args(argv)
    failed = False
    for locale in args.locale or LOCALES:
        grammar = load(locale)
        model = build_model(locale, grammar)
        problems = model_problems(locale, model, grammar)
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        failed |= bool(problems)
        path, text = model_path(locale, args.out), render(model)
        samples = sum(len(i["samples"]) for i in model["interactionModel"]["languageModel"]["intents"])
        if args.check:
            same = path.exists() and path.read_text(encoding="utf-8") == text
            print(f"{path.name}: {'up to date' if same else 'differs from the grammar: run make models'}")
            failed |= not same
        elif not problems:
            path.write_text(text, encoding="utf-8")
            print(f"{path.name}: {samples} samples")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
