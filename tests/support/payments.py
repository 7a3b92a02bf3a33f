"""Helpers for payment tests: invoices by number, stored-method rows, attempts and timelines."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from skill.bootstrap import Services
from skill.domain.model import MandateStatus, MethodKind
from skill.storage import models as m
from skill.storage.uow import UnitOfWork

DEMO_CUSTOMER = "cus_demo_unprovisioned"
DEMO_CARD = "pm_demo_visa_4242"


def invoice(services: Services, number: str) -> m.Invoice:
    with services.uow() as uow:
        row = uow.session.scalar(select(m.Invoice).where(m.Invoice.number == number))
        assert row is not None, f"no invoice {number}"
        uow.session.expunge_all()  # detached rows keep their loaded values after the block ends
        return row


def attempts(services: Services, invoice_id: int) -> list[m.PaymentAttempt]:
    with services.uow() as uow:
        rows = list(
            uow.session.scalars(
                select(m.PaymentAttempt)
                .where(m.PaymentAttempt.invoice_id == invoice_id)
                .order_by(m.PaymentAttempt.id)
            )
        )
        uow.session.expunge_all()
        return rows


def timeline(services: Services, invoice_id: int) -> list[m.InvoiceEvent]:
    with services.uow() as uow:
        rows = list(uow.events.for_invoice(invoice_id))
        uow.session.expunge_all()
        return rows


def kinds(services: Services, invoice_id: int) -> list[str]:
    return [e.kind for e in timeline(services, invoice_id)]


def outbox(services: Services, kind: str) -> list[m.OutboxMessage]:
    with services.uow() as uow:
        rows = list(uow.session.scalars(select(m.OutboxMessage).where(m.OutboxMessage.kind == kind)))
        uow.session.expunge_all()
        return rows


def default_method_id(services: Services, customer_id: int) -> int:
    with services.uow() as uow:
        return uow.methods.active_for_customer(customer_id)[0].id


def add_method_row(
    services: Services,
    customer_id: int,
    provider_method_id: str,
    *,
    provider_customer_id: str = DEMO_CUSTOMER,
    kind: MethodKind = MethodKind.CARD,
    last4: str = "0341",
) -> int:
    with services.uow() as uow:
        row = m.PaymentMethod(
            customer_id=customer_id,
            provider="stripe",
            provider_customer_id=provider_customer_id,
            provider_method_id=provider_method_id,
            kind=kind,
            brand="visa" if kind is MethodKind.CARD else None,
            last4=last4,
            label=f"{'Visa' if kind is MethodKind.CARD else 'IBAN'} ending {last4}",
            is_default=False,
            mandate_status=MandateStatus.ACTIVE,
            created_at=services.clock.now(),
        )
        uow.methods.add(row)
        uow.commit()
        return row.id


class CommitFailsAfter:
    """A unit-of-work factory whose n-th commit raises: a crash between the provider's answer and ours."""

    def __init__(self, factory: Callable[[], UnitOfWork], fail_on: int) -> None:
        self.factory = factory
        self.fail_on = fail_on
        self.commits = 0

    def __call__(self) -> UnitOfWork:
        uow = self.factory()
        real_commit = uow.commit

        def commit() -> None:
            self.commits += 1
            if self.commits == self.fail_on:
                raise ConnectionError("simulated crash before our commit")
            real_commit()

        uow.commit = commit  # type: ignore[method-assign]
        return uow
