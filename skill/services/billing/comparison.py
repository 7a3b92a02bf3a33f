"""Why a bill is higher: the change from the previous bill of the same type, biller and account, line by line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ...domain.clock import Clock
from ...domain.errors import NotFound
from ...domain.model import BillType, InvoiceStatus
from ...storage import models as m
from ...storage.uow import UnitOfWork
from .bills import AmbiguousBill, biller_matches, normalize_name
from .results import BillView


@dataclass(frozen=True)
class LineChange:
    """One line item that differs: `before` None is a new line, `after` None a line no longer on the bill."""

    description: str
    before_minor: int | None
    after_minor: int | None

    @property
    def change_minor(self) -> int:
        return (self.after_minor or 0) - (self.before_minor or 0)


@dataclass(frozen=True)
class BillComparison:
    """A bill against the previous bill of its series (same account, biller and bill type)."""

    bill: BillView
    previous_amount_minor: int | None  # None: no previous bill in the same currency
    previous_issue_date: date | None
    changes: tuple[LineChange, ...] = ()  # the lines that changed, largest change first

    @property
    def difference_minor(self) -> int | None:
        if self.previous_amount_minor is None:
            return None
        return self.bill.amount_due_minor - self.previous_amount_minor


def compare_with_previous(
    uow: UnitOfWork,
    customer_id: int,
    clock: Clock,
    *,
    bill_type: BillType | None = None,
    biller: str | None = None,
    focus: int | None = None,
) -> BillComparison:
    """The latest bill meant (the one in focus when nothing is named) against the one before it in its series.

    With several series to choose from, the one whose latest bill went up is meant when it is the only one;
    otherwise AmbiguousBill lists their latest bills. NotFound when the customer has no such bill.
    """
    with uow:
        rows = [r for r in uow.invoices.for_customer(customer_id) if r.status != InvoiceStatus.VOID]
        named = bill_type is not None or biller is not None
        kept = [r for r in rows if _matches(r, bill_type, biller)]
        current = next((r for r in kept if r.id == focus), None) if not named else None
        if current is None:
            current = _meant(kept, rows, clock.today())
        return _comparison(current, _previous(current, rows), clock.today())


def _matches(row: m.Invoice, bill_type: BillType | None, biller: str | None) -> bool:
    return (bill_type is None or row.bill_type == bill_type) and (
        biller is None or biller_matches(row.biller, biller)
    )


def _series(row: m.Invoice) -> tuple[int, int, str]:
    return (row.account_id, row.biller_id, str(row.bill_type))


def _latest_of_each_series(rows: Sequence[m.Invoice]) -> list[m.Invoice]:
    latest: dict[tuple[int, int, str], m.Invoice] = {}
    for row in rows:
        key = _series(row)
        if key not in latest or (row.issue_date, row.id) > (latest[key].issue_date, latest[key].id):
            latest[key] = row
    return sorted(latest.values(), key=lambda r: (r.due_date, r.id))


def _meant(kept: Sequence[m.Invoice], every: Sequence[m.Invoice], today: date) -> m.Invoice:
    candidates = _latest_of_each_series(kept)
    if not candidates:
        raise NotFound("no bill matches")
    if len(candidates) == 1:
        return candidates[0]
    rising = [r for r in candidates if _went_up(r, _previous(r, every))]
    if len(rising) == 1:
        return rising[0]
    raise AmbiguousBill([BillView.of(r, today) for r in (rising or candidates)])


def _previous(row: m.Invoice, rows: Sequence[m.Invoice]) -> m.Invoice | None:
    """The bill of the same series issued just before `row`."""
    earlier = [
        r
        for r in rows
        if _series(r) == _series(row) and r.id != row.id and (r.issue_date, r.id) < (row.issue_date, row.id)
    ]
    return max(earlier, key=lambda r: (r.issue_date, r.id), default=None)


def _went_up(row: m.Invoice, previous: m.Invoice | None) -> bool:
    return (
        previous is not None
        and previous.currency == row.currency
        and row.amount_due_minor > previous.amount_due_minor
    )


def _comparison(current: m.Invoice, previous: m.Invoice | None, today: date) -> BillComparison:
    bill = BillView.of(current, today)
    if previous is None or previous.currency != current.currency:
        return BillComparison(bill, None, previous.issue_date if previous else None)
    return BillComparison(
        bill,
        previous.amount_due_minor,
        previous.issue_date,
        line_changes(previous.line_items or [], current.line_items or []),
    )


def line_changes(before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]]) -> tuple[LineChange, ...]:
    """The lines whose amount changed, that are new or that are gone, matched by their description.

    Two bills of one line each have nothing to break down: that line is the bill (and its description often
    names the period, "Electricity, November"), so the difference of the totals says it all.
    """
    if len(before) <= 1 and len(after) <= 1:
        return ()
    old, new = _by_description(before), _by_description(after)
    changes = [
        LineChange(
            new[key][0] if key in new else old[key][0],
            old[key][1] if key in old else None,
            new[key][1] if key in new else None,
        )
        for key in [*new, *(k for k in old if k not in new)]
        if key not in old or key not in new or old[key][1] != new[key][1]
    ]
    return tuple(sorted(changes, key=lambda c: -abs(c.change_minor)))


def _by_description(items: Sequence[dict[str, Any]]) -> dict[str, tuple[str, int]]:
    """Line items as stored (`{"description", "amount_minor"}`), summed per description, in bill order."""
    lines: dict[str, tuple[str, int]] = {}
    for item in items:
        description = str(item.get("description") or "").strip()
        key = normalize_name(description)
        shown, total = lines.get(key, (description, 0))
        lines[key] = (shown, total + int(item.get("amount_minor") or 0))
    return lines
