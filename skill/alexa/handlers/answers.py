"""Yes and No: each answers only the question that was actually asked, as the flow that asked it says.

A flow module registers the follow-ups of each question it asks (`register(Question.MORE, yes=..., no=...)`),
so this module knows no flow: a new question is one enum member and one `register` call beside its asking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ask_sdk_model import Response

from ..state import Question
from .base import Handler, Turn

Answer = Callable[[Turn, dict[str, Any]], Response]  # the turn, and the data the question was asked with


@dataclass(frozen=True)
class FollowUps:
    """What "yes" and "no" do after one question; None where that answer does not fit ("yes" to "which one?")."""

    yes: Answer | None = None
    no: Answer | None = None


_FOLLOW_UPS: dict[Question, FollowUps] = {}


def register(question: Question, *, yes: Answer | None = None, no: Answer | None = None) -> None:
    """Called once, at import, by the flow module that asks `question`."""
    if question in _FOLLOW_UPS:
        raise ValueError(f"the answers to {question!r} are registered already")
    _FOLLOW_UPS[question] = FollowUps(yes, no)


def follow_ups(question: Question) -> FollowUps:
    return _FOLLOW_UPS.get(question, FollowUps())


def declined(turn: Turn, data: dict[str, Any]) -> Response:
    """The usual "no": nothing happens, and the listing being read is dropped."""
    turn.conv.listing = None
    return turn.ask(turn.t("no.ok"), turn.t("reprompt.main"))


class YesIntentHandler(Handler):
    intents = ("AMAZON.YesIntent",)

    def respond(self, turn: Turn) -> Response:
        pending, turn.conv.pending = turn.conv.pending, None
        answer = follow_ups(pending.question).yes if pending else None
        if pending is None or answer is None:
            return turn.ask(turn.t("yes.out_of_context"), turn.t("reprompt.main"))
        return answer(turn, pending.data)


class NoIntentHandler(Handler):
    intents = ("AMAZON.NoIntent",)

    def respond(self, turn: Turn) -> Response:
        pending, turn.conv.pending = turn.conv.pending, None
        answer = follow_ups(pending.question).no if pending else None
        if pending is None or answer is None:
            return turn.ask(turn.t("no.out_of_context"), turn.t("reprompt.main"))
        return answer(turn, pending.data)
