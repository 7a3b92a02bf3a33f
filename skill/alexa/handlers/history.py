"""Payment status and history: "did my payment go through", "what did I pay last"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ask_sdk_model import Response

from ...domain.model import PaymentStatus
from ..speech import say_date, text
from .base import Handler, Turn
from .words import amount

if TYPE_CHECKING:  # annotations only: the launch and listing path never loads the ORM
    from ...services.billing.history import PaymentView


class PaymentStatusIntentHandler(Handler):
    intents = ("PaymentStatusIntent",)

    def respond(self, turn: Turn) -> Response:
        latest = turn.services.billing.recent_payments(turn.customer_id, limit=1)
        if not latest:
            return turn.ask(turn.t("status.none"), turn.t("reprompt.main"))
        p = latest[0]
        values = {
            "amount": amount(turn, p.amount_minor, p.currency),
            "biller": text(p.biller_name),
            "date": say_date(p.at.date(), turn.today),
        }
        speech = turn.t(f"status.{p.status.value}", **values)
        if p.status is PaymentStatus.SUCCEEDED and p.refunded_minor:
            speech += " " + turn.t(
                "status.part_refunded", refunded=amount(turn, p.refunded_minor, p.currency)
            )
        return turn.ask(speech, turn.t("reprompt.main"))


class PaymentHistoryIntentHandler(Handler):
    intents = ("PaymentHistoryIntent",)

    def respond(self, turn: Turn) -> Response:
        done = [
            p
            for p in turn.services.billing.recent_payments(turn.customer_id, limit=10)
            if p.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)
        ][:3]
        if not done:
            return turn.ask(turn.t("history.none"), turn.t("reprompt.main"))
        lines = [history_line(turn, p) for p in done]
        head = turn.t("history.last", line=lines[0])
        rest = " " + turn.t("history.before", lines=turn.t.join(lines[1:])) if len(lines) > 1 else ""
        return turn.ask(head + rest + " " + turn.t("reprompt.anything_else"), turn.t("reprompt.main"))


def history_line(turn: Turn, p: PaymentView) -> str:
    """One payment as heard in the history; a refund is said, never read as paid."""
    values = {
        "amount": amount(turn, p.amount_minor, p.currency),
        "biller": text(p.biller_name),
        "date": say_date(p.at.date(), turn.today),
    }
    if p.fully_refunded:
        return turn.t("history.line_refunded", **values)
    if p.refunded_minor:
        refunded = amount(turn, p.refunded_minor, p.currency)
        return turn.t("history.line_part_refunded", refunded=refunded, **values)
    return turn.t("history.line", **values)
