"""Billing bound once: bills, their details and payment history for a customer, on the process's clock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

# On the voice path already: every launch lists the bills. History loads when it is asked for.
from . import bills

if TYPE_CHECKING:
    from ...domain.clock import Clock
    from ...domain.model import BillType, Channel
    from ...storage.read_models.connection import ReadConnections
    from ...storage.uow import UnitOfWork
    from .comparison import BillComparison
    from .history import PaymentView
    from .invoice_copies import InvoiceCopySent
    from .questions import Balance, NextDue, PartPaid, TotalOwed
    from .results import BillDetails, BillView, Outstanding


class Billing:
    """What a channel asks about bills; each call opens its own unit of work.

    With `reads` (the voice read model's connections), the launch's and the listing's reads run there, in plain
    SQL on the process's own connection: a voice turn's hot path never imports the ORM.
    """

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        *,
        base_url: str,
        reads: ReadConnections | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._base_url = base_url  # PUBLIC_BASE_URL: the links in the messages it queues are absolute
        self._reads = reads

    def list_outstanding(
        self,
        customer_id: int,
        *,
        bill_type: BillType | None = None,
        biller: str | None = None,
        overdue_only: bool = False,
        due_within_days: int | None = None,
    ) -> Outstanding:
        if self._reads is not None:
            return bills.list_outstanding_read(
                self._reads,
                customer_id,
                self._clock,
                bill_type=bill_type,
                biller=biller,
                overdue_only=overdue_only,
                due_within_days=due_within_days,
            )
        return bills.list_outstanding(
            self._uow(),
            customer_id,
            self._clock,
            bill_type=bill_type,
            biller=biller,
            overdue_only=overdue_only,
            due_within_days=due_within_days,
        )

    def find_bills(
        self,
        customer_id: int,
        *,
        biller: str | None = None,
        bill_type: BillType | None = None,
        number: str | None = None,
        position: int | None = None,
        last_read: Sequence[int] = (),
        include_settled: bool = False,
    ) -> list[BillView]:
        return bills.find_bills(
            self._uow(),
            customer_id,
            self._clock,
            biller=biller,
            bill_type=bill_type,
            number=number,
            position=position,
            last_read=last_read,
            include_settled=include_settled,
        )

    def bill_details(self, customer_id: int, invoice_id: int) -> BillDetails:
        return bills.bill_details(self._uow(), customer_id, invoice_id, self._clock)

    def customer_billers(self, customer_id: int) -> list[bills.BillerName]:
        return bills.customer_billers(self._uow(), customer_id)

    def overview(self, customer_id: int) -> bills.Overview:
        """The open bills and the customer's billers, at once (a launch says both)."""
        if self._reads is not None:
            return bills.overview_read(self._reads, customer_id, self._clock)
        return bills.overview(self._uow, customer_id, self._clock)

    def recent_payments(self, customer_id: int, *, limit: int = 5) -> list[PaymentView]:
        from . import history

        return history.recent_payments(self._uow(), customer_id, limit=limit)

    def receipt_emailed(self, attempt_id: int) -> bool:
        from . import history

        return history.receipt_emailed(self._uow(), attempt_id)

    # What customers ask about their bills (services/billing/questions.py, comparison.py, invoice_copies.py).
    def total_owed(self, customer_id: int, *, biller: str | None = None) -> TotalOwed:
        from . import questions

        return questions.total_owed(self._uow(), customer_id, self._clock, biller=biller)

    def next_due(
        self, customer_id: int, *, bill_type: BillType | None = None, biller: str | None = None
    ) -> NextDue:
        from . import questions

        return questions.next_due(self._uow(), customer_id, self._clock, bill_type=bill_type, biller=biller)

    def bill_balance(
        self,
        customer_id: int,
        *,
        bill_type: BillType | None = None,
        biller: str | None = None,
        position: int | None = None,
        last_read: Sequence[int] = (),
        focus: int | None = None,
    ) -> Balance:
        from . import questions

        return questions.bill_balance(
            self._uow(),
            customer_id,
            self._clock,
            bill_type=bill_type,
            biller=biller,
            position=position,
            last_read=last_read,
            focus=focus,
        )

    def part_paid(
        self, customer_id: int, *, bill_type: BillType | None = None, biller: str | None = None
    ) -> PartPaid:
        from . import questions

        return questions.part_paid(self._uow(), customer_id, self._clock, bill_type=bill_type, biller=biller)

    def compare_with_previous(
        self,
        customer_id: int,
        *,
        bill_type: BillType | None = None,
        biller: str | None = None,
        focus: int | None = None,
    ) -> BillComparison:
        from . import comparison

        return comparison.compare_with_previous(
            self._uow(), customer_id, self._clock, bill_type=bill_type, biller=biller, focus=focus
        )

    def send_invoice_copy(
        self,
        customer_id: int,
        *,
        requested_via: Channel,
        bill_type: BillType | None = None,
        biller: str | None = None,
        focus: int | None = None,
        prefer: Channel | None = None,
    ) -> InvoiceCopySent:
        from . import invoice_copies

        return invoice_copies.send_invoice_copy(
            self._uow(),
            self._clock,
            base_url=self._base_url,
            customer_id=customer_id,
            requested_via=requested_via,
            bill_type=bill_type,
            biller=biller,
            focus=focus,
            prefer=prefer,
        )
