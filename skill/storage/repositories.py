"""Repositories: the only place queries are written. Services ask them for rows by meaning."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..domain.model import OUTSTANDING, InvoiceStatus, PaymentStatus
from . import models as m


class _Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)


class BillerRepository(_Repository):
    def get(self, biller_id: int) -> m.Biller | None:
        return self.session.get(m.Biller, biller_id)

    def by_slug(self, slug: str) -> m.Biller | None:
        return self.session.scalar(select(m.Biller).where(m.Biller.slug == slug))

    def by_name(self, name: str) -> m.Biller | None:
        return self.session.scalar(select(m.Biller).where(m.Biller.name == name))

    def all(self) -> Sequence[m.Biller]:
        return self.session.scalars(select(m.Biller).order_by(m.Biller.id)).all()

    def first_names(self, limit: int) -> Sequence[str]:
        return self.session.scalars(select(m.Biller.name).order_by(m.Biller.id).limit(limit)).all()


class CustomerRepository(_Repository):
    def get(self, customer_id: int) -> m.Customer | None:
        return self.session.get(m.Customer, customer_id)

    def get_for_update(self, customer_id: int) -> m.Customer | None:
        return self.session.scalar(select(m.Customer).where(m.Customer.id == customer_id).with_for_update())

    def by_stripe_id(self, stripe_customer_id: str) -> m.Customer | None:
        return self.session.scalar(
            select(m.Customer).where(m.Customer.stripe_customer_id == stripe_customer_id)
        )

    def by_email(self, email: str) -> m.Customer | None:
        """The person who proved this email address."""
        return self.session.scalar(select(m.Customer).where(m.Customer.email == email.strip().lower()))

    def by_mobile(self, mobile: str) -> m.Customer | None:
        """The person who proved this mobile number."""
        return self.session.scalar(select(m.Customer).where(m.Customer.mobile == mobile.strip()))

    def records_listing(self, channel: str, address: str, limit: int = 50) -> Sequence[m.CustomerAccount]:
        """Biller records whose biller supplied this email ("email") or mobile ("sms"), oldest first."""
        column = m.CustomerAccount.email if channel == "email" else m.CustomerAccount.mobile
        return self.session.scalars(
            select(m.CustomerAccount).where(column == address).order_by(m.CustomerAccount.id).limit(limit)
        ).all()

    def records_of(self, customer_id: int) -> Sequence[m.CustomerAccount]:
        return self.session.scalars(
            select(m.CustomerAccount)
            .where(m.CustomerAccount.customer_id == customer_id)
            .order_by(m.CustomerAccount.id)
        ).all()

    def account(self, customer_id: int, biller_id: int) -> m.CustomerAccount | None:
        """The person's first record at this biller (a person may hold several)."""
        return self.session.scalar(
            select(m.CustomerAccount)
            .where(m.CustomerAccount.customer_id == customer_id, m.CustomerAccount.biller_id == biller_id)
            .order_by(m.CustomerAccount.id)
            .limit(1)
        )

    def account_by_number(
        self, biller_id: int, account_number: str, *, for_update: bool = False
    ) -> m.CustomerAccount | None:
        query = select(m.CustomerAccount).where(
            m.CustomerAccount.biller_id == biller_id,
            m.CustomerAccount.account_number == account_number,
        )
        return self.session.scalar(query.with_for_update() if for_update else query)

    def accounts_by_number(self, account_number: str) -> Sequence[m.CustomerAccount]:
        """Records at any biller with this account number (signing in by what the person typed), at most 5."""
        return self.session.scalars(
            select(m.CustomerAccount).where(m.CustomerAccount.account_number == account_number).limit(5)
        ).all()


class InvoiceRepository(_Repository):
    def get(self, invoice_id: int) -> m.Invoice | None:
        return self.session.get(m.Invoice, invoice_id)

    def get_for_update(self, invoice_id: int) -> m.Invoice | None:
        """Row-locked read (SELECT ... FOR UPDATE on PostgreSQL; SQLite holds its write lock already)."""
        return self.session.scalar(
            select(m.Invoice)
            .where(m.Invoice.id == invoice_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    def by_number(self, biller_id: int, number: str) -> m.Invoice | None:
        return self.session.scalar(
            select(m.Invoice).where(m.Invoice.biller_id == biller_id, m.Invoice.number == number)
        )

    def for_customer(
        self, customer_id: int, statuses: Iterable[InvoiceStatus] | None = None
    ) -> Sequence[m.Invoice]:
        query = (
            select(m.Invoice)
            .join(m.CustomerAccount, m.Invoice.account_id == m.CustomerAccount.id)
            .where(m.CustomerAccount.customer_id == customer_id)
            .options(joinedload(m.Invoice.biller))
            .order_by(m.Invoice.due_date, m.Invoice.id)
        )
        if statuses is not None:
            query = query.where(m.Invoice.status.in_(list(statuses)))
        return self.session.scalars(query).all()

    def outstanding_for_customer(self, customer_id: int) -> Sequence[m.Invoice]:
        return self.for_customer(customer_id, OUTSTANDING)

    def previous_of(self, invoice: m.Invoice) -> m.Invoice | None:
        """The bill of the same type this account had from the same biller just before this one.

        One biller can send several kinds of bill on one account (electricity and gas): a gas bill is never
        the "previous bill" of an electricity bill.
        """
        return self.session.scalar(
            select(m.Invoice)
            .where(
                m.Invoice.account_id == invoice.account_id,
                m.Invoice.biller_id == invoice.biller_id,
                m.Invoice.bill_type == invoice.bill_type,
                m.Invoice.id != invoice.id,
                m.Invoice.issue_date < invoice.issue_date,
                m.Invoice.status != InvoiceStatus.VOID,
            )
            .order_by(m.Invoice.issue_date.desc(), m.Invoice.id.desc())
            .limit(1)
        )


class EventRepository(_Repository):
    def record(
        self,
        invoice_id: int,
        kind: str,
        at: datetime,
        *,
        channel: str | None = None,
        data: dict[str, object] | None = None,
    ) -> m.InvoiceEvent:
        event = m.InvoiceEvent(invoice_id=invoice_id, kind=kind, at=at, channel=channel, data=data or {})
        self.session.add(event)
        return event

    def for_invoice(self, invoice_id: int) -> Sequence[m.InvoiceEvent]:
        return self.session.scalars(
            select(m.InvoiceEvent)
            .where(m.InvoiceEvent.invoice_id == invoice_id)
            .order_by(m.InvoiceEvent.at, m.InvoiceEvent.id)
        ).all()

    def of_kinds(self, invoice_ids: Iterable[int], kinds: Iterable[str]) -> Sequence[m.InvoiceEvent]:
        """The entries of these kinds on these invoices, oldest first: one query for a customer's bills."""
        return self.session.scalars(
            select(m.InvoiceEvent)
            .where(m.InvoiceEvent.invoice_id.in_(list(invoice_ids)), m.InvoiceEvent.kind.in_(list(kinds)))
            .order_by(m.InvoiceEvent.at, m.InvoiceEvent.id)
        ).all()


class AttemptRepository(_Repository):
    def get(self, attempt_id: int) -> m.PaymentAttempt | None:
        return self.session.get(m.PaymentAttempt, attempt_id)

    def get_for_update(self, attempt_id: int) -> m.PaymentAttempt | None:
        return self.session.scalar(
            select(m.PaymentAttempt)
            .where(m.PaymentAttempt.id == attempt_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    def by_key(self, idempotency_key: str) -> m.PaymentAttempt | None:
        return self.session.scalar(
            select(m.PaymentAttempt).where(m.PaymentAttempt.idempotency_key == idempotency_key)
        )

    def by_reference(self, provider_reference: str) -> m.PaymentAttempt | None:
        return self.session.scalar(
            select(m.PaymentAttempt).where(m.PaymentAttempt.provider_reference == provider_reference)
        )

    def for_customer(self, customer_id: int, limit: int = 10) -> Sequence[m.PaymentAttempt]:
        return self.session.scalars(
            select(m.PaymentAttempt)
            .join(m.Invoice, m.PaymentAttempt.invoice_id == m.Invoice.id)
            .join(m.CustomerAccount, m.Invoice.account_id == m.CustomerAccount.id)
            .where(m.CustomerAccount.customer_id == customer_id)
            .options(joinedload(m.PaymentAttempt.invoice).joinedload(m.Invoice.biller))
            .order_by(m.PaymentAttempt.created_at.desc(), m.PaymentAttempt.id.desc())
            .limit(limit)
        ).all()

    def open_for_invoice(self, invoice_id: int) -> Sequence[m.PaymentAttempt]:
        """Attempts whose money may still move: pending or processing."""
        return self.session.scalars(
            select(m.PaymentAttempt)
            .where(
                m.PaymentAttempt.invoice_id == invoice_id,
                m.PaymentAttempt.status.in_([PaymentStatus.PENDING, PaymentStatus.PROCESSING]),
            )
            .order_by(m.PaymentAttempt.id)
        ).all()

    def with_unrefunded_excess(self) -> Sequence[m.PaymentAttempt]:
        """Applied provider payments on invoices that still owe money back (refund_due_minor > 0)."""
        return self.session.scalars(
            select(m.PaymentAttempt)
            .join(m.Invoice, m.PaymentAttempt.invoice_id == m.Invoice.id)
            .where(
                m.Invoice.refund_due_minor > 0,
                m.PaymentAttempt.applied_at.is_not(None),
                m.PaymentAttempt.provider_reference.is_not(None),
                m.PaymentAttempt.refunded_minor < m.PaymentAttempt.amount_minor,
            )
            .order_by(m.PaymentAttempt.id.desc())
        ).all()

    def in_flight(self, statuses: Iterable[str], older_than: datetime) -> Sequence[m.PaymentAttempt]:
        return self.session.scalars(
            select(m.PaymentAttempt)
            .where(m.PaymentAttempt.status.in_(list(statuses)), m.PaymentAttempt.updated_at < older_than)
            .order_by(m.PaymentAttempt.id)
        ).all()


class PaymentMethodRepository(_Repository):
    def get(self, method_id: int) -> m.PaymentMethod | None:
        return self.session.get(m.PaymentMethod, method_id)

    def active_for_customer(self, customer_id: int) -> Sequence[m.PaymentMethod]:
        return self.session.scalars(
            select(m.PaymentMethod)
            .where(m.PaymentMethod.customer_id == customer_id, m.PaymentMethod.removed_at.is_(None))
            .order_by(m.PaymentMethod.is_default.desc(), m.PaymentMethod.id)
        ).all()

    def by_provider_id(self, provider: str, provider_method_id: str) -> m.PaymentMethod | None:
        return self.session.scalar(
            select(m.PaymentMethod).where(
                m.PaymentMethod.provider == provider,
                m.PaymentMethod.provider_method_id == provider_method_id,
            )
        )


class LinkRepository(_Repository):
    def by_token_hash(self, token_hash: str) -> m.PaymentLink | None:
        return self.session.scalar(select(m.PaymentLink).where(m.PaymentLink.token_hash == token_hash))

    def get(self, link_id: int) -> m.PaymentLink | None:
        return self.session.get(m.PaymentLink, link_id)


class ProcessedEventRepository(_Repository):
    def seen(self, provider: str, event_id: str) -> bool:
        return self.session.get(m.ProcessedEvent, (provider, event_id)) is not None
