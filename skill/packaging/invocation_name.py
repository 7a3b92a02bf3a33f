"""Alexa's invocation name requirements, checked before a skill package is written."""

from __future__ import annotations

import re

from ..settings import ConfigError

# https://developer.amazon.com/docs/alexa/custom-skills/choose-the-invocation-name-for-a-custom-skill.html
WAKE_WORDS = frozenset({"alexa", "amazon", "echo", "computer", "ziggy", "skill", "app"})
LAUNCH_WORDS = {
    "en": frozenset(
        {"ask", "tell", "open", "launch", "load", "begin", "start", "run", "play", "resume", "use", "enable"}
        | {"to", "from", "by", "if", "and", "whether"}  # connecting words
    ),
    "de": frozenset(
        {"öffne", "frage", "frag", "starte", "sage", "sag", "spiele", "aktiviere", "beginne", "lade"}
    ),
    "nl": frozenset({"open", "vraag", "start", "begin", "speel", "activeer", "zeg"}),
}
# Two-word names may not be an article or preposition plus one word ("a bicycle", "for fun").
SMALL_WORDS = {
    "en": frozenset({"the", "a", "an", "for", "to", "of"}),
    "de": frozenset({"der", "die", "das", "ein", "eine", "für", "zu", "von"}),
    "nl": frozenset({"de", "het", "een", "voor", "naar", "van"}),
}
WORD = re.compile(r"[^\W\d_]+(?:'s|')?")  # letters, with an optional possessive apostrophe
ABBREVIATION = re.compile(r"[^\W\d_]\.")  # "a. b. c."


def invocation_name_problem(name: str, locale: str) -> str | None:
    """Why Alexa would refuse this invocation name, or None when it meets the requirements."""
    language = locale.split("-")[0]
    words = name.split(" ")
    if not 2 <= len(name) <= 50:
        return "it must be 2 to 50 characters long"
    if name != name.lower():
        return "it must be lower case"
    if not all(WORD.fullmatch(w) or ABBREVIATION.fullmatch(w) for w in words):
        return "it may hold only letters, single spaces, possessive apostrophes and periods in abbreviations"
    if len(words) < 2:
        return "it must have at least two words (one-word brand names need Amazon's approval)"
    banned = sorted(set(words) & (WAKE_WORDS | LAUNCH_WORDS.get(language, frozenset())))
    if banned:
        return f"it may not contain wake, launch or connecting words ({', '.join(banned)})"
    if len(words) == 2 and set(words) & SMALL_WORDS.get(language, frozenset()):
        return "a two-word name may not include an article or preposition"
    return None


def validate_invocation_name(name: str, locale: str) -> str:
    problem = invocation_name_problem(name, locale)
    if problem:
        raise ConfigError(f"invocation name {name!r} for {locale} is refused: {problem}")
    return name
