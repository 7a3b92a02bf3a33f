"""Reading bills: outstanding lists, finding one bill by what a customer says, details, timeline."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from ...domain.clock import Clock
from ...domain.errors import DomainError, NotFound
from ...domain.model import OUTSTANDING, BillType, PaymentTerms, is_overdue
from .results import BillDetails, BillView, Outstanding, TimelineEntry

if TYPE_CHECKING:  # the voice path's reads run on the read model, without the ORM (storage/read_models)
    from ...storage import models as m
    from ...storage.read_models.connection import ReadConnections
    from ...storage.read_models.voice import OpenInvoice
    from ...storage.uow import UnitOfWork


class NamedBiller(Protocol):
    """What voice matching reads of a biller: an ORM row or the read model's record."""

    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def spoken_name(self) -> str: ...
    @property
    def aliases(self) -> Sequence[Any] | None: ...


class AmbiguousBill(DomainError):
    """Several bills match; the caller should ask which one."""

    code = "ambiguous_bill"

    def __init__(self, candidates: Sequence[BillView]) -> None:
        super().__init__(f"{len(candidates)} bills match", count=len(candidates))
        self.candidates = tuple(candidates)


def normalize_name(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used for voice matching of biller names."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def biller_matches(biller: NamedBiller, spoken: str) -> bool:
    """Does what the customer said name this biller? Slug (from entity resolution), name or alias,
    either way round as whole words: "northwind" names "Northwind Energy", "the power company" names
    the alias "power company"."""
    wanted = normalize_name(spoken)
    if len(wanted) < 3:
        return False
    if wanted == normalize_name(biller.slug):
        return True
    names = {normalize_name(n) for n in (biller.name, biller.spoken_name, *(biller.aliases or []))}
    return any(n and (wanted == n or _contains_words(n, wanted) or _contains_words(wanted, n)) for n in names)


def _contains_words(haystack: str, needle: str) -> bool:
    return re.search(rf"(?:^| ){re.escape(needle)}(?: |$)", haystack) is not None


def list_outstanding(
    uow: UnitOfWork,
    customer_id: int,
    clock: Clock,
    *,
    bill_type: BillType | None = None,
    biller: str | None = None,
    overdue_only: bool = False,
    due_within_days: int | None = None,
) -> Outstanding:
    """Open and partially paid bills, by due date, each flagged overdue, with totals per currency."""
    today = clock.today()
    with uow:  # the billers' names are matched while their rows are still in the session
        rows = uow.invoices.outstanding_for_customer(customer_id)
        return outstanding_of(
            [(BillView.of(row, today), row.biller) for row in rows],
            today,
            bill_type=bill_type,
            biller=biller,
            overdue_only=overdue_only,
            due_within_days=due_within_days,
        )


def outstanding_of(
    bills: Iterable[tuple[BillView, NamedBiller]],
    today: date,
    *,
    bill_type: BillType | None = None,
    biller: str | None = None,
    overdue_only: bool = False,
    due_within_days: int | None = None,
) -> Outstanding:
    """The listing's filters and totals over open bills (by due date) and their billers, however they were read."""
    kept = [
        view
        for view, named in bills
        if (bill_type is None or view.bill_type == bill_type)
        and (biller is None or biller_matches(named, biller))
    ]
    if overdue_only:
        kept = [b for b in kept if b.overdue]
    if due_within_days is not None:
        # Due soon is still to come: an overdue bill was due, it is not due this week.
        horizon = today + timedelta(days=due_within_days)
        kept = [b for b in kept if not b.overdue and b.due_date <= horizon]
    totals: dict[str, int] = {}
    for bill in kept:
        totals[bill.currency] = totals.get(bill.currency, 0) + bill.remaining_minor
    return Outstanding(bills=tuple(kept), totals=totals)


def list_outstanding_read(db: ReadConnections, customer_id: int, clock: Clock, **filters: Any) -> Outstanding:
    """`list_outstanding` on the voice read model: one statement."""
    from ...storage.read_models import voice

    today = clock.today()
    read = voice.customer_bills(db, customer_id)
    return outstanding_of([(_view(i, today), i.biller) for i in read.invoices], today, **filters)


def overview(uow_factory: Callable[[], UnitOfWork], customer_id: int, clock: Clock) -> Overview:
    """What a launch says: every open bill and the customer's billers (for the voice vocabulary)."""
    return Overview(
        list_outstanding(uow_factory(), customer_id, clock), customer_billers(uow_factory(), customer_id)
    )


def overview_read(db: ReadConnections, customer_id: int, clock: Clock) -> Overview:
    """`overview` on the voice read model: one statement for both."""
    from ...storage.read_models import voice

    today = clock.today()
    read = voice.customer_bills(db, customer_id)
    bills = [(_view(i, today), i.biller) for i in read.invoices]
    return Overview(outstanding_of(bills, today), [_biller_name(b) for b in read.billers])


def _view(invoice: OpenInvoice, today: date) -> BillView:
    """The read model's invoice as the bill view BillView.of makes of an ORM row, field for field."""
    biller = invoice.biller
    return BillView(
        id=invoice.id,
        biller_id=biller.id,
        biller_name=biller.name,
        biller_spoken_name=biller.spoken_name,
        number=invoice.number,
        description=invoice.description,
        bill_type=invoice.bill_type,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        amount_due_minor=invoice.amount_due_minor,
        amount_paid_minor=invoice.amount_paid_minor,
        refund_due_minor=invoice.refund_due_minor,
        status=invoice.status,
        overdue=is_overdue(invoice.status, invoice.due_date, today),
        partial_allowed=biller.partial_allowed,
        partial_min_minor=biller.partial_min_minor,
        pin_threshold_minor=biller.pin_threshold_minor,
        terms=PaymentTerms(
            status=invoice.status,
            amount_due_minor=invoice.amount_due_minor,
            amount_paid_minor=invoice.amount_paid_minor,
            currency=invoice.currency,
            partial_allowed=biller.partial_allowed,
            partial_min_minor=biller.partial_min_minor,
        ),
        line_items=invoice.line_items,
    )


def find_bills(
    uow: UnitOfWork,
    customer_id: int,
    clock: Clock,
    *,
    biller: str | None = None,
    bill_type: BillType | None = None,
    number: str | None = None,
    position: int | None = None,
    last_read: Sequence[int] = (),
    include_settled: bool = False,
) -> list[BillView]:
    """Every bill that matches what the customer said, outstanding ones first by due date."""
    today = clock.today()
    with uow:
        rows = uow.invoices.for_customer(customer_id, None if include_settled else OUTSTANDING)
        views = {row.id: BillView.of(row, today) for row in rows}
        candidates: list[m.Invoice] = list(rows)
        if position is not None:
            return _by_position(views, position, last_read)
        tests: list[Callable[[m.Invoice], bool]] = []
        if number:
            tests.append(lambda r: normalize_name(r.number) == normalize_name(number))
        if bill_type is not None:
            tests.append(lambda r: r.bill_type == bill_type)
        if biller:
            tests.append(lambda r: biller_matches(r.biller, biller))
        return [views[r.id] for r in candidates if all(test(r) for test in tests)]


def _by_position(views: dict[int, BillView], position: int, last_read: Sequence[int]) -> list[BillView]:
    """Position is 1-based in the list the customer last heard (or the outstanding list by due date)."""
    # Index the list exactly as it was read: dropping a bill paid since would shift "the second one" onto
    # the third. A position whose bill is no longer a candidate (paid, void, not this customer's) is no match.
    order = list(last_read) if last_read else list(views)
    if 1 <= position <= len(order) and order[position - 1] in views:
        return [views[order[position - 1]]]
    return []


def find_bill(uow: UnitOfWork, customer_id: int, clock: Clock, **query: object) -> BillView:
    """Exactly one matching bill, or NotFound / AmbiguousBill."""
    matches = find_bills(uow, customer_id, clock, **query)  # type: ignore[arg-type]
    if not matches:
        raise NotFound("no bill matches", **{k: v for k, v in query.items() if v not in (None, ())})
    if len(matches) > 1:
        raise AmbiguousBill(matches)
    return matches[0]


def bill_details(uow: UnitOfWork, customer_id: int, invoice_id: int, clock: Clock) -> BillDetails:
    """A bill with what it is for, what is paid, and the change from the previous bill of its type and biller."""
    with uow:
        invoice = _owned_invoice(uow, customer_id, invoice_id)
        previous = uow.invoices.previous_of(invoice)
        return BillDetails(
            bill=BillView.of(invoice, clock.today()),
            previous_amount_minor=previous.amount_due_minor
            if previous and previous.currency == invoice.currency
            else None,
            previous_issue_date=previous.issue_date if previous else None,
        )


def bill_timeline(uow: UnitOfWork, invoice_id: int) -> list[TimelineEntry]:
    with uow:
        if uow.invoices.get(invoice_id) is None:
            raise NotFound("unknown invoice", invoice_id=invoice_id)
        return [
            TimelineEntry(kind=e.kind, at=e.at, channel=e.channel, data=dict(e.data))
            for e in uow.events.for_invoice(invoice_id)
        ]


def _owned_invoice(uow: UnitOfWork, customer_id: int, invoice_id: int) -> m.Invoice:
    invoice = uow.invoices.get(invoice_id)
    if invoice is None or invoice.account.customer_id != customer_id:
        # Another customer's bill is reported exactly like a missing one.
        raise NotFound("unknown invoice", invoice_id=invoice_id)
    return invoice


@dataclass(frozen=True)
class BillerName:
    """How a customer may name one of their billers by voice."""

    slug: str
    spoken_name: str
    synonyms: tuple[str, ...]


def customer_billers(uow: UnitOfWork, customer_id: int) -> list[BillerName]:
    """The billers this customer holds accounts with (for per-customer voice vocabulary)."""
    with uow:
        customer = uow.customers.get(customer_id)
        if customer is None:
            return []
        return [_biller_name(a.biller) for a in sorted(customer.accounts, key=lambda a: a.biller_id)]


def _biller_name(biller: NamedBiller) -> BillerName:
    synonyms = {biller.name, *(biller.aliases or [])} - {biller.spoken_name}
    return BillerName(biller.slug, biller.spoken_name, tuple(sorted(synonyms)))


@dataclass(frozen=True)
class Overview:
    """A launch's reads: the open bills and the billers the customer may name."""

    outstanding: Outstanding
    billers: list[BillerName]
