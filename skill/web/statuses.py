"""The HTTP status of each domain refusal, by its code: one table for the pay page and the biller API.

A code that is not listed gets the caller's default: the biller API answers 422 (the request was understood and
refused, with the fields named), the pay page 400 (its script sent something the page never would).
"""

from __future__ import annotations

STATUS_OF: dict[str, int] = {
    "unauthenticated": 401,
    "not_found": 404,
    "conflict": 409,
    "illegal_transition": 409,
    "idempotency_key_in_use": 409,
    "duplicate_invoice_number": 409,
    "payment_in_progress": 409,
    "link_not_payable": 410,
    "invalid_amount": 422,
    "partial_payment_not_allowed": 422,
    "rate_limited": 429,
}


def status_of(code: str, default: int) -> int:
    """The status for a domain error code, or `default` when the table does not list it."""
    return STATUS_OF.get(code, default)
