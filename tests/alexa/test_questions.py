"""Pending questions are Question members, sealed as the same bytes as before, answered as their flow registered."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import skill.alexa.handlers  # noqa: F401  (imports every flow, so every question is registered)
from skill.alexa.handlers import answers
from skill.alexa.state import Conversation, Pending, Question, Seal

SEAL = Seal.for_customer("test-secret-key", 42)
DATA = {"invoice_id": 3, "amount_minor": 1250, "currency": "EUR"}

# Sealed by the code before the enum existed (question as a bare string), with the same key and customer.
BEFORE = {
    Question.CONFIRM_PAYMENT: '{"question": "confirm_payment", "data": {"invoice_id": 3, "amount_minor": 1250, '
    '"currency": "EUR"}, "mac": "66c12303989869befc0383e1fa8718605afe39d30fefaaecd81b07cc75c8bcb4"}',
    Question.WHICH_BILL: '{"question": "which_bill", "data": {"invoice_id": 3, "amount_minor": 1250, '
    '"currency": "EUR"}, "mac": "7d89609bef502368b95e235a2296cc92bd1704f1f449a5791ca9cc5923c76b8e"}',
}


@pytest.mark.parametrize("question", list(BEFORE))
def test_a_sealed_question_is_the_same_bytes_as_before_the_enum(question: Question) -> None:
    assert json.dumps(SEAL.sealed(Pending(question, dict(DATA)))) == BEFORE[question]


def test_the_seal_signs_the_plain_string_value() -> None:
    sealed = SEAL.sealed(Pending(Question.PIN, {"invoice_id": 3}))
    assert type(sealed["question"]) is str
    assert sealed["mac"] == SEAL.mac({"question": "pin", "data": {"invoice_id": 3}})


@pytest.mark.parametrize("question", list(BEFORE))
def test_a_session_saved_before_the_enum_opens_with_its_question(question: Question) -> None:
    attributes = {
        "conv": {"heard": [3], "focus": 3, "listing": None, "pending": json.loads(BEFORE[question])}
    }
    pending = Conversation.load(attributes, SEAL).pending
    assert pending == Pending(question, DATA)
    assert pending is not None and pending.question is question


def test_a_signed_question_this_version_does_not_know_is_no_question() -> None:
    unknown = {"question": "retired_question", "data": {}}
    attributes = {"conv": {"heard": [3], "focus": 3, "pending": {**unknown, "mac": SEAL.mac(unknown)}}}
    conv = Conversation.load(attributes, SEAL)
    assert conv.pending is None and conv.heard == [3] and conv.focus == 3


def test_every_question_is_registered_by_a_flow() -> None:
    assert set(answers._FOLLOW_UPS) == set(Question)


def test_a_question_is_registered_only_once() -> None:
    with pytest.raises(ValueError, match="already"):
        answers.register(Question.MORE)


def test_the_answers_module_imports_no_flow() -> None:
    tree = ast.parse(Path(answers.__file__).read_text())
    local = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level}
    assert local == {"state", "base"}
