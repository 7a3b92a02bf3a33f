"""Small spoken phrases reused across handlers: bill names, amounts, methods."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...services.billing.results import BillView
from ..speech import money, text
from .base import Turn

if TYPE_CHECKING:  # annotations only: the launch and listing path never loads the ORM
    from ...services.payments.mandates import MethodView

BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}


def bill_name(turn: Turn, bill: BillView) -> str:
    """'your electricity bill from Northwind Energy'."""
    return turn.t(
        "bill.name", type=turn.t(f"type.{bill.bill_type.value}"), biller=text(bill.biller_spoken_name)
    )


def list_bill_names(turn: Turn, bills: list[BillView]) -> str:
    return turn.t.join(
        [
            turn.t("bill.short", type=turn.t(f"type.{b.bill_type.value}"), biller=text(b.biller_spoken_name))
            for b in bills
        ]
    )


def amount(turn: Turn, amount_minor: int, currency: str) -> str:
    return money(amount_minor, currency, turn.locale)


def method_label(turn: Turn, method: MethodView) -> str:
    if method.kind.value == "card":
        brand = BRANDS.get(
            (method.brand or "").lower(), (method.brand or "").title() or turn.t("method.card_generic")
        )
        return turn.t("method.card", brand=brand, last4=method.last4)
    return turn.t("method.sepa_debit", last4=method.last4)
