"""Where a receipt's "next step" leads: the customer's invoice page where the app has one, else their account.

The choice is made here only, from the app's own routes (`app.url_map`): adding `/invoices/<id>` (issue 13)
is all it takes for the paid page and every receipt email, sent before or after, to lead there.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, url_for
from flask.typing import ResponseReturnValue

bp = Blueprint("invoice_links", __name__)

INVOICE_PAGE_PREFIX = "/invoices/<"  # /invoices/<int:invoice_id>, whatever its converter


def invoice_page_url(invoice_id: int) -> str:
    """`/invoices/<id>` if a route serves it, else the account page (which asks the customer to sign in)."""
    for rule in current_app.url_map.iter_rules():
        if (
            rule.rule.startswith(INVOICE_PAGE_PREFIX)
            and len(rule.arguments) == 1
            and "GET" in (rule.methods or ())
        ):
            values: dict[str, Any] = {next(iter(rule.arguments)): invoice_id}
            return url_for(rule.endpoint, **values)
    return url_for("account.show")


@bp.get("/go/invoice/<int:invoice_id>")
def go_to_invoice(invoice_id: int) -> ResponseReturnValue:
    """The receipt email's link (services/payments/receipts.NEXT_STEP_PATH): stable while the target changes."""
    return redirect(invoice_page_url(invoice_id), 302)
