"""What a receipt says about a payment: its public reference and the method it was paid with (no secrets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Card networks as Stripe names them (https://docs.stripe.com/api/payment_methods/object#payment_method_object-card-brand)
# and as a customer reads them; a brand not listed is title-cased ("diners" -> "Diners").
_BRAND_NAMES = {
    "amex": "American Express",
    "mastercard": "Mastercard",
    "visa": "Visa",
    "unionpay": "UnionPay",
    "jcb": "JCB",
    "cartes_bancaires": "Cartes Bancaires",
}


def receipt_reference(attempt_id: int) -> str:
    """The reference a customer quotes to the biller: derived from our attempt id, so it never changes.

    Not the provider's PaymentIntent id: that one is long, names the provider and does not exist for every
    attempt; this one is short and readable aloud, and support finds the attempt by it.
    """
    return f"BP-{attempt_id:06d}"


@dataclass(frozen=True)
class PaidWith:
    """The method a payment used: its kind (card, sepa_debit, ideal) and, when known, brand and last four."""

    kind: str
    brand: str | None = None
    last4: str | None = None

    @property
    def brand_name(self) -> str:
        raw = (self.brand or "").lower()
        return _BRAND_NAMES.get(raw, raw.replace("_", " ").title())

    @property
    def label_key(self) -> str:
        """Which wording fits: "card" ({brand} ending {last4}), "sepa_debit" (... ending {last4}), "ideal",
        or "<kind>_unknown" when the digits are not known (a link payment by SEPA before its mandate is read)."""
        if self.kind == "ideal":
            return "ideal"
        kind = "sepa_debit" if self.kind == "sepa_debit" else "card"
        return kind if self.last4 and (kind == "sepa_debit" or self.brand) else f"{kind}_unknown"


@dataclass(frozen=True)
class Receipt:
    """What the paid page and the receipt email show about one payment attempt."""

    reference: str
    paid_with: PaidWith
    paid_at: datetime | None  # when the money reached the invoice; None while it has not
    invoice_id: int
    invoice_number: str
