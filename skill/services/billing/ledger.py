"""Writing money: create invoices, apply payments and refunds, void. Every change is locked and atomic."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ...domain.clock import Clock
from ...domain.errors import CurrencyMismatch, DomainError, InvalidInput, NotFound
from ...domain.model import (
    BillType,
    Channel,
    EventKind,
    InvoiceStatus,
    PaymentStatus,
    check_can_record,
    check_void,
    reverse,
    settle,
)
from ...domain.money import normalize_currency, require_minor_units
from ...storage import models as m
from ...storage.errors import DuplicateKey
from ...storage.uow import UnitOfWork
from ..biller_api.events import emit_invoice_paid
from .results import SettlementResult


@dataclass(frozen=True, slots=True)  # slots: a batch holds 5,000 of them, each without a __dict__
class NewInvoice:
    biller_id: int
    account_id: int
    number: str
    bill_type: BillType
    issue_date: date
    due_date: date
    amount_due_minor: int
    currency: str
    description: str = ""
    line_items: tuple[dict[str, Any], ...] = ()


class DuplicateInvoiceNumber(InvalidInput):
    """The biller already has an invoice with this number (a conflict with stored state, not a typo)."""

    code = "duplicate_invoice_number"


class InvalidBatch(DomainError):
    """Some invoices of a batch are invalid, so none was written. `errors` maps an item's index to its errors."""

    code = "invalid_batch"

    def __init__(self, errors: dict[int, list[DomainError]]) -> None:
        super().__init__(f"{len(errors)} invoice(s) in the batch are invalid", count=len(errors))
        self.errors = errors


def create_invoice(uow: UnitOfWork, new: NewInvoice, clock: Clock) -> int:
    """Validate and store a new invoice with its `created` timeline entry."""
    try:
        return create_invoices(uow, new.biller_id, [new], clock)[0]
    except InvalidBatch as batch:
        raise batch.errors[0][0] from None


def create_invoices(uow: UnitOfWork, biller_id: int, news: Sequence[NewInvoice], clock: Clock) -> list[int]:
    """Validate every invoice first, then store them all in one transaction (each with its `created` entry).

    If any is invalid nothing is written and InvalidBatch lists every error of every item.
    """
    with uow:
        ids = create_invoices_in(uow, biller_id, news, clock)
        uow.commit()
        return ids


def create_invoices_in(
    uow: UnitOfWork,
    biller_id: int,
    news: Sequence[NewInvoice],
    clock: Clock,
    *,
    own_accounts: Collection[int] | None = None,
) -> list[int]:
    """create_invoices inside the caller's open unit of work (the caller commits); the new ids in batch order.

    `own_accounts`: the biller's own account ids, when the caller has just read them in this unit of work
    (the biller API, which resolves account numbers among the biller's records); else they are read here.

    Set-based: the checks run over the whole batch (two queries), then the invoices and their timeline entries
    are written at once each (storage/bulk.py: COPY on PostgreSQL, a multi-row INSERT on SQLite), not as 10,000
    ORM objects.
    """
    errors = _batch_errors(uow, biller_id, news, own_accounts)
    if errors:
        raise InvalidBatch(errors)
    now = clock.now()
    try:
        ids = uow.biller_invoices.insert_invoices(biller_id, [_invoice_values(new, now) for new in news])
    except DuplicateKey as exc:
        if not exc.on("invoices", "biller_id", "number"):
            raise
        # A concurrent request took one of these numbers after our check: the same answer as if first.
        raise DuplicateInvoiceNumber("an invoice with this number exists", field="number") from None
    uow.biller_invoices.insert_events(
        [
            {
                "invoice_id": invoice_id,
                "kind": EventKind.CREATED,
                "at": now,
                "channel": None,
                "data": {"amount_minor": new.amount_due_minor},
            }
            for invoice_id, new in zip(ids, news, strict=True)
        ]
    )
    return ids


def _batch_errors(
    uow: UnitOfWork, biller_id: int, news: Sequence[NewInvoice], own_accounts: Collection[int] | None
) -> dict[int, list[DomainError]]:
    """Every item's errors, by index: its own fields first, then what the store says (account, number)."""
    errors: dict[int, list[DomainError]] = {}
    for index, new in enumerate(news):
        try:
            _check_new_invoice(new, biller_id)
        except DomainError as exc:
            errors.setdefault(index, []).append(exc)
    # Only this biller's records count: another biller's account id is reported exactly like a missing one.
    owned = own_accounts
    if owned is None:
        owned = uow.biller_invoices.owned_account_ids(biller_id, {n.account_id for n in news})
    taken = uow.biller_invoices.existing_numbers(biller_id, {n.number.strip() for n in news})
    seen: set[str] = set()
    for index, new in enumerate(news):
        number = new.number.strip()
        if new.account_id not in owned:
            errors.setdefault(index, []).append(
                NotFound(
                    "unknown customer account for this biller", field="account_id", account_id=new.account_id
                )
            )
        if number in taken:
            errors.setdefault(index, []).append(
                DuplicateInvoiceNumber("an invoice with this number exists", field="number", number=number)
            )
        elif number in seen:
            errors.setdefault(index, []).append(
                InvalidInput("this number is used twice in the batch", field="number", number=number)
            )
        seen.add(number)
    return errors


def _check_new_invoice(new: NewInvoice, biller_id: int) -> None:
    require_minor_units(new.amount_due_minor)
    normalize_currency(new.currency)
    if new.biller_id != biller_id:
        raise InvalidInput("every invoice of a batch must be for the same biller", field="biller_id")
    if new.due_date < new.issue_date:
        raise InvalidInput("due date is before issue date", field="due_date")
    if not new.number.strip():
        raise InvalidInput("invoice number is required", field="number")
    for item in new.line_items:
        require_minor_units(item.get("amount_minor"), positive=False)


def _invoice_values(new: NewInvoice, now: datetime) -> dict[str, Any]:
    """The invoices row of a valid new invoice (open, nothing paid yet)."""
    return {
        "biller_id": new.biller_id,
        "account_id": new.account_id,
        "number": new.number.strip(),
        "description": new.description,
        "bill_type": BillType(new.bill_type),
        "issue_date": new.issue_date,
        "due_date": new.due_date,
        "currency": normalize_currency(new.currency),
        "amount_due_minor": new.amount_due_minor,
        "amount_paid_minor": 0,
        "refund_due_minor": 0,
        "status": InvoiceStatus.OPEN,
        "line_items": new.line_items,  # a tuple of dicts: stored as the JSON array it serializes to
        "created_at": now,
        "updated_at": now,
    }


def record_payment(
    uow: UnitOfWork,
    invoice_id: int,
    amount_minor: int,
    currency: str,
    *,
    idempotency_key: str,
    clock: Clock,
    channel: Channel = Channel.API,
    method: str = "manual",
) -> SettlementResult:
    """A payment received outside our provider (bank transfer, counter). Idempotent by key."""
    require_minor_units(amount_minor)
    currency = normalize_currency(currency)
    if not idempotency_key:
        raise InvalidInput("idempotency key is required", field="idempotency_key")
    with uow:
        # Look the key up only under the invoice lock: concurrent replays of one key queue on the lock and
        # the later ones see the first one's attempt, instead of all inserting it (a unique violation).
        invoice = _lock_invoice(uow, invoice_id)
        existing = uow.attempts.by_key(idempotency_key)
        if existing is not None:
            if (existing.invoice_id, existing.amount_minor, existing.currency) != (
                invoice_id,
                amount_minor,
                currency,
            ):
                raise InvalidInput("idempotency key reused for a different payment", field="idempotency_key")
            return SettlementResult(
                invoice_id, existing.id, invoice.status, invoice.amount_paid_minor, 0, False
            )
        _same_currency(invoice, currency)
        check_can_record(invoice.status)
        now = clock.now()
        attempt = m.PaymentAttempt(
            invoice_id=invoice.id,
            amount_minor=amount_minor,
            currency=currency,
            channel=channel,
            method=method,
            status=PaymentStatus.PENDING,
            idempotency_key=idempotency_key,
            created_at=now,
            updated_at=now,
        )
        uow.attempts.add(attempt)
        uow.flush()
        result = _apply(uow, invoice, attempt, clock)
        uow.commit()
        return result


def settle_attempt(uow: UnitOfWork, attempt_id: int, clock: Clock) -> SettlementResult:
    """The provider confirmed an attempt's money: apply it once, whatever the order or number of calls."""
    with uow:
        result = settle_attempt_in(uow, attempt_id, clock)
        uow.commit()
        return result


def settle_attempt_in(uow: UnitOfWork, attempt_id: int, clock: Clock) -> SettlementResult:
    """settle_attempt inside the caller's open unit of work (the caller commits, e.g. with a receipt)."""
    unlocked = uow.attempts.get(attempt_id)
    if unlocked is None:
        raise NotFound("unknown payment attempt", attempt_id=attempt_id)
    invoice = _lock_invoice(uow, unlocked.invoice_id)  # lock order: invoice, then attempt
    attempt = uow.attempts.get_for_update(attempt_id)
    assert attempt is not None
    if attempt.applied_at is not None:
        return SettlementResult(invoice.id, attempt.id, invoice.status, invoice.amount_paid_minor, 0, False)
    return _apply(uow, invoice, attempt, clock)


def _apply(uow: UnitOfWork, invoice: m.Invoice, attempt: m.PaymentAttempt, clock: Clock) -> SettlementResult:
    before = InvoiceStatus(invoice.status)
    outcome = settle(
        status=invoice.status,
        amount_due_minor=invoice.amount_due_minor,
        amount_paid_minor=invoice.amount_paid_minor,
        payment_minor=attempt.amount_minor,
    )
    now = clock.now()
    invoice.amount_paid_minor = outcome.amount_paid_minor
    invoice.status = outcome.status
    invoice.refund_due_minor += outcome.overpaid_minor
    invoice.updated_at = now
    attempt.status = PaymentStatus.SUCCEEDED
    attempt.applied_at = now
    attempt.updated_at = now
    data = {"attempt_id": attempt.id, "amount_minor": attempt.amount_minor, "method": attempt.method}
    if outcome.status is InvoiceStatus.PAID and before is not InvoiceStatus.PAID:
        uow.events.record(invoice.id, EventKind.PAID, now, channel=attempt.channel, data=data)
        emit_invoice_paid(uow, invoice, now)
    elif outcome.overpaid_minor < attempt.amount_minor:
        uow.events.record(invoice.id, EventKind.PARTIALLY_PAID, now, channel=attempt.channel, data=data)
    if outcome.overpaid_minor:
        uow.events.record(
            invoice.id,
            EventKind.OVERPAID,
            now,
            channel=attempt.channel,
            data={**data, "refund_due_minor": outcome.overpaid_minor},
        )
    uow.flush()
    return SettlementResult(
        invoice.id, attempt.id, outcome.status, outcome.amount_paid_minor, outcome.overpaid_minor, True
    )


def apply_refund(
    uow: UnitOfWork, attempt_id: int, refunded_total_minor: int, clock: Clock, *, reason: str = ""
) -> int:
    """The provider says `refunded_total_minor` of an attempt is refunded in all. Returns the new part."""
    with uow:
        new_part = apply_refund_in(uow, attempt_id, refunded_total_minor, clock, reason=reason)
        uow.commit()
        return new_part


def apply_refund_in(
    uow: UnitOfWork, attempt_id: int, refunded_total_minor: int, clock: Clock, *, reason: str = ""
) -> int:
    """apply_refund inside the caller's open unit of work (the caller commits)."""
    require_minor_units(refunded_total_minor)
    unlocked = uow.attempts.get(attempt_id)
    if unlocked is None:
        raise NotFound("unknown payment attempt", attempt_id=attempt_id)
    invoice = _lock_invoice(uow, unlocked.invoice_id)
    attempt = uow.attempts.get_for_update(attempt_id)
    assert attempt is not None
    new_part = min(refunded_total_minor, attempt.amount_minor) - attempt.refunded_minor
    if new_part <= 0 or attempt.applied_at is None:
        return 0
    # A refund first consumes any overpayment we owed back; only the rest reopens the balance.
    from_excess = min(new_part, invoice.refund_due_minor)
    invoice.refund_due_minor -= from_excess
    if new_part > from_excess:
        outcome = reverse(
            status=invoice.status,
            amount_due_minor=invoice.amount_due_minor,
            amount_paid_minor=invoice.amount_paid_minor,
            refund_minor=new_part - from_excess,
        )
        invoice.amount_paid_minor = outcome.amount_paid_minor
        invoice.status = outcome.status
    now = clock.now()
    attempt.refunded_minor += new_part
    if attempt.refunded_minor >= attempt.amount_minor:
        attempt.status = PaymentStatus.REFUNDED
    attempt.updated_at = invoice.updated_at = now
    uow.events.record(
        invoice.id,
        EventKind.REFUNDED,
        now,
        channel=attempt.channel,
        data={"attempt_id": attempt.id, "amount_minor": new_part, "reason": reason},
    )
    uow.flush()
    return new_part


def void_bill(uow: UnitOfWork, invoice_id: int, clock: Clock, *, reason: str = "") -> None:
    with uow:
        invoice = _lock_invoice(uow, invoice_id)
        check_void(invoice.status, invoice.amount_paid_minor)
        now = clock.now()
        invoice.status = InvoiceStatus.VOID
        invoice.updated_at = now
        uow.events.record(invoice.id, EventKind.VOIDED, now, data={"reason": reason})
        uow.commit()


def _lock_invoice(uow: UnitOfWork, invoice_id: int) -> m.Invoice:
    invoice = uow.invoices.get_for_update(invoice_id)
    if invoice is None:
        raise NotFound("unknown invoice", invoice_id=invoice_id)
    return invoice


def _same_currency(invoice: m.Invoice, currency: str) -> None:
    if invoice.currency != currency:
        raise CurrencyMismatch(
            f"invoice is in {invoice.currency}, not {currency}", expected=invoice.currency, got=currency
        )
