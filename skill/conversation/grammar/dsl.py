"""The grammar files' syntax: blocks of macros, intents, slot samples, prompts and slot types, parsed to a tree.

A file is a list of blocks; a line that starts at the left margin opens one and the indented lines under it
are its entries. ``#`` to the end of a line is a comment. An entry line that starts with ``|`` continues the
entry above it with more alternatives. docs/interaction-models.md describes the language with examples.

    $name = expression           a macro; ``$name += expression`` adds alternatives to an earlier definition
    @fillers word word ...       words that carry no meaning alone ("um", "please")
    @numbers word word ...       the number words AMAZON.NUMBER hears (used by the ambiguity checks)
    intent Name [max N]          one expression per line: the phrasings of the intent, at most N samples;
                                 "*3 line" gives a common line three turns when the budget is shared out
    slot Intent.slot             answers to the slot's elicitation prompt (a bare ``{slot}`` is allowed here)
    prompt Intent.slot           what Alexa asks to elicit the slot, one variation per line (plain text)
    type TYPE                    ``id: value | synonym | ...`` per line; ``id += synonym | ...`` adds synonyms

Expressions: words, ``(a|b)`` one of, ``[a|b]`` optionally one of (a decoration: the plain phrase comes first),
``_`` nothing (inside a group: ``(my|the|_)`` is a core choice, unlike ``[...]``), ``$name`` a macro and
``{slot}`` a slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class GrammarError(ValueError):
    """A grammar file that cannot be read, or a grammar that breaks one of its rules."""


@dataclass(frozen=True)
class Word:
    text: str


@dataclass(frozen=True)
class SlotRef:
    name: str


@dataclass(frozen=True)
class MacroRef:
    name: str


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Group:
    """One of ``options``; an optional group (``[...]``) may also be left out. A grammar line is a group too,
    with the weight its ``*N`` prefix gives it (its turns when the intent's budget is shared out)."""

    options: tuple[Seq, ...]
    optional: bool
    weight: int = 1


Node = Word | SlotRef | MacroRef | Group


@dataclass
class IntentBlock:
    patterns: list[Group] = field(default_factory=list)
    budget: int | None = None


@dataclass
class TypeBlock:
    """Slot type values in file order: id -> [value, synonym, ...]."""

    values: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Source:
    """One grammar file, parsed. ``extensions`` are ``+=`` macro lines, applied after earlier files."""

    macros: dict[str, Group] = field(default_factory=dict)
    extensions: dict[str, list[Group]] = field(default_factory=dict)
    intents: dict[str, IntentBlock] = field(default_factory=dict)
    slots: dict[str, list[Group]] = field(default_factory=dict)
    prompts: dict[str, list[str]] = field(default_factory=dict)
    types: dict[str, TypeBlock] = field(default_factory=dict)
    type_extensions: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    fillers: set[str] = field(default_factory=set)
    numbers: list[str] = field(default_factory=list)


_TOKEN = re.compile(
    r"\s*(?:(?P<punct>[()\[\]|])|\$(?P<macro>\w+)|\{(?P<slot>\w+)\}|(?P<word>[^\s()\[\]|{}$]+))"
)
_HEADER = re.compile(r"(?P<kind>intent|slot|prompt|type)\s+(?P<name>[\w.]+)(?:\s+max\s+(?P<max>\d+))?\s*$")
_MACRO = re.compile(r"\$(?P<name>\w+)\s*(?P<op>\+?=)\s*(?P<body>.*)$")
_TYPE_VALUE = re.compile(r"(?P<id>[\w-]+)\s*(?P<op>:|\+=)\s*(?P<words>.+)$")


def parse_expression(text: str, where: str = "") -> Group:
    """``a (b|c) [d]`` -> the tree; the whole text is a group of its top-level alternatives. A leading ``*N``
    weighs the line N times when the budget is shared out ("*3 pay $my {billType} bill")."""
    weight = 1
    if match := re.match(r"\*(\d+)\s+", text):
        weight, text = int(match.group(1)), text[match.end() :]
    tokens = _tokenize(text, where)
    group, end = _alternatives(tokens, 0, where)
    if end != len(tokens):
        raise GrammarError(f"{where}: unexpected {tokens[end][1]!r} in {text!r}")
    return Group(group, optional=False, weight=weight)


def _tokenize(text: str, where: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise GrammarError(f"{where}: cannot read {text[position:]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _alternatives(tokens: list[tuple[str, str]], at: int, where: str) -> tuple[tuple[Seq, ...], int]:
    options = []
    while True:
        items: list[Node] = []
        while at < len(tokens) and tokens[at] not in (("punct", "|"), ("punct", ")"), ("punct", "]")):
            kind, text = tokens[at]
            if kind == "punct":
                close = ")" if text == "(" else "]"
                inner, at = _alternatives(tokens, at + 1, where)
                if at >= len(tokens) or tokens[at] != ("punct", close):
                    raise GrammarError(f"{where}: {text!r} without {close!r}")
                items.append(Group(inner, optional=text == "["))
            elif kind == "macro":
                items.append(MacroRef(text))
            elif kind == "slot":
                items.append(SlotRef(text))
            elif text != "_":
                items.append(Word(text))
            at += 1
        options.append(Seq(tuple(items)))
        if at < len(tokens) and tokens[at] == ("punct", "|"):
            at += 1
            continue
        return tuple(options), at


def _entries(lines: list[tuple[int, str]], path: str) -> list[tuple[int, str, list[tuple[int, str]]]]:
    """(line number, header, [(line number, entry)]) per block, continuation lines joined to their entry."""
    blocks: list[tuple[int, str, list[tuple[int, str]]]] = []
    for number, raw in lines:
        text = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not text.strip():
            continue
        if not text[0].isspace():
            blocks.append((number, text, []))
        elif not blocks:
            raise GrammarError(f"{path}:{number}: an indented line before any block")
        elif text.strip().startswith("|"):
            entries = blocks[-1][2]
            if entries:
                entries[-1] = (entries[-1][0], f"{entries[-1][1]} {text.strip()}")
            else:  # a macro header continued on the next lines
                head = blocks[-1]
                blocks[-1] = (head[0], f"{head[1]} {text.strip()}", entries)
        else:
            blocks[-1][2].append((number, text.strip()))
    return blocks


def parse(text: str, path: str = "<grammar>") -> Source:
    source = Source()
    for number, header, entries in _entries(list(enumerate(text.splitlines(), start=1)), path):
        where = f"{path}:{number}"
        if header.startswith("$"):
            _macro(source, header, entries, where)
        elif header.startswith("@"):
            directive, *words = header.split()
            if directive == "@fillers":
                source.fillers.update(w.casefold() for w in words)
            elif directive == "@numbers":
                source.numbers.extend(words)
            else:
                raise GrammarError(f"{where}: unknown directive {directive}")
        else:
            _block(source, header, entries, where, path)
    return source


def _macro(source: Source, header: str, entries: list[tuple[int, str]], where: str) -> None:
    match = _MACRO.match(header)
    if not match:
        raise GrammarError(f"{where}: a macro line reads '$name = expression', not {header!r}")
    body = " | ".join([match["body"], *(entry for _, entry in entries)]).strip(" |")
    expression = parse_expression(body, where)
    if match["op"] == "=":
        if match["name"] in source.macros:
            raise GrammarError(f"{where}: ${match['name']} is defined twice")
        source.macros[match["name"]] = expression
    else:
        source.extensions.setdefault(match["name"], []).append(expression)


def _block(source: Source, header: str, entries: list[tuple[int, str]], where: str, path: str) -> None:
    match = _HEADER.match(header)
    if not match:
        raise GrammarError(f"{where}: expected 'intent', 'slot', 'prompt' or 'type', not {header!r}")
    kind, name = match["kind"], match["name"]
    if kind == "intent":
        block = source.intents.setdefault(name, IntentBlock())
        block.budget = int(match["max"]) if match["max"] else block.budget
        block.patterns += [parse_expression(entry, f"{path}:{n}") for n, entry in entries]
    elif kind == "slot":
        source.slots.setdefault(name, []).extend(parse_expression(e, f"{path}:{n}") for n, e in entries)
    elif kind == "prompt":
        source.prompts.setdefault(name, []).extend(entry for _, entry in entries)
    else:
        _type(source, name, entries, path)


def _type(source: Source, name: str, entries: list[tuple[int, str]], path: str) -> None:
    for number, entry in entries:
        match = _TYPE_VALUE.match(entry)
        if not match:
            raise GrammarError(
                f"{path}:{number}: a slot type line reads 'id: value | synonym', not {entry!r}"
            )
        words = [w.strip() for w in match["words"].split("|") if w.strip()]
        if match["op"] == ":":
            values = source.types.setdefault(name, TypeBlock()).values
            if match["id"] in values:
                raise GrammarError(f"{path}:{number}: {name} {match['id']} is defined twice")
            values[match["id"]] = words
        else:
            source.type_extensions.setdefault(name, {}).setdefault(match["id"], []).extend(words)
