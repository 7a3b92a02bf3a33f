"""Invoice, payment and link vocabularies and the rules that move an invoice between states."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date

from .errors import IllegalTransition, InvalidAmount, PartialPaymentNotAllowed
from .money import require_minor_units


class BillType(enum.StrEnum):
    """Modelled on SiriKit's INBillType."""

    ELECTRICITY = "electricity"
    GAS = "gas"
    WATER = "water"
    PHONE = "phone"
    INTERNET = "internet"
    CABLE = "cable"
    INSURANCE = "insurance"
    CREDIT_CARD = "credit_card"
    LOAN = "loan"
    MORTGAGE = "mortgage"
    RENT = "rent"
    TAX = "tax"
    OTHER = "other"


class InvoiceStatus(enum.StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"
    DISPUTED = "disputed"


OUTSTANDING = frozenset({InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID})
PAYABLE = OUTSTANDING


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REQUIRES_ACTION = "requires_action"
    REFUNDED = "refunded"
    # The provider reported money that does not match the attempt (amount or currency): a person decides.
    NEEDS_REVIEW = "needs_review"


class Channel(enum.StrEnum):
    ALEXA = "alexa"
    LINK = "link"
    API = "api"
    SMS = "sms"
    EMAIL = "email"


class MethodKind(enum.StrEnum):
    CARD = "card"
    SEPA_DEBIT = "sepa_debit"


class MandateStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    INACTIVE = "inactive"
    REVOKED = "revoked"


class EventKind(enum.StrEnum):
    """Kinds of entries on an invoice's timeline."""

    CREATED = "created"
    SENT = "sent"
    REMINDED = "reminded"
    LINK_CREATED = "link_created"
    LINK_OPENED = "link_opened"
    PAYMENT_STARTED = "payment_started"
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_REVIEW = "payment_review"  # the provider's money did not match the attempt: a person decides
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    OVERPAID = "overpaid"
    REFUNDED = "refunded"
    VOIDED = "voided"
    DISPUTED = "disputed"
    MESSAGE = "message"
    PAYMENT_PLAN_REQUESTED = "payment_plan_requested"  # the customer asked to pay in instalments or later


@dataclass(frozen=True, slots=True)
class Settlement:
    """The outcome of applying one payment to an invoice."""

    amount_paid_minor: int
    status: InvoiceStatus
    overpaid_minor: int


def is_overdue(status: InvoiceStatus | str, due_date: date, today: date) -> bool:
    """Overdue is derived, never stored: unpaid and past its due date."""
    return InvoiceStatus(status) in OUTSTANDING and due_date < today


def status_for(amount_due_minor: int, amount_paid_minor: int) -> InvoiceStatus:
    if amount_paid_minor <= 0:
        return InvoiceStatus.OPEN
    if amount_paid_minor < amount_due_minor:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.PAID


def settle(
    *,
    status: InvoiceStatus | str,
    amount_due_minor: int,
    amount_paid_minor: int,
    payment_minor: int,
) -> Settlement:
    """Apply money the provider confirmed. It is never refused (it arrived); the excess is refund due."""
    require_minor_units(payment_minor)
    current = InvoiceStatus(status)
    if current in (InvoiceStatus.PAID, InvoiceStatus.VOID):
        # Two channels raced, or the bill was voided while a payment was in flight.
        return Settlement(amount_paid_minor, current, payment_minor)
    remaining = max(0, amount_due_minor - amount_paid_minor)
    applied = min(payment_minor, remaining)
    new_paid = amount_paid_minor + applied
    new_status = current if current is InvoiceStatus.DISPUTED else status_for(amount_due_minor, new_paid)
    return Settlement(new_paid, new_status, payment_minor - applied)


def check_can_record(status: InvoiceStatus | str) -> None:
    """A payment recorded by hand (biller API, CLI) needs an invoice that is still payable."""
    current = InvoiceStatus(status)
    if current not in PAYABLE:
        raise IllegalTransition(f"cannot record a payment on a {current} invoice", status=str(current))


def check_payable_amount(
    *,
    status: InvoiceStatus | str,
    amount_due_minor: int,
    amount_paid_minor: int,
    requested_minor: int,
    partial_allowed: bool,
    partial_min_minor: int,
) -> int:
    """Validate an amount the customer wants to pay now, before any charge is attempted."""
    require_minor_units(requested_minor)
    current = InvoiceStatus(status)
    if current not in PAYABLE:
        raise IllegalTransition(f"a {current} invoice cannot be paid", status=str(current))
    remaining = amount_due_minor - amount_paid_minor
    if requested_minor > remaining:
        raise InvalidAmount(
            "amount is more than what is still due", requested=requested_minor, remaining=remaining
        )
    if requested_minor < remaining:
        if not partial_allowed:
            raise PartialPaymentNotAllowed("this biller does not accept partial payments")
        if requested_minor < partial_min_minor:
            raise PartialPaymentNotAllowed(
                "amount is below the biller's minimum partial payment", minimum=partial_min_minor
            )
    return requested_minor


@dataclass(frozen=True)
class PaymentTerms:
    """What may be paid on a bill now: its state and balance, and its biller's rule for partial payments."""

    status: InvoiceStatus
    amount_due_minor: int
    amount_paid_minor: int
    currency: str
    partial_allowed: bool
    partial_min_minor: int

    def check(self, requested_minor: int) -> int:
        """`requested_minor` if it may be paid now; raises as `check_payable_amount` does."""
        return check_payable_amount(
            status=self.status,
            amount_due_minor=self.amount_due_minor,
            amount_paid_minor=self.amount_paid_minor,
            requested_minor=requested_minor,
            partial_allowed=self.partial_allowed,
            partial_min_minor=self.partial_min_minor,
        )

    def reserving(self, in_flight_minor: int) -> PaymentTerms:
        """The terms as if payments still in flight had landed: what they may bring in counts as paid."""
        return replace(self, amount_paid_minor=self.amount_paid_minor + in_flight_minor)


def reverse(
    *, status: InvoiceStatus | str, amount_due_minor: int, amount_paid_minor: int, refund_minor: int
) -> Settlement:
    """Undo part of what was paid (a refund): the balance reopens."""
    require_minor_units(refund_minor)
    current = InvoiceStatus(status)
    if current in (InvoiceStatus.VOID,):
        raise IllegalTransition("cannot refund against a void invoice")
    new_paid = max(0, amount_paid_minor - refund_minor)
    new_status = current if current is InvoiceStatus.DISPUTED else status_for(amount_due_minor, new_paid)
    return Settlement(new_paid, new_status, 0)


def check_void(status: InvoiceStatus | str, amount_paid_minor: int) -> None:
    current = InvoiceStatus(status)
    if current in (InvoiceStatus.VOID, InvoiceStatus.PAID):
        raise IllegalTransition(f"a {current} invoice cannot be voided", status=str(current))
    if amount_paid_minor > 0:
        raise IllegalTransition("an invoice with payments cannot be voided; refund first")


def check_dispute(status: InvoiceStatus | str) -> None:
    if InvoiceStatus(status) in (InvoiceStatus.VOID, InvoiceStatus.DISPUTED):
        raise IllegalTransition(f"a {status} invoice cannot be disputed", status=str(status))


def check_payment_plan(status: InvoiceStatus | str) -> None:
    """Instalments or more time can be asked for on a bill that still has money to pay, and is not disputed."""
    if InvoiceStatus(status) not in PAYABLE:
        raise IllegalTransition(f"a {status} invoice has nothing to spread out", status=str(status))
