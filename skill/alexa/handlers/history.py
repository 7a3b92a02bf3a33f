"""Payment status and history: "did my payment go through", "what did I pay last"."""

from __future__ import annotations

from ask_sdk_model import Response

from ...domain.model import PaymentStatus
from ..speech import say_date, text
from .base import Handler, Turn
from .words import amount


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
        return turn.ask(turn.t(f"status.{p.status.value}", **values), turn.t("reprompt.main"))


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
        lines = [
            turn.t(
                "history.line",
                amount=amount(turn, p.amount_minor, p.currency),
                biller=text(p.biller_name),
                date=say_date(p.at.date(), turn.today),
            )
            for p in done
        ]
        head = turn.t("history.last", line=lines[0])
        rest = " " + turn.t("history.before", lines=turn.t.join(lines[1:])) if len(lines) > 1 else ""
        return turn.ask(head + rest + " " + turn.t("reprompt.anything_else"), turn.t("reprompt.main"))
