"""Where money paid too much stands: due (owed back, not sent), under way (sent, not yet arrived) or done.

When an issued refund shows on the customer's statement depends on the card network and the bank
(https://docs.stripe.com/refunds, "Refund requests"); card issuers commonly take up to ten working days. So a
refund counts as under way for REFUND_WORKING_DAYS after it was issued, and as done afterwards: the customer is
never told "done" while the money may still be travelling.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

REFUND_WORKING_DAYS = 10


class RefundState(enum.StrEnum):
    DUE = "due"  # owed back and not sent: paid outside the provider, so the biller has to pay it back
    UNDER_WAY = "under_way"  # issued (or being issued automatically) and not yet on the customer's account
    DONE = "done"  # issued long enough ago to have arrived


@dataclass(frozen=True)
class RefundStanding:
    state: RefundState
    expected_by: date | None  # when it should be on the customer's account; None when nobody can say


def add_working_days(start: date, days: int) -> date:
    """`days` Monday-to-Friday days after `start` (public holidays are not known here)."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def refund_standing(
    *, owed_minor: int, automatic: bool, since: date, refunded_on: date | None, today: date
) -> RefundStanding:
    """The standing of one overpayment.

    owed_minor: what is still owed back (the invoice's refund due); automatic: the excess was paid through the
    payment provider, which refunds it to the same method by itself (retried until it succeeds); since: when the
    excess arrived; refunded_on: when the last refund was issued, if any.
    """
    if owed_minor > 0:
        if not automatic:
            return RefundStanding(RefundState.DUE, None)
        return RefundStanding(RefundState.UNDER_WAY, add_working_days(max(since, today), REFUND_WORKING_DAYS))
    if refunded_on is None:
        raise ValueError("nothing is owed back and nothing was refunded: no overpayment")
    arrives = add_working_days(refunded_on, REFUND_WORKING_DAYS)
    return RefundStanding(RefundState.UNDER_WAY if today < arrives else RefundState.DONE, arrives)
