"""What the service desk hands to channels: plain, immutable answers (no ORM rows escape)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ...domain.contact import ContactRoute
from ...domain.model import BillType, Channel
from ...domain.refunds import RefundStanding
from ...domain.reminders import ScheduledStep
from ..billing.results import BillView


@dataclass(frozen=True)
class BillQuery:
    """Which bill the customer means, as they said it; `focus` is the bill last talked about."""

    bill_type: BillType | None = None
    biller: str | None = None
    focus: int | None = None

    @property
    def named(self) -> bool:
        return self.bill_type is not None or bool(self.biller)


@dataclass(frozen=True)
class ChooseBill:
    """Several bills fit what was said: the channel asks which one."""

    candidates: tuple[BillView, ...]


@dataclass(frozen=True)
class NoBill:
    """No bill fits; `named` tells whether the customer named one (a type or a biller)."""

    named: bool


@dataclass(frozen=True)
class BillerContact:
    biller_name: str
    spoken_name: str
    route: ContactRoute  # route.configured False: the biller has not set one


@dataclass(frozen=True)
class ChooseBiller:
    """The customer has several billers and named none (or one that is not theirs): whom do they mean?"""

    spoken_names: tuple[str, ...]
    unknown_name: bool  # a name was said that is none of the customer's billers


@dataclass(frozen=True)
class SentMessage:
    kind: str  # reminder | final_notice | payment_request
    channel: str | None  # sms | email, when known
    at: datetime


@dataclass(frozen=True)
class ReminderStatus:
    bill: BillView
    sent: tuple[SentMessage, ...]  # oldest first
    next: ScheduledStep | None  # None: the plan is done, or the bill needs no more reminders
    paused: bool  # the bill is disputed: no reminder until the biller resolves it


@dataclass(frozen=True)
class Overpayment:
    bill: BillView
    owed_minor: int  # still to come back
    refunded_minor: int  # already given back
    standing: RefundStanding
    refunded_on: date | None
    payments: int  # payments that went onto the bill (two or more: "you paid twice")
    method: str | None  # how the excess was paid: card, sepa_debit, ideal, bank_transfer, ...


@dataclass(frozen=True)
class PaymentMade:
    bill: BillView
    amount_minor: int
    currency: str
    on: date


@dataclass(frozen=True)
class Overpayments:
    overpaid: tuple[Overpayment, ...]  # most recent first; empty: nothing was overpaid
    paid: tuple[PaymentMade, ...]  # what was paid (on the bill named, or lately), when nothing was overpaid
    named: tuple[BillView, ...] = ()  # the bills the customer named (empty when none was named)


@dataclass(frozen=True)
class RequestRecorded:
    """A dispute or payment-plan request on a bill's timeline, for the biller, who answers it."""

    bill: BillView
    new: bool  # False: the same request was already open, nothing was added
    recorded_at: datetime
    reply_channel: Channel | None  # where the biller can answer: EMAIL or SMS; None: no channel on record
    reply_to: str | None  # that channel's address, masked for speech ("•••• 5678", "a•••@example.com")
