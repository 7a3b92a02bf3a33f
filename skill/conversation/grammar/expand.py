"""From grammar files to phrases: a locale's files merged, macros expanded, each intent's phrasings listed.

A phrase keeps its slots as tokens (``Slot("billType")``), so a text channel can match the words around them
and fill the slots itself; ``Phrase.text`` is the Alexa sample form ("pay my {billType} bill").
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import cast

from .dsl import GrammarError, Group, MacroRef, Node, Seq, SlotRef, Source, TypeBlock, Word, parse
from .select import Factor, Line, choose

HERE = Path(__file__).resolve().parent
LOCALES = ("en-US", "en-GB", "de-DE", "nl-NL")
# Without a "max N" on its header an intent keeps at most this many phrasings.
DEFAULT_BUDGET = 150


@dataclass(frozen=True)
class Slot:
    name: str

    def __str__(self) -> str:
        return "{" + self.name + "}"


Token = str | Slot


@dataclass(frozen=True)
class Phrase:
    """One phrasing: words and slots in order ("pay", "my", Slot("billType"), "bill")."""

    tokens: tuple[Token, ...]

    @property
    def text(self) -> str:
        return " ".join(str(token) for token in self.tokens)

    @property
    def slots(self) -> tuple[str, ...]:
        return tuple(token.name for token in self.tokens if isinstance(token, Slot))

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(token for token in self.tokens if isinstance(token, str))

    def slot_positions(self) -> dict[str, int]:
        """Slot name -> its token index."""
        return {token.name: at for at, token in enumerate(self.tokens) if isinstance(token, Slot)}

    def key(self) -> str:
        """What two phrasings share when they are the same sample: case and spacing folded."""
        return " ".join(self.text.casefold().split())


Row = tuple[Token, ...]


@dataclass(frozen=True)
class Pattern:
    """One grammar line: a sequence of factors, each a list of alternatives; its phrases are their product."""

    factors: tuple[Factor, ...]
    source: str
    weight: int = 1

    @property
    def size(self) -> int:
        return math.prod(len(f.alternatives) for f in self.factors)

    def phrase(self, row: tuple[int, ...]) -> Phrase:
        tokens = (t for factor, at in zip(self.factors, row, strict=True) for t in factor.alternatives[at])
        return Phrase(tuple(cast(Token, t) for t in tokens))

    def all_phrases(self) -> Iterator[Phrase]:
        rows: list[tuple[int, ...]] = [()]
        for factor in self.factors:
            rows = [(*row, at) for row in rows for at in range(len(factor.alternatives))]
        return (self.phrase(row) for row in rows)


@dataclass(frozen=True)
class Grammar:
    """A locale's grammar, merged from its files: ``en.types``, ``en.grammar``, then ``en-GB.grammar``."""

    locale: str
    intents: dict[str, tuple[Pattern, ...]]
    budgets: dict[str, int]
    slot_samples: dict[str, tuple[Pattern, ...]]
    prompts: dict[str, tuple[str, ...]]
    types: dict[str, dict[str, tuple[str, ...]]]
    fillers: frozenset[str]
    numbers: tuple[str, ...]
    _chosen: dict[str, list[Phrase]] = field(default_factory=dict, compare=False, repr=False)

    def phrases(self, intent: str) -> list[Phrase]:
        """The intent's phrasings within its budget (select.py says which are kept)."""
        if intent not in self._chosen:
            self._chosen[intent] = _choose(self.intents[intent], self.budgets[intent])
        return list(self._chosen[intent])

    def all_phrases(self, intent: str) -> Iterator[Phrase]:
        """Every phrasing the grammar allows (the full product; can be large)."""
        return (phrase for pattern in self.intents[intent] for phrase in pattern.all_phrases())


def files_for(locale: str, folder: Path = HERE) -> list[Path]:
    language = locale.split("-")[0]
    names = [f"{language}.types", f"{language}.grammar", f"{locale}.grammar"]
    found = [folder / name for name in names if (folder / name).exists()]
    if not any(path.suffix == ".grammar" for path in found):
        raise GrammarError(f"no grammar for {locale} in {folder}")
    return found


@cache
def load(locale: str) -> Grammar:
    return build(locale, [parse(path.read_text(encoding="utf-8"), path.name) for path in files_for(locale)])


def build(locale: str, sources: list[Source]) -> Grammar:
    """Merge the parsed files in order (later files extend and override earlier ones) and expand them."""
    merged = Source()
    for source in sources:
        merged.macros.update(source.macros)
        for name, extra in source.extensions.items():
            if name not in merged.macros:
                raise GrammarError(f"{locale}: ${name} += before any ${name} =")
            merged.macros[name] = Group(
                merged.macros[name].options + tuple(o for g in extra for o in g.options), False
            )
        for name, block in source.intents.items():
            target = merged.intents.setdefault(name, type(block)())
            target.patterns += block.patterns
            target.budget = block.budget or target.budget
        for key, patterns in source.slots.items():
            merged.slots.setdefault(key, []).extend(patterns)
        merged.prompts.update(source.prompts)
        _merge_types(merged, source, locale)
        merged.fillers |= source.fillers
        merged.numbers += source.numbers
    expander = _Expander(merged.macros, locale)
    return Grammar(
        locale=locale,
        intents={name: expander.patterns(b.patterns, name) for name, b in merged.intents.items()},
        budgets={name: b.budget or DEFAULT_BUDGET for name, b in merged.intents.items()},
        slot_samples={key: expander.patterns(p, key) for key, p in merged.slots.items()},
        prompts={key: tuple(lines) for key, lines in merged.prompts.items()},
        types={name: {i: tuple(w) for i, w in block.values.items()} for name, block in merged.types.items()},
        fillers=frozenset(merged.fillers),
        numbers=tuple(merged.numbers),
    )


def _merge_types(merged: Source, source: Source, locale: str) -> None:
    for name, block in source.types.items():
        merged.types.setdefault(name, TypeBlock()).values.update(block.values)
    for name, extensions in source.type_extensions.items():
        for value_id, words in extensions.items():
            values = merged.types.get(name, TypeBlock()).values
            if value_id not in values:
                raise GrammarError(f"{locale}: {name} {value_id} += before it is defined")
            values[value_id] = [*values[value_id], *words]


Costed = dict[Row, int]  # each expansion with its cost: the sum of the positions chosen at every level


class _Expander:
    def __init__(self, macros: dict[str, Group], locale: str) -> None:
        self._macros = macros
        self._locale = locale
        self._done: dict[str, Costed] = {}
        self._busy: set[str] = set()

    def patterns(self, groups: list[Group], where: str) -> tuple[Pattern, ...]:
        """Each top-level alternative of each line is one pattern."""
        return tuple(
            Pattern(
                tuple(_joined(self._factor(item, where) for item in option.items)),
                f"{where}: {_show(option)}",
                group.weight,
            )
            for group in groups
            for option in group.options
        )

    def _factor(self, node: Node, where: str) -> Factor:
        rows = self._node(node, where)
        optional = isinstance(node, Group) and node.optional
        if optional:
            rows = {(): 0, **{r: c for r, c in rows.items() if r}}
        ordered = sorted(rows.items(), key=lambda item: (item[0] != () if optional else 0, item[1]))
        return Factor(tuple(r for r, _ in ordered), optional=optional, costs=tuple(c for _, c in ordered))

    def _node(self, node: Node, where: str) -> Costed:
        if isinstance(node, Word):
            return {(node.text,): 0}
        if isinstance(node, SlotRef):
            return {(Slot(node.name),): 0}
        if isinstance(node, MacroRef):
            return self._macro(node.name, where)
        rows: Costed = {}
        for position, option in enumerate(node.options):
            for row, cost in self._seq(option, where).items():
                rows[row] = min(rows.get(row, cost + position), cost + position)
        return rows

    def _seq(self, seq: Seq, where: str) -> Costed:
        rows: Costed = {(): 0}
        for item in seq.items:
            more = self._node(item, where)
            combined: Costed = {}
            for row, cost in rows.items():
                for extra, extra_cost in more.items():
                    key = (*row, *extra)
                    combined[key] = min(combined.get(key, cost + extra_cost), cost + extra_cost)
            rows = combined
        return rows

    def _macro(self, name: str, where: str) -> Costed:
        if name not in self._done:
            if name not in self._macros:
                raise GrammarError(f"{self._locale} {where}: ${name} is not defined")
            if name in self._busy:
                raise GrammarError(f"{self._locale}: ${name} refers to itself")
            self._busy.add(name)
            self._done[name] = self._node(self._macros[name], where)
            self._busy.discard(name)
        return self._done[name]


def _joined(factors: Iterator[Factor]) -> Iterator[Factor]:
    """Runs of single-alternative factors (plain words) become one factor: fewer dimensions to spread over."""
    run: list[Row] = []
    for factor in factors:
        if len(factor.alternatives) == 1 and not factor.optional:
            run.append(cast(Row, factor.alternatives[0]))
            continue
        if run:
            yield Factor((tuple(t for r in run for t in r),), optional=False, costs=(0,))
            run = []
        yield factor
    if run:
        yield Factor((tuple(t for r in run for t in r),), optional=False, costs=(0,))


def _show(node: Seq | Node) -> str:
    if isinstance(node, Seq):
        return " ".join(_show(item) for item in node.items)
    if isinstance(node, Word):
        return node.text
    if isinstance(node, SlotRef):
        return "{" + node.name + "}"
    if isinstance(node, MacroRef):
        return "$" + node.name
    inner = "|".join(_show(option) or "_" for option in node.options)
    return f"[{inner}]" if node.optional else f"({inner})"


def _choose(patterns: tuple[Pattern, ...], budget: int) -> list[Phrase]:
    rows = choose([Line(p.factors, p.source, p.weight) for p in patterns], budget)
    seen: dict[str, Phrase] = {}
    for pattern, chosen in zip(patterns, rows, strict=True):
        for row in chosen:
            phrase = pattern.phrase(row)
            seen.setdefault(phrase.key(), phrase)
    return list(seen.values())
