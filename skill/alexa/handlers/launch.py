"""LaunchRequest: a greeting and a one-sentence summary of what is owed."""

from __future__ import annotations

from ask_sdk_model import Response

from ...services.billing.bills import customer_billers, list_outstanding
from ..vocabulary import biller_entities
from .base import Handler, Turn
from .words import amount


class LaunchRequestHandler(Handler):
    request_types = ("LaunchRequest",)

    def respond(self, turn: Turn) -> Response:
        summary = list_outstanding(turn.services.uow(), turn.customer_id, turn.services.clock)
        billers = customer_billers(turn.services.uow(), turn.customer_id)
        if billers:
            turn.hi.response_builder.add_directive(biller_entities(billers))
        first_name = (turn.customer.name.split() or [""])[0] if turn.customer else ""
        greeting = turn.t("launch.greeting", name=first_name)
        if not summary.bills:
            return turn.ask(f"{greeting} {turn.t('launch.no_bills')}", turn.t("reprompt.main"))
        totals = turn.t.join([amount(turn, v, c) for c, v in sorted(summary.totals.items())])
        count = turn.t.plural("launch.count", len(summary.bills))
        overdue = turn.t.plural("launch.overdue", summary.overdue_count) if summary.overdue_count else ""
        line = turn.t("launch.summary", count=count, overdue=overdue, total=totals)
        turn.conv.ask("hear_or_pay")
        return turn.ask(f"{greeting} {line} {turn.t('launch.question')}", turn.t("launch.question"))
