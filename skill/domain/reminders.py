"""A biller's reminder plan (dunning): its steps as day offsets from the due date, and which step comes next.

The voice skill explains a reminder from it ("what happens now?"), and the dunning worker (issue 13) sends from
the same plan, so both always agree on what comes next and when. Pure Python: the plan is stored as JSON in the
biller's settings (`billers.reminder_plan`, NULL meaning DEFAULT_PLAN) and read back through `plan_from_json`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .errors import InvalidInput

MAX_STEPS = 8
MAX_OFFSET_DAYS = 365
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class StepKind(enum.StrEnum):
    """What a step says: a reminder (friendly before the due date, plain after it) or the final notice."""

    REMINDER = "reminder"
    FINAL_NOTICE = "final_notice"


@dataclass(frozen=True)
class ReminderStep:
    key: str  # stable name, recorded with the reminder sent ("before_due"), so a step is sent once
    offset_days: int  # from the due date: -3 is three days before it, 7 a week after
    kind: StepKind = StepKind.REMINDER

    def on(self, due_date: date) -> date:
        return due_date + timedelta(days=self.offset_days)


@dataclass(frozen=True)
class ReminderPlan:
    """Steps in the order they are sent (by offset); at most one final notice, and it comes last."""

    steps: tuple[ReminderStep, ...]

    def __post_init__(self) -> None:
        check_steps(self.steps)

    def to_json(self) -> list[dict[str, Any]]:
        return [{"key": s.key, "offset_days": s.offset_days, "kind": str(s.kind)} for s in self.steps]


@dataclass(frozen=True)
class ScheduledStep:
    """The step that comes next and the day it goes out (today when its own day has passed unsent)."""

    step: ReminderStep
    on: date


def check_steps(steps: Sequence[ReminderStep]) -> None:
    if not 1 <= len(steps) <= MAX_STEPS:
        raise InvalidInput(f"a reminder plan has 1 to {MAX_STEPS} steps", field="steps")
    keys = [s.key for s in steps]
    if len(set(keys)) != len(keys) or not all(_KEY.fullmatch(k) for k in keys):
        raise InvalidInput("step keys are unique lower-case names (a-z, 0-9, _)", field="steps")
    offsets = [s.offset_days for s in steps]
    if any(abs(o) > MAX_OFFSET_DAYS for o in offsets) or offsets != sorted(set(offsets)):
        raise InvalidInput(
            f"step offsets are distinct, ascending and within {MAX_OFFSET_DAYS} days", field="steps"
        )
    finals = [i for i, s in enumerate(steps) if s.kind is StepKind.FINAL_NOTICE]
    if finals not in ([], [len(steps) - 1]):
        raise InvalidInput("only the last step may be the final notice", field="steps")


# Issue 13 §3: a friendly reminder 3 days before the due date, one on the due date, one 7 days after, and a
# final notice (14 days after).
DEFAULT_PLAN = ReminderPlan(
    (
        ReminderStep("before_due", -3),
        ReminderStep("on_due", 0),
        ReminderStep("after_due", 7),
        ReminderStep("final_notice", 14, StepKind.FINAL_NOTICE),
    )
)


def plan_from_json(raw: object) -> ReminderPlan:
    """The stored plan (None: DEFAULT_PLAN). Raises InvalidInput naming what is wrong."""
    if raw is None:
        return DEFAULT_PLAN
    if not isinstance(raw, list):
        raise InvalidInput("a reminder plan is a list of steps", field="steps")
    steps = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"key", "offset_days", "kind"}:
            raise InvalidInput("a step has key, offset_days and kind", field="steps")
        offset = item.get("offset_days")
        if not isinstance(offset, int) or isinstance(offset, bool):
            raise InvalidInput("offset_days is a whole number of days", field="steps")
        try:
            kind = StepKind(item.get("kind", StepKind.REMINDER))
        except ValueError:
            raise InvalidInput("kind is reminder or final_notice", field="steps") from None
        steps.append(ReminderStep(str(item.get("key", "")), offset, kind))
    return ReminderPlan(tuple(steps))


def next_step(plan: ReminderPlan, due_date: date, sent: Collection[str], today: date) -> ScheduledStep | None:
    """The step to send next, given the keys of the steps already sent; None when the plan is done.

    Steps before the last one sent are over. Of the rest, a step whose day has passed is superseded by a later
    step whose day has passed too (nobody gets a friendly "due in 3 days" a week late): the latest step due by
    today goes out today, and with none due yet, the first one to come goes out on its own day.
    """
    last_sent = max((i for i, s in enumerate(plan.steps) if s.key in sent), default=-1)
    remaining = plan.steps[last_sent + 1 :]
    if not remaining:
        return None
    due_by_today = [s for s in remaining if s.on(due_date) <= today]
    if due_by_today:
        return ScheduledStep(due_by_today[-1], today)
    return ScheduledStep(remaining[0], remaining[0].on(due_date))
