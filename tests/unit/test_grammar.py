"""The grammar language: parsing, expansion, the budgeted choice of phrases and the rules every phrase keeps."""

from __future__ import annotations

import subprocess
import sys
from itertools import product

import pytest

from skill.conversation.grammar import GrammarError, Phrase, Slot
from skill.conversation.grammar.checks import phrase_problems
from skill.conversation.grammar.dsl import parse
from skill.conversation.grammar.expand import Grammar, build
from skill.conversation.grammar.select import Factor, Line, choose

TYPES = """
type BILL_TYPE
  phone: phone | mobile
  water: water
type BILLER_NAME
  lumen-mobile: Lumen Mobile | Lumen
type BILL_STATUS
  overdue: overdue | late
  due_soon: due this week | due next
"""


def grammar(text: str, *overlays: str) -> Grammar:
    return build("en-US", [parse(TYPES + text), *(parse(o) for o in overlays)])


def texts(g: Grammar, intent: str) -> list[str]:
    return [p.text for p in g.phrases(intent)]


def test_groups_options_macros_and_nothing_expand_to_every_phrase() -> None:
    g = grammar("""
$my = my | the | _
intent PayBillIntent
  (pay|settle) $my {billType} bill [please]
""")
    assert sorted(p.text for p in g.all_phrases("PayBillIntent")) == sorted(
        f"{verb} {det}{{billType}} bill{tail}"
        for verb, det, tail in product(("pay", "settle"), ("my ", "the ", ""), ("", " please"))
    )


def test_a_phrase_keeps_its_slots_as_tokens() -> None:
    (phrase,) = grammar("intent PayBillIntent\n  pay my {billType} bill\n").phrases("PayBillIntent")
    assert phrase.tokens == ("pay", "my", Slot("billType"), "bill")
    assert phrase.slots == ("billType",)
    assert phrase.slot_positions() == {"billType": 2}
    assert phrase.words == ("pay", "my", "bill")


def test_continuation_lines_comments_and_line_alternatives() -> None:
    g = grammar("""
# a comment line
$lead = so   # a comment after a definition
      | ok
intent ListBillsIntent
  [$lead] what do I owe | what bills do I have
  how much do I
  | what is it I owe
""")
    expected = ["what do I owe", "so what do I owe", "ok what do I owe", "what bills do I have"]
    expected += ["how much do I", "what is it I owe"]
    assert sorted(texts(g, "ListBillsIntent")) == sorted(expected)


def test_an_overlay_redefines_extends_and_adds() -> None:
    base = """
$currency = euros
$tail = please
intent PayBillIntent
  pay {amount} $currency [$tail]
"""
    overlay = """
$currency = pounds | euros
$tail += cheers
type BILL_TYPE
  phone += mobile contract
intent PayBillIntent
  settle up
"""
    g = grammar(base, overlay)
    assert texts(g, "PayBillIntent")[:2] == ["pay {amount} pounds", "pay {amount} pounds please"]
    assert "pay {amount} euros cheers" in texts(g, "PayBillIntent")
    assert "settle up" in texts(g, "PayBillIntent")
    assert g.types["BILL_TYPE"]["phone"] == ("phone", "mobile", "mobile contract")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("intent X\n  pay (my bill\n", "without"),
        ("intent X\n  pay $nothing\n", "not defined"),
        ("$a = $b\n$b = $a\nintent X\n  $a\n", "itself"),
        ("$a = x\n$a = y\n", "defined twice"),
        ("wrong line\n", "expected"),
    ],
)
def test_a_broken_grammar_says_where(text: str, message: str) -> None:
    with pytest.raises(GrammarError, match=message):
        grammar(text).phrases("X")


def factor(*alternatives: str, optional: bool = False) -> Factor:
    rows = tuple(tuple(a.split()) for a in alternatives)
    if optional:
        rows = ((), *rows)
    return Factor(rows, optional=optional, costs=tuple(range(len(rows))))


VERBS = factor("pay", "settle", "clear", "cover", "pay off")
BILLS = factor("my phone bill", "the water bill", "my gas bill", "the rent", "my tax", "the loan")
LEADS = factor("can you", "could you", "please", "I want to", "I'd like to", optional=True)
TAILS = factor("please", "now", "for me", optional=True)
LINE = Line((LEADS, VERBS, BILLS, TAILS), "line")


def test_within_budget_every_alternative_is_used_and_the_plain_phrase_comes_first() -> None:
    (rows,) = choose([LINE], 30)
    assert len(rows) == 30
    assert (0, 0, 0, 0) in rows  # "pay my phone bill"
    for j, f in enumerate(LINE.factors):
        assert {row[j] for row in rows} == set(range(len(f.alternatives))), f"factor {j}"


def test_every_pair_of_core_alternatives_when_the_budget_allows() -> None:
    # PAIRWISE_SHARE of it holds the coverage rows and the 30 verb x bill pairs (decorations are cheap, so the
    # cheapest phrases alone would not reach every rare verb with every rare bill)
    (rows,) = choose([LINE], 20 * 5 * 6)
    assert {(row[1], row[2]) for row in rows} == set(product(range(5), range(6)))


def test_the_choice_is_deterministic_and_follows_position_not_the_alphabet() -> None:
    first = choose([LINE], 25)
    assert first == choose([LINE], 25)
    backwards = (LEADS, factor("pay off", "cover", "clear", "settle", "pay"), BILLS, TAILS)
    (rows,) = choose([Line(backwards, "line")], 25)
    # the first alternative is the common one, whatever its spelling
    assert sum(row[1] == 0 for row in rows) == sum(row[1] == 0 for row in first[0])


def test_a_group_used_on_several_lines_is_covered_once_in_the_intent() -> None:
    lines = [Line((LEADS, factor("pay"), BILLS), "one"), Line((LEADS, factor("settle"), BILLS), "two")]
    one, two = choose(lines, 18)
    assert len(one) + len(two) == 18
    leads = {row[0] for row in one} | {row[0] for row in two}
    assert leads == set(range(6))


def test_a_budget_too_small_to_use_every_alternative_is_an_error() -> None:
    with pytest.raises(GrammarError, match="raise the intent's max"):
        choose([LINE], 10)


def test_lines_that_fit_are_kept_whole() -> None:
    small = Line((factor("yes", "yeah"), factor("please", optional=True)), "small")
    (rows,) = choose([small], 100)
    assert rows == [(0, 0), (0, 1), (1, 0), (1, 1)]


def problems(text: str) -> list[str]:
    g = grammar(text)
    return phrase_problems(g, {name: g.phrases(name) for name in g.intents})


def test_a_phrase_two_intents_share_is_a_problem() -> None:
    found = problems("intent PayBillIntent\n  pay it\nintent AMAZON.YesIntent\n  pay it\n")
    assert any("'pay it' is in AMAZON.YesIntent" in p for p in found)


def test_phrases_that_differ_only_by_slot_name_are_shared() -> None:
    # {billType} and {biller}: two slot names of different intents, one type each; here the same type
    found = problems(
        "intent NextDueIntent\n  when is my {billType} due\nintent ReminderIntent\n  when is my {billType} due\n"
    )
    assert found


def test_bare_slots_filler_only_phrases_and_slots_side_by_side_are_problems() -> None:
    found = problems("""
@fillers um please
intent PayBillIntent
  {billType}
  um please
  please {amount}
  pay {billType} {amount}
""")
    assert any("bare slot" in p for p in found)
    assert any("'um please' has only filler words" in p for p in found)
    assert any("around its slot" in p for p in found)
    assert any("side by side" in p for p in found)


def test_a_slot_the_intent_does_not_have_or_without_values_is_a_problem() -> None:
    assert any("does not have" in p for p in problems("intent ContactIntent\n  call about my {billType}\n"))
    assert any(
        "AMOUNT_KIND has no values" in p for p in problems("intent PayBillIntent\n  pay {amountKind}\n")
    )


def test_a_phrase_another_intent_matches_with_a_slot_value_is_ambiguous() -> None:
    found = problems(
        "intent ListBillsIntent\n  what's {billStatus}\nintent NextDueIntent\n  what's due next\n"
    )
    assert any("due next" in p and p.endswith("is also a phrase of ListBillsIntent") for p in found)


def test_the_clean_grammar_has_no_problems() -> None:
    assert (
        problems(
            "intent ListBillsIntent\n  what's {billStatus}\nintent NextDueIntent\n  which bill is next\n"
        )
        == []
    )


def test_the_grammar_imports_only_the_standard_library() -> None:
    code = (
        "import sys, skill.conversation.grammar as g; g.phrases('de-DE'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] not in sys.stdlib_module_names"
        " and not m.startswith(('skill', '_'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() in ("[]", "['__main__']")


def test_phrase_key_folds_case_and_spacing() -> None:
    assert Phrase(("Pay", "MY", Slot("billType"))).key() == "pay my {billtype}"


def test_a_weighted_line_gets_more_of_the_shared_budget() -> None:
    plain, weighted = choose([Line(LINE.factors, "a"), Line(LINE.factors, "b", weight=3)], 80)
    assert len(weighted) > len(plain)


def test_a_weight_prefix_is_read_from_the_line() -> None:
    g = grammar("intent PayBillIntent\n  *3 pay my {billType} bill\n")
    (pattern,) = g.intents["PayBillIntent"]
    assert pattern.weight == 3
    assert texts(g, "PayBillIntent") == ["pay my {billType} bill"]
