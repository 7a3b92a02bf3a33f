"""A payment attempt's receipt: reference, method, date and invoice, for the paid page and the receipt email."""

from __future__ import annotations

from typing import Any

from ...domain.model import MethodKind
from ...domain.receipts import PaidWith, Receipt, receipt_reference
from ...storage import models as m

# Where the receipt's "next step" goes: a path of the web app that sends the customer on to the invoice page
# (or their account while there is none); see skill/web/invoice_links.py. Kept stable, as emails outlive releases.
NEXT_STEP_PATH = "/go/invoice/{invoice_id}"


def paid_with(attempt: m.PaymentAttempt) -> PaidWith:
    """The stored method a voice payment used, else what the link page charged (kind, and a card's digits)."""
    method = attempt.payment_method
    if method is not None:
        kind = "sepa_debit" if method.kind is MethodKind.SEPA_DEBIT else "card"
        return PaidWith(kind, method.brand, method.last4)
    return PaidWith(attempt.method, attempt.method_brand, attempt.method_last4)


def receipt_of(attempt: m.PaymentAttempt) -> Receipt:
    return Receipt(
        reference=receipt_reference(attempt.id),
        paid_with=paid_with(attempt),
        paid_at=attempt.applied_at,
        invoice_id=attempt.invoice_id,
        invoice_number=attempt.invoice.number,
    )


def receipt_payload(receipt: Receipt) -> dict[str, Any]:
    """The receipt's part of the outbox payload: plain JSON values, rendered per locale by notifications."""
    return {
        "reference": receipt.reference,
        "method_kind": receipt.paid_with.kind,
        "method_brand": receipt.paid_with.brand,
        "method_last4": receipt.paid_with.last4,
        "invoice_number": receipt.invoice_number,
        "paid_at": receipt.paid_at.isoformat() if receipt.paid_at else None,
        "path": NEXT_STEP_PATH.format(invoice_id=receipt.invoice_id),
    }
