"""Domain errors: every refusal the store can give, each with a stable code."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses. Nothing has been written when this is raised."""

    code = "domain_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class UnknownCurrency(DomainError):
    code = "unknown_currency"


class InvalidAmount(DomainError):
    code = "invalid_amount"


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"


class NotFound(DomainError):
    code = "not_found"


class IllegalTransition(DomainError):
    code = "illegal_transition"


class PartialPaymentNotAllowed(DomainError):
    code = "partial_payment_not_allowed"


class InvalidInput(DomainError):
    code = "invalid_input"


class Conflict(DomainError):
    code = "conflict"
