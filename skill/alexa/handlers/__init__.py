"""Every request handler of the skill, in dispatch order, and the intents they cover."""

from __future__ import annotations

from ...bootstrap import Services
from .answers import NoIntentHandler, YesIntentHandler
from .base import Handler
from .bills import BillDetailsIntentHandler, ListBillsIntentHandler, MoreIntentHandler
from .builtins import (
    FallbackIntentHandler,
    HelpIntentHandler,
    RepeatIntentHandler,
    SessionEndedRequestHandler,
    StopIntentHandler,
)
from .history import PaymentHistoryIntentHandler, PaymentStatusIntentHandler
from .invoice_questions import LatestInvoiceIntentHandler, WhyHigherIntentHandler
from .launch import LaunchRequestHandler, StartOverIntentHandler
from .links import SendLinkIntentHandler
from .pay import PayBillIntentHandler, VoicePinIntentHandler
from .questions import (
    AmountLeftIntentHandler,
    NextDueIntentHandler,
    TotalOwedIntentHandler,
    UnderpaidIntentHandler,
)
from .service_desk import (
    ContactIntentHandler,
    DisputeIntentHandler,
    OverpaidIntentHandler,
    PaymentPlanIntentHandler,
    ReminderIntentHandler,
)

HANDLERS: tuple[type[Handler], ...] = (
    SessionEndedRequestHandler,
    StopIntentHandler,
    HelpIntentHandler,
    RepeatIntentHandler,
    StartOverIntentHandler,
    LaunchRequestHandler,
    ListBillsIntentHandler,
    MoreIntentHandler,
    BillDetailsIntentHandler,
    PayBillIntentHandler,
    SendLinkIntentHandler,
    YesIntentHandler,
    NoIntentHandler,
    VoicePinIntentHandler,
    PaymentStatusIntentHandler,
    PaymentHistoryIntentHandler,
    TotalOwedIntentHandler,
    NextDueIntentHandler,
    AmountLeftIntentHandler,
    UnderpaidIntentHandler,
    WhyHigherIntentHandler,
    LatestInvoiceIntentHandler,
    ContactIntentHandler,
    ReminderIntentHandler,
    OverpaidIntentHandler,
    DisputeIntentHandler,
    PaymentPlanIntentHandler,
    FallbackIntentHandler,
)


def build_handlers(services: Services) -> list[Handler]:
    return [cls(services) for cls in HANDLERS]


def handled_intents() -> set[str]:
    return {intent for cls in HANDLERS for intent in cls.intents}
