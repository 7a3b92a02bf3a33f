"""What the payment-link page and the wallet page show: read models over links, bills and stored methods."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from ...domain.branding import Brand
from ...domain.clock import Clock
from ...domain.errors import NotFound
from ...domain.model import PAYABLE, InvoiceStatus, is_overdue
from ...storage.uow import UnitOfWork
from ..payments.mandates import MethodView, stored_methods
from .payment_links import mark_link_opened, resolve_link

PageState = Literal["payable", "paid", "expired", "void", "disputed"]


@dataclass(frozen=True)
class BillStatus:
    """The store's status of a link's bill: the same truth the skill and the biller API read."""

    invoice_status: InvoiceStatus
    amount_due_minor: int
    amount_paid_minor: int
    currency: str

    @property
    def remaining_minor(self) -> int:
        return max(0, self.amount_due_minor - self.amount_paid_minor)


@dataclass(frozen=True)
class PayPage:
    state: PageState
    link_id: int
    customer_id: int
    customer_locale: str
    biller: str
    brand: Brand  # the biller's name, logo and colour for the page's header and buttons
    biller_country: str  # ISO 3166: with the currency, which payment methods the page offers
    number: str
    description: str
    due_date: date
    overdue: bool
    status: BillStatus
    link_amount_minor: int  # what the link asks for (the remaining amount, or a partial amount)
    partial_allowed: bool
    partial_min_minor: int

    @property
    def suggested_minor(self) -> int:
        return min(self.link_amount_minor, self.status.remaining_minor)


def open_pay_page(uow_factory: Callable[[], UnitOfWork], clock: Clock, *, token: str) -> PayPage:
    """The page for a link's raw token. Stamps `opened` (once) when the bill can still be paid.

    Raises NotFound for an unknown token. Never talks to the payment provider.
    """
    page = _page(uow_factory, clock, token)
    if page.state == "payable":
        mark_link_opened(uow_factory(), page.link_id, clock)
    return page


def bill_status(uow_factory: Callable[[], UnitOfWork], clock: Clock, *, token: str) -> BillStatus:
    """The bill's status for the page's live poll (database only, cheap)."""
    return _page(uow_factory, clock, token).status


@dataclass(frozen=True)
class LinkHolder:
    customer_id: int
    biller_id: int  # whose link it was: the wallet opened from it wears that biller's brand


def link_customer(uow_factory: Callable[[], UnitOfWork], clock: Clock, *, token: str) -> int:
    """The customer a link belongs to, if the link is still valid (for opening the wallet from the page)."""
    return link_holder(uow_factory, clock, token=token).customer_id


def link_holder(uow_factory: Callable[[], UnitOfWork], clock: Clock, *, token: str) -> LinkHolder:
    """The customer and biller of a still valid link (the wallet opened from the page wears the biller's brand)."""
    state = resolve_link(uow_factory(), token, clock)
    if state.expired:
        raise NotFound("unknown payment link")
    with uow_factory() as uow:
        invoice = uow.invoices.get(state.invoice_id)
        assert invoice is not None
        return LinkHolder(state.customer_id, invoice.biller_id)


def _page(uow_factory: Callable[[], UnitOfWork], clock: Clock, token: str) -> PayPage:
    state = resolve_link(uow_factory(), token, clock)
    with uow_factory() as uow:
        invoice = uow.invoices.get(state.invoice_id)
        assert invoice is not None
        customer = invoice.account.customer
        status = InvoiceStatus(invoice.status)
        return PayPage(
            state=_state(status, state.expired),
            link_id=state.link_id,
            customer_id=customer.id,
            customer_locale=customer.locale,
            biller=invoice.biller.name,
            brand=invoice.biller.brand(),
            biller_country=invoice.biller.country,
            number=invoice.number,
            description=invoice.description,
            due_date=invoice.due_date,
            overdue=is_overdue(status, invoice.due_date, clock.today()),
            status=BillStatus(status, invoice.amount_due_minor, invoice.amount_paid_minor, invoice.currency),
            link_amount_minor=state.amount_minor,
            partial_allowed=invoice.biller.partial_allowed,
            partial_min_minor=invoice.biller.partial_min_minor,
        )


def _state(status: InvoiceStatus, expired: bool) -> PageState:
    if status is InvoiceStatus.PAID:
        return "paid"
    if status is InvoiceStatus.VOID:
        return "void"
    if status not in PAYABLE:
        return "disputed"
    return "expired" if expired else "payable"


@dataclass(frozen=True)
class WalletView:
    customer_name: str
    locale: str
    methods: list[MethodView]
    brand: Brand | None = None  # when opened from one biller's payment link


def wallet_view(
    uow_factory: Callable[[], UnitOfWork], *, customer_id: int, biller_id: int | None = None
) -> WalletView:
    """The signed-in customer's stored methods (default first) for the wallet page, in `biller_id`'s brand."""
    with uow_factory() as uow:
        customer = uow.customers.get(customer_id)
        if customer is None:
            raise NotFound("unknown customer", customer_id=customer_id)
        name, locale = customer.name, customer.locale
        biller = uow.billers.get(biller_id) if biller_id is not None else None
        brand = biller.brand() if biller is not None else None
    return WalletView(name, locale, stored_methods(uow_factory(), customer_id), brand)
