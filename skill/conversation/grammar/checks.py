"""The grammar's own rules, whatever channel uses it: no phrase two intents share, no bare slots, no filler-only
phrases, and no phrase of one intent that another intent's phrase also matches once its slots are filled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

from .expand import Grammar, Phrase, Slot
from .schema import INTENT_SLOTS

NUMBER_TYPES = ("AMAZON.NUMBER", "AMAZON.FOUR_DIGIT_NUMBER")
# What speech-to-text output may carry that a sample never does (apostrophes stay: "what's").
PUNCTUATION = re.compile(r"[!\"?¿¡#$%/()=+\-_<>*{}·\[\].,;:]")


def phrase_problems(grammar: Grammar, phrases: dict[str, list[Phrase]]) -> list[str]:
    """Everything wrong with these phrases of the grammar's intents (the chosen ones or all of them)."""
    problems = [
        f"{intent}: {p.text!r} {why}"
        for intent, ps in phrases.items()
        for p in ps
        if (why := alone(grammar, p))
    ]
    unknown = [
        f"{i}: {p.text!r} has a slot {i} does not have"
        for i, ps in phrases.items()
        for p in ps
        if not fits(i, p)
    ]
    types = {t for i, ps in phrases.items() for p in ps for t in slot_types_of(i, p)}
    unknown += [f"slot type {t} has no values in the grammar" for t in sorted(types - set(grammar.types))]
    if unknown:  # the other checks need every slot to have a type with values
        return problems + unknown
    problems += shared(phrases)
    problems += Ambiguity(grammar, phrases).problems()
    return problems


def slot_types_of(intent: str, phrase: Phrase) -> list[str]:
    """The custom slot types the phrase's slots need values of."""
    slots = INTENT_SLOTS.get(intent, {})
    return [slots[n] for n in phrase.slots if n in slots and not slots[n].startswith("AMAZON.")]


def fits(intent: str, phrase: Phrase) -> bool:
    """Every slot of the phrase is a slot of the intent, each at most once."""
    slots = INTENT_SLOTS.get(intent, {})
    return all(name in slots for name in phrase.slots) and len(set(phrase.slots)) == len(phrase.slots)


def alone(grammar: Grammar, phrase: Phrase) -> str | None:
    """Why the phrase cannot stand as an intent sample by itself, or None."""
    if not phrase.tokens:
        return "is empty"
    if not phrase.words:
        return "is a bare slot (it would catch any phrase)"
    if all(word.casefold() in grammar.fillers for word in phrase.words):
        return "has only filler words" + (" around its slot" if phrase.slots else "")
    if any(
        isinstance(a, Slot) and isinstance(b, Slot)
        for a, b in zip(phrase.tokens, phrase.tokens[1:], strict=False)
    ):
        return "has two slots side by side (where one ends is a guess)"
    return None


def typed_key(intent: str, phrase: Phrase) -> str:
    """'pay my {BILL_TYPE} bill': what Alexa compares, so two samples differing only by slot name clash."""
    types = INTENT_SLOTS.get(intent, {})
    return " ".join(
        ("{" + types.get(t.name, t.name) + "}" if isinstance(t, Slot) else t.casefold())
        for t in phrase.tokens
    )


def shared(phrases: dict[str, list[Phrase]]) -> list[str]:
    owners: dict[str, tuple[str, str]] = {}
    problems = []
    for intent, ps in phrases.items():
        for phrase in ps:
            owner, text = owners.setdefault(typed_key(intent, phrase), (intent, phrase.text))
            if owner != intent:
                problems.append(f"{phrase.text!r} is in {intent} and, as {text!r}, in {owner}")
    return problems


class Ambiguity:
    """Phrases of one intent that another intent's phrase matches with some slot value ("what's due next"
    against "what's {billStatus}" while "due next" is a BILL_STATUS synonym): Alexa could pick either."""

    def __init__(self, grammar: Grammar, phrases: dict[str, list[Phrase]]) -> None:
        self._grammar = grammar
        self._phrases = phrases

    @cached_property
    def _values(self) -> dict[str, frozenset[str]]:
        return {
            name: frozenset(w.casefold() for ws in values.values() for w in ws)
            for name, values in self._grammar.types.items()
        }

    @cached_property
    def _number(self) -> re.Pattern[str]:
        words = "|".join(re.escape(w) for w in sorted(self._grammar.numbers, key=len, reverse=True))
        number = rf"(?:\d+|{words})" if words else r"\d+"
        return re.compile(rf"{number}(?: {number}){{0,3}}")

    def _fits(self, slot_type: str, said: str) -> bool:
        if slot_type in NUMBER_TYPES:
            return bool(self._number.fullmatch(said))
        return said in self._values.get(slot_type, frozenset())

    @cached_property
    def _index(self) -> dict[tuple[str, str], list[tuple[str, re.Pattern[str], tuple[str, ...]]]]:
        """(first word, last word), "*" for a slot at that end -> (intent, regex, slot types) of each phrase."""
        index: dict[tuple[str, str], list[tuple[str, re.Pattern[str], tuple[str, ...]]]] = {}
        for intent, ps in self._phrases.items():
            types = INTENT_SLOTS.get(intent, {})
            for phrase in ps:
                if not phrase.tokens:
                    continue
                ends = tuple(
                    "*" if isinstance(t, Slot) else t.casefold()
                    for t in (phrase.tokens[0], phrase.tokens[-1])
                )
                regex = " ".join(
                    "(.+?)" if isinstance(t, Slot) else re.escape(t.casefold()) for t in phrase.tokens
                )
                slot_types = tuple(types.get(name, "") for name in phrase.slots)
                index.setdefault((ends[0], ends[1]), []).append((intent, re.compile(regex), slot_types))
        return index

    @cached_property
    def _shared_words(self) -> dict[str, list[str]]:
        """Slot type -> its words that another slot type has too ("my phone": a channel and a method)."""
        owners: dict[str, set[str]] = {}
        for name, values in self._grammar.types.items():
            for word in {w.casefold() for ws in values.values() for w in ws}:
                owners.setdefault(word, set()).add(name)
        shared: dict[str, list[str]] = {}
        for word, names in sorted(owners.items()):
            if len(names) > 1:
                for name in names:
                    shared.setdefault(name, []).append(word)
        return shared

    def fills(self, intent: str, phrase: Phrase) -> Iterable[str]:
        """The phrase as said: slots filled with their type's first value, then its last synonym, then (one
        slot at a time) with each word another slot type shares."""
        types = INTENT_SLOTS.get(intent, {})

        def said(pick: int, override: dict[int, str]) -> str:
            words = []
            for at, token in enumerate(phrase.tokens):
                if isinstance(token, str):
                    words.append(token)
                elif at in override:
                    words.append(override[at])
                elif types.get(token.name) in NUMBER_TYPES:
                    words.append("7" if types[token.name] == "AMAZON.NUMBER" else "1234")
                else:
                    values = list(self._grammar.types[types[token.name]].values())
                    words.append(values[pick][pick])
            return " ".join(words).casefold()

        yield said(0, {})
        if not phrase.slots:
            return
        yield said(-1, {})
        for at, token in enumerate(phrase.tokens):
            if isinstance(token, Slot):
                for word in self._shared_words.get(types.get(token.name, ""), []):
                    yield said(0, {at: word})

    def problems(self) -> list[str]:
        found = []
        for intent, ps in self._phrases.items():
            for phrase in ps:
                for said in self.fills(intent, phrase):
                    for other in self.intents_for(said):
                        if other != intent:
                            found.append(f"{intent} {phrase.text!r}: {said!r} is also a phrase of {other}")
        return found

    def intents_for(self, said: str) -> set[str]:
        """The intents with a phrase that matches ``said`` word for word, slots by their values (the way
        virtual-alexa matches an utterance to samples)."""
        said = " ".join(PUNCTUATION.sub("", said).casefold().split())
        words = said.split(" ")
        found = set()
        for ends in ((words[0], words[-1]), (words[0], "*"), ("*", words[-1]), ("*", "*")):
            for intent, regex, slot_types in self._index.get(ends, []):
                match = regex.fullmatch(said)
                if match and all(self._fits(t, v) for t, v in zip(slot_types, match.groups(), strict=True)):
                    found.add(intent)
        return found
