"""Reading bills: outstanding lists, finding one bill by what a customer says, details, timeline."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from ...domain.clock import Clock
from ...domain.errors import DomainError, NotFound
from ...domain.model import OUTSTANDING, BillType
from ...storage import models as m
from ...storage.uow import UnitOfWork
from .results import BillDetails, BillView, Outstanding, TimelineEntry


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


def biller_matches(biller: m.Biller, spoken: str) -> bool:
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
    with uow:
        rows = uow.invoices.outstanding_for_customer(customer_id)
        bills = [BillView.of(row, today) for row in rows if _keep(row, bill_type, biller)]
    if overdue_only:
        bills = [b for b in bills if b.overdue]
    if due_within_days is not None:
        # Due soon is still to come: an overdue bill was due, it is not due this week.
        horizon = today + timedelta(days=due_within_days)
        bills = [b for b in bills if not b.overdue and b.due_date <= horizon]
    totals: dict[str, int] = {}
    for bill in bills:
        totals[bill.currency] = totals.get(bill.currency, 0) + bill.remaining_minor
    return Outstanding(bills=tuple(bills), totals=totals)


def _keep(row: m.Invoice, bill_type: BillType | None, biller: str | None) -> bool:
    if bill_type is not None and row.bill_type != bill_type:
        return False
    return biller is None or biller_matches(row.biller, biller)


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
        names = []
        for account in sorted(customer.accounts, key=lambda a: a.biller_id):
            biller = account.biller
            synonyms = {biller.name, *(biller.aliases or [])} - {biller.spoken_name}
            names.append(BillerName(biller.slug, biller.spoken_name, tuple(sorted(synonyms))))
        return names
