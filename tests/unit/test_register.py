"""One register per language: German texts say "Sie", Dutch texts say "u", in voice, pages and messages alike.

The check reads the locale files themselves (no import of the skill), so it covers every string a customer can
hear or read in German or Dutch: the voice strings, the web pages (pay, wallet, sign-in, account), the SMS and
email messages, the store listing in skill.json and any dialog prompt in the interaction models. Sample
utterances are what customers say to Alexa and are not scanned. Swedish uses "du" as its polite form and is
left alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIRS = (
    "skill/alexa/locales",
    "skill/web/locales",
    "skill/web/locales/auth",
    "skill/notifications/locales",
)
LANGUAGES = ("de", "nl")

_GERMAN_INFORMAL_PRONOUNS = ("du", "dich", "dir", "dein", "deine", "deinen", "deinem", "deiner", "deines")
_GERMAN_INFORMAL_PLURAL = ("euch", "euer", "eure", "euren", "eurem", "eurer", "eures")
# Du-form verbs and du-imperatives a formal text never uses. Words that are also nouns ("Versuch", "Schau")
# are left out, and so are the commands quoted in help texts ("bezahle meine Stromrechnung", "schick mir
# einen Link"): those are what the customer says to Alexa.
_GERMAN_INFORMAL_VERBS = (
    "hast", "bist", "kannst", "möchtest", "willst", "musst", "sollst", "darfst", "wirst", "weißt", "brauchst",
    "findest", "bekommst", "sagst", "sag", "frag", "prüfe", "melde", "lege", "setze", "starte", "nenne",
    "beginne", "warte", "gib", "hinterlege",
)  # fmt: skip
_DUTCH_INFORMAL_PRONOUNS = ("je", "jij", "jou", "jouw", "jouwe", "jullie", "jezelf")


def _whole_words(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(words) + r")\b", re.IGNORECASE)


INFORMAL = {
    "de": _whole_words(_GERMAN_INFORMAL_PRONOUNS + _GERMAN_INFORMAL_PLURAL + _GERMAN_INFORMAL_VERBS),
    "nl": _whole_words(_DUTCH_INFORMAL_PRONOUNS),
}


def _strings(node: object, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield key, node
    elif isinstance(node, dict):
        for name, value in node.items():
            yield from _strings(value, f"{key}.{name}" if key else name)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{key}[{index}]")


def _language(path: Path) -> str:
    return path.stem.split("-")[0].lower()


def locale_files() -> list[Path]:
    return sorted(
        {
            path
            for folder in LOCALE_DIRS
            for path in (ROOT / folder).glob("**/*.json")
            if _language(path) in LANGUAGES
        }
    )


def customer_texts() -> list[tuple[str, str, str, str]]:
    """(where, key, language, text) for every German and Dutch string a customer hears or reads."""
    texts = []
    for path in locale_files():
        where = str(path.relative_to(ROOT))
        texts += [
            (where, key, _language(path), text) for key, text in _strings(json.loads(path.read_text("utf-8")))
        ]
    manifest = json.loads((ROOT / "skill.json").read_text("utf-8"))["manifest"]
    for locale, info in manifest["publishingInformation"]["locales"].items():
        if _language(Path(locale)) in LANGUAGES:
            for field in ("name", "summary", "description"):
                texts.append(("skill.json", f"{locale}.{field}", _language(Path(locale)), info[field]))
    for path in sorted((ROOT / "interaction_models").glob("*.json")):
        if _language(path) in LANGUAGES:
            model = json.loads(path.read_text("utf-8"))["interactionModel"]
            for prompt in model.get("prompts", []):
                for variation in prompt["variations"]:
                    texts.append((path.name, prompt["id"], _language(path), variation["value"]))
    return texts


def informal_words(language: str, text: str) -> list[str]:
    return [match.group(0) for match in INFORMAL[language].finditer(text)]


def test_every_voice_page_and_message_locale_is_scanned_in_german_and_dutch() -> None:
    found = {(str(path.parent.relative_to(ROOT)), _language(path)) for path in locale_files()}

    assert found >= {(folder, language) for folder in LOCALE_DIRS for language in LANGUAGES}
    assert len(customer_texts()) > 500


@pytest.mark.parametrize("language", LANGUAGES)
def test_german_and_dutch_texts_address_the_customer_formally(language: str) -> None:
    informal = [
        f"{where} {key}: {words} in {text!r}"
        for where, key, lang, text in customer_texts()
        if lang == language and (words := informal_words(lang, text))
    ]

    assert informal == []


@pytest.mark.parametrize(
    ("language", "text", "words"),
    [
        ("de", "Melde dich an, um deine Rechnungen zu sehen.", ["Melde", "dich", "deine"]),
        ("de", "Möchtest du sie hören?", ["Möchtest", "du"]),
        ("de", "Sag ja oder nein.", ["Sag"]),
        ("de", "Ich habe Dir einen Link geschickt.", ["Dir"]),
        ("de", "Melden Sie sich an, um Ihre Rechnungen zu sehen. Bedienung und Dienst.", []),
        ("de", "Sagen Sie zum Beispiel: bezahle meine Stromrechnung, oder schick mir einen Link.", []),
        ("nl", "Wil je je rekening betalen?", ["je", "je"]),
        ("nl", "Is dit jouw rekening, of die van jullie?", ["jouw", "jullie"]),
        ("nl", "Jij hebt een link.", ["Jij"]),
        ("nl", "Wilt u uw rekening betalen? Het meisje en het huisje.", []),
    ],
)
def test_informal_address_is_found_as_whole_words_in_any_case(
    language: str, text: str, words: list[str]
) -> None:
    assert informal_words(language, text) == words
