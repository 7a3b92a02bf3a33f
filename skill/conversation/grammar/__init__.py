"""What customers say, per language: one grammar, the source of the Alexa models and of text understanding.

    from skill.conversation.grammar import phrases
    phrases("de-DE")["PayBillIntent"][0].text        # "bezahle meine {billType}"

``phrases(locale)`` gives each intent's chosen phrasings (the Alexa samples), ``load(locale).all_phrases(intent)``
every phrasing the grammar allows. Pure Python and the standard library only: cheap to import anywhere.
"""

from __future__ import annotations

from .checks import phrase_problems
from .dsl import GrammarError
from .expand import LOCALES, Grammar, Phrase, Slot, load
from .schema import INTENT_SLOTS, SLOT_TYPES

__all__ = [
    "INTENT_SLOTS",
    "LOCALES",
    "SLOT_TYPES",
    "Grammar",
    "GrammarError",
    "Phrase",
    "Slot",
    "load",
    "phrase_problems",
    "phrases",
    "slot_types",
]


def phrases(locale: str) -> dict[str, list[Phrase]]:
    """Intent -> its phrasings within its budget, as the interaction model lists them."""
    grammar = load(locale)
    return {intent: grammar.phrases(intent) for intent in grammar.intents}


def slot_types(locale: str) -> dict[str, dict[str, tuple[str, ...]]]:
    """Slot type -> value id -> (value, synonym, ...)."""
    return load(locale).types
