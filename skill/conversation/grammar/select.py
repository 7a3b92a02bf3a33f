"""Choosing a deterministic, well-spread subset of an intent's phrases when all of them would be too many.

A grammar line is a product of factors. Core factors (words, ``(a|b)``, macros) make the plain phrases;
decorations (``[a|b]``: "please", "can you", "um") are added to them. Alternatives are written most common
first, and a phrase's cost is the sum of the positions of the alternatives it takes, at every level (inside
macros too); a decoration it wears costs ``DECORATION_COST`` plus its position divided by ``DECORATION_STEP``.
Within the intent's budget:

1. coverage first: every alternative of every group once in the intent (a macro used on several lines is one
   group): core alternatives with the other factors of their line at their first, most common, alternative;
   decoration values on the cheapest plain phrase of the lines using the group, taking those lines in turn;
2. then, where the budget allows (up to ``PAIRWISE_SHARE`` of it), a pairwise cover of each line's core
   factors: every pair of values, such as verb x bill, at least once; the lines that need fewest extra first;
3. then each line's cheapest phrases not taken yet, the lines taking turns, so the common cores meet every
   common decoration ("pay my {billType} bill please") before rare cores meet rare ones, and a short line
   keeps up with one whose many factors make many cheap phrases. Phrases of equal cost come in an order
   seeded by the line's text.

The same grammar always gives the same choice, and nothing is left out for its place in the alphabet. A
budget too small for step 1 is a GrammarError: raise the intent's ``max`` or trim its lines.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

from .dsl import GrammarError

RowIndex = tuple[int, ...]
DECORATION_COST = 3
# A decoration's position counts a third as much as a core alternative's: people's politeness and fillers ("um",
# "ok so", "could you", "please") vary more than their core wording, so a common core phrase with any of the common
# decorations ("ok so what's the total") comes before a rare core alternative paired with another rare one.
DECORATION_STEP = 3
# At most this part of an intent's budget goes to pairwise covers; the rest to the cheapest phrases.
PAIRWISE_SHARE = 0.1


@dataclass(frozen=True)
class Factor:
    """The alternatives of one place in a line; an optional factor's first alternative is the empty one."""

    alternatives: tuple[tuple[object, ...], ...]
    optional: bool
    costs: tuple[int, ...]  # per alternative: the sum of the positions chosen inside it, cheapest first

    def cost(self, index: int) -> int:
        if self.optional and index:
            return self.costs[index] // DECORATION_STEP + DECORATION_COST
        return self.costs[index]


@dataclass(frozen=True)
class Line:
    """A grammar line: its factors, its text (the seed of its order) and its weight (turns per round)."""

    factors: tuple[Factor, ...]
    seed: str
    weight: int = 1


def choose(lines: list[Line], budget: int) -> list[list[RowIndex]]:
    """For each line of an intent, the row indexes (one alternative per factor) of its chosen phrases."""
    sizes = [math.prod(len(f.alternatives) for f in factors) for factors in (line.factors for line in lines)]
    if sum(sizes) <= budget:
        return [
            list(product(*(range(len(f.alternatives)) for f in factors)))
            for factors in (line.factors for line in lines)
        ]
    covered: set[tuple[tuple[tuple[object, ...], ...], int]] = set()
    chosen = [dict.fromkeys(_one_at_a_time(factors, covered)) for factors in (line.factors for line in lines)]
    _spread_decorations(lines, chosen)
    needed = sum(len(rows) for rows in chosen)
    if needed > budget:
        raise GrammarError(
            f"{lines[0].seed}: its intent needs {needed} phrases to use every alternative once, but its budget is "
            f"{budget}: raise the intent's max or trim the lines"
        )
    _add_pairwise_covers(lines, chosen, budget)
    _add_cheapest(lines, chosen, budget - sum(len(rows) for rows in chosen))
    return [sorted(rows) for rows in chosen]


def _add_cheapest(lines: list[Line], chosen: list[dict[RowIndex, None]], count: int) -> None:
    """Each line's cheapest phrases not taken yet, the lines taking turns (as many phrases per round as the
    line's weight), so a short line keeps up with one whose many factors make many cheap phrases; a line that
    runs out leaves its turns to the others."""
    queues = {
        i: _by_cost(line.factors, rows, line.seed)
        for i, (line, rows) in enumerate(zip(lines, chosen, strict=True))
    }
    while count > 0 and queues:
        for i in list(queues):
            for _ in range(lines[i].weight):
                row = next(queues[i], None)
                if row is None:
                    del queues[i]
                    break
                if count <= 0:
                    return
                chosen[i][row] = None
                count -= 1


def _by_cost(factors: tuple[Factor, ...], taken: dict[RowIndex, None], seed: str) -> Iterator[RowIndex]:
    """A line's rows not taken yet, cheapest first; rows of equal cost in the order seeded by the line."""
    most = sum(f.cost(len(f.alternatives) - 1) for f in factors)
    for cost in range(most + 1):
        yield from _seeded([row for row in _rows_costing(factors, cost) if row not in taken], seed)


def _seeded(rows: list[RowIndex], seed: str) -> list[RowIndex]:
    return sorted(rows, key=lambda row: zlib.crc32(f"{seed}|{row}".encode()))


def _add_pairwise_covers(lines: list[Line], chosen: list[dict[RowIndex, None]], budget: int) -> None:
    """Every pair of core values (verb x bill) on a line, for as many lines as fit in ``PAIRWISE_SHARE`` of
    the budget, the lines that need the fewest extra phrases first."""
    covers = [_pairwise_rows(factors) for factors in (line.factors for line in lines)]
    extra = [len(set(cover) - set(rows)) for cover, rows in zip(covers, chosen, strict=True)]
    total = sum(len(rows) for rows in chosen)
    for i in sorted(range(len(lines)), key=lambda i: (extra[i], i)):
        if extra[i] and total + extra[i] <= budget * PAIRWISE_SHARE:
            chosen[i].update(dict.fromkeys(covers[i]))
            total += extra[i]


def _one_at_a_time(
    factors: tuple[Factor, ...], covered: set[tuple[tuple[tuple[object, ...], ...], int]]
) -> list[RowIndex]:
    """The plain phrase of first alternatives, then each core alternative in turn with the others first.

    A group that earlier lines of the intent used too (a macro such as ``$bill_named``: the same alternatives)
    needs only the alternatives those lines did not cover.
    """
    first = tuple(0 for _ in factors)
    rows = [first]
    for j, factor in enumerate(factors):
        if not factor.optional:
            new = [v for v in range(1, len(factor.alternatives)) if (factor.alternatives, v) not in covered]
            rows += [(*first[:j], v, *first[j + 1 :]) for v in new]
            covered.update((factor.alternatives, v) for v in new)
    return rows


def _pairwise_rows(factors: tuple[Factor, ...]) -> list[RowIndex]:
    core = [j for j, f in enumerate(factors) if not f.optional]
    return [tuple(values.get(j, 0) for j in range(len(factors))) for values in _pairwise(factors, core)]


def _spread_decorations(lines: list[Line], chosen: list[dict[RowIndex, None]]) -> None:
    users: dict[tuple[tuple[object, ...], ...], list[tuple[int, int]]] = {}
    for i, factors in enumerate(line.factors for line in lines):
        for j, factor in enumerate(factors):
            if factor.optional:
                users.setdefault(factor.alternatives, []).append((i, j))
    for alternatives, places in users.items():
        for turn, value in enumerate(range(1, len(alternatives))):
            i, j = places[turn % len(places)]
            factors = lines[i].factors
            base = min(
                (
                    row
                    for row in chosen[i]
                    if all(row[k] == 0 or not f.optional for k, f in enumerate(factors))
                ),
                key=lambda row: (_cost(factors, row), row),
            )
            chosen[i].setdefault((*base[:j], value, *base[j + 1 :]), None)


def _pairwise(factors: tuple[Factor, ...], core: list[int]) -> Iterator[dict[int, int]]:
    """A greedy all-pairs cover of the core factors: each row takes, factor by factor, the value that covers
    the most uncovered pairs with the values already in the row (an uncovered single counts more), the
    cheapest on a tie."""
    sizes = {j: len(factors[j].alternatives) for j in core}
    singles = {(j, v) for j in core for v in range(sizes[j])}
    pairs = {
        (a, va, b, vb)
        for a in core
        for b in core
        if a < b
        for va in range(sizes[a])
        for vb in range(sizes[b])
    }
    while singles or pairs:
        row: dict[int, int] = {}
        for j in core:
            row[j] = max(range(sizes[j]), key=lambda v: (_gain(row, j, v, singles, pairs), -v))
        row_pairs = {(a, row[a], b, row[b]) for a in core for b in core if a < b}
        if not ({(j, row[j]) for j in core} & singles or row_pairs & pairs):
            a, va, b, vb = min(pairs)  # the greedy row met nothing new: take an uncovered pair as it is
            row = {**dict.fromkeys(core, 0), a: va, b: vb}
        singles -= {(j, row[j]) for j in core}
        pairs -= {(a, row[a], b, row[b]) for a in core for b in core if a < b}
        yield row


def _gain(
    row: dict[int, int], j: int, v: int, singles: set[tuple[int, int]], pairs: set[tuple[int, int, int, int]]
) -> int:
    return 10 * ((j, v) in singles) + sum((k, vk, j, v) in pairs for k, vk in row.items())


def _cost(factors: tuple[Factor, ...], row: RowIndex) -> int:
    return sum(f.cost(v) for f, v in zip(factors, row, strict=True))


def _rows_costing(factors: tuple[Factor, ...], cost: int) -> Iterator[RowIndex]:
    """Every row whose cost is exactly ``cost`` (a depth-first walk that prunes what cannot add up to it)."""
    costs = [[f.cost(v) for v in range(len(f.alternatives))] for f in factors]
    least_after = [sum(min(c) for c in costs[j:]) for j in range(len(costs) + 1)]
    most_after = [sum(max(c) for c in costs[j:]) for j in range(len(costs) + 1)]

    def walk(j: int, left: int, prefix: RowIndex) -> Iterator[RowIndex]:
        if j == len(costs):
            if left == 0:
                yield prefix
            return
        for v, c in enumerate(costs[j]):
            if least_after[j + 1] <= left - c <= most_after[j + 1]:
                yield from walk(j + 1, left - c, (*prefix, v))

    return walk(0, cost, ())
