"""The voice read path in plain SQL: access token -> customer, and a customer's billers and open bills."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ...domain.model import OUTSTANDING, BillType, InvoiceStatus
from .connection import ReadConnections

# Statuses as stored (VARCHAR + CHECK, models._enum), in a fixed order so the statement's text never changes.
_OPEN = tuple(sorted(s.value for s in OUTSTANDING))


@dataclass(frozen=True)
class TokenHolder:
    """An access token's row and its customer's, as the identity service needs them to decide."""

    token_id: int
    kind: str
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    customer_id: int
    name: str
    locale: str
    email: str | None
    mobile: str | None
    has_voice_pin: bool
    voice_pin_locked: bool
    always_ask_pin: bool
    require_recognized_speaker: bool


@dataclass(frozen=True)
class BillerRecord:
    """What a customer may call a biller (slug, name, spoken name, aliases): voice matching reads these."""

    id: int
    slug: str
    name: str
    spoken_name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class PayableBiller(BillerRecord):
    """A bill's biller, with the terms it sets for paying its bills."""

    partial_allowed: bool
    partial_min_minor: int
    pin_threshold_minor: int


@dataclass(frozen=True)
class OpenInvoice:
    """An open or part-paid invoice's columns (the services make their BillView of it)."""

    id: int
    biller: PayableBiller
    number: str
    description: str
    bill_type: BillType
    issue_date: date
    due_date: date
    currency: str
    amount_due_minor: int
    amount_paid_minor: int
    refund_due_minor: int
    status: InvoiceStatus
    line_items: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class CustomerBills:
    """A customer's billers (one per account, by biller id) and open invoices (by due date, id)."""

    billers: tuple[BillerRecord, ...]
    invoices: tuple[OpenInvoice, ...]


_HOLDER_BY_HASH = """
SELECT t.id, t.kind, t.expires_at, t.revoked_at, t.last_used_at,
       c.id, c.name, c.locale, c.email, c.mobile, c.voice_pin_hash IS NOT NULL, c.voice_pin_locked_at IS NOT NULL,
       c.always_ask_pin, c.require_recognized_speaker
FROM linked_account_tokens t JOIN customers c ON c.id = t.customer_id
WHERE t.token_hash = ?
"""


def token_holder(db: ReadConnections, token_hash: str) -> TokenHolder | None:
    """The token (unique by hash) and its customer, in one statement."""
    rows = db.query(_HOLDER_BY_HASH, (token_hash,))
    if not rows:
        return None
    r = rows[0]
    return TokenHolder(
        token_id=r[0],
        kind=r[1],
        expires_at=_datetime(r[2]),
        revoked_at=_datetime_or_none(r[3]),
        last_used_at=_datetime_or_none(r[4]),
        customer_id=r[5],
        name=r[6],
        locale=r[7],
        email=r[8],
        mobile=r[9],
        has_voice_pin=bool(r[10]),
        voice_pin_locked=bool(r[11]),
        always_ask_pin=bool(r[12]),
        require_recognized_speaker=bool(r[13]),
    )


def touch_token(db: ReadConnections, token_id: int, now: datetime, *, unless_since: datetime) -> None:
    """Record the token's use (shown on the account page) unless it was recorded since `unless_since`.

    A bookkeeping write of one column, at most every few minutes per token, in its own autocommit statement: it
    takes no unit of work (that would import the ORM on a launch), and the condition keeps two turns from
    writing it twice.
    """
    db.execute(
        "UPDATE linked_account_tokens SET last_used_at = ? "
        "WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
        (_stored(db, now), token_id, _stored(db, unless_since)),
    )


# LEFT JOIN: an account without open bills still names its biller (the launch's voice vocabulary). Bills are
# reached through the customer's own accounts only: another customer's record at the same biller is never read.
# A bill is shown with its own biller (invoices.biller_id), as the ORM's Invoice.biller is.
_BILLER = "{0}.id, {0}.slug, {0}.name, {0}.spoken_name, {0}.aliases"
_CUSTOMER_BILLS = f"""
SELECT a.id, {_BILLER.format("b")}, {_BILLER.format("ib")},
       ib.partial_allowed, ib.partial_min_minor, ib.pin_threshold_minor,
       i.id, i.number, i.description, i.bill_type, i.issue_date, i.due_date, i.currency,
       i.amount_due_minor, i.amount_paid_minor, i.refund_due_minor, i.status, i.line_items
FROM customer_accounts a
JOIN billers b ON b.id = a.biller_id
LEFT JOIN invoices i ON i.account_id = a.id AND i.status IN ({", ".join("?" for _ in _OPEN)})
LEFT JOIN billers ib ON ib.id = i.biller_id
WHERE a.customer_id = ?
ORDER BY a.biller_id, a.id, i.due_date, i.id
"""  # noqa: S608 - composed of this module's constants only
_ACCOUNT, _ACCOUNT_BILLER, _BILL_BILLER, _TERMS, _INVOICE = 0, 1, 6, 11, 14


def customer_bills(db: ReadConnections, customer_id: int) -> CustomerBills:
    """The customer's billers and open invoices in one statement."""
    billers: list[BillerRecord] = []
    invoices: list[OpenInvoice] = []
    seen_accounts: set[int] = set()
    payable: dict[int, PayableBiller] = {}
    for r in db.query(_CUSTOMER_BILLS, (*_OPEN, customer_id)):
        if r[_ACCOUNT] not in seen_accounts:
            seen_accounts.add(r[_ACCOUNT])
            b = r[_ACCOUNT_BILLER : _ACCOUNT_BILLER + 5]
            billers.append(BillerRecord(b[0], b[1], b[2], b[3], tuple(_json(b[4]) or ())))
        if r[_INVOICE] is not None:
            invoices.append(_invoice(r[_INVOICE:], _payable(payable, r)))
    invoices.sort(key=lambda invoice: (invoice.due_date, invoice.id))
    return CustomerBills(billers=tuple(billers), invoices=tuple(invoices))


def _payable(known: dict[int, PayableBiller], r: Sequence[Any]) -> PayableBiller:
    b, terms = r[_BILL_BILLER : _BILL_BILLER + 5], r[_TERMS:_INVOICE]
    biller = known.get(b[0])
    if biller is None:
        aliases = tuple(_json(b[4]) or ())
        biller = known[b[0]] = PayableBiller(
            b[0], b[1], b[2], b[3], aliases, bool(terms[0]), int(terms[1]), int(terms[2])
        )
    return biller


def _invoice(r: Sequence[Any], biller: PayableBiller) -> OpenInvoice:
    return OpenInvoice(
        id=r[0],
        biller=biller,
        number=r[1],
        description=r[2],
        bill_type=BillType(r[3]),
        issue_date=_date(r[4]),
        due_date=_date(r[5]),
        currency=r[6],
        amount_due_minor=int(r[7]),
        amount_paid_minor=int(r[8]),
        refund_due_minor=int(r[9]),
        status=InvoiceStatus(r[10]),
        line_items=tuple(_json(r[11]) or ()),
    )


# SQLite keeps what SQLAlchemy wrote there: ISO dates, naive UTC timestamps as text, JSON as text.
# psycopg hands back date, aware datetime and parsed JSON already.
def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _datetime(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _datetime_or_none(value: Any) -> datetime | None:
    return None if value is None else _datetime(value)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _stored(db: ReadConnections, moment: datetime) -> Any:
    """A timestamp as SQLAlchemy's UTCDateTime stores it: naive UTC text on SQLite, aware on PostgreSQL."""
    utc = moment.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") if db.is_sqlite else utc
