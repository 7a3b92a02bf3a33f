"""The service desk bound once: customer-service questions about bills, and the biller's contact settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...domain.clock import Clock
    from ...domain.model import Channel
    from ...storage.uow import UnitOfWork
    from .contact import ContactSettings
    from .results import (
        BillerContact,
        BillQuery,
        ChooseBill,
        ChooseBiller,
        NoBill,
        Overpayments,
        ReminderStatus,
        RequestRecorded,
    )


class ServiceDesk:
    """Each call opens its own unit of work; each module loads on first use (none is on the launch path)."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def contact(
        self, customer_id: int, *, biller: str | None, focus: int | None
    ) -> BillerContact | ChooseBiller:
        """The contact route of the biller named, or of the bill in focus, or of the customer's only biller."""
        from .contact import contact_for_customer

        return contact_for_customer(self._uow(), customer_id, biller=biller, focus=focus)

    def reminder_status(self, customer_id: int, query: BillQuery) -> ReminderStatus | ChooseBill | NoBill:
        """What was sent about the bill meant, and the next step of its biller's reminder plan."""
        from .reminders import reminder_status

        return reminder_status(self._uow(), customer_id, query, self._clock)

    def overpayments(self, customer_id: int, query: BillQuery) -> Overpayments | NoBill:
        """Overpayments and their refunds (due, under way, done); what was paid when nothing was overpaid."""
        from .refunds import overpayments

        return overpayments(self._uow(), customer_id, query, self._clock)

    def open_dispute(
        self, customer_id: int, query: BillQuery, *, via: Channel, reason: str | None = None
    ) -> RequestRecorded | ChooseBill | NoBill:
        """Dispute the bill meant, once (IllegalTransition for a void bill); the biller gets dispute.opened."""
        from .requests import open_dispute

        return open_dispute(self._uow(), customer_id, query, self._clock, via=via, reason=reason)

    def request_payment_plan(
        self, customer_id: int, query: BillQuery, *, via: Channel, reason: str | None = None
    ) -> RequestRecorded | ChooseBill | NoBill:
        """Ask for a payment plan on the bill meant, once (IllegalTransition unless it is still to pay)."""
        from .requests import request_payment_plan

        return request_payment_plan(self._uow(), customer_id, query, self._clock, via=via, reason=reason)

    # The biller's side (the API)
    def biller_contact(self, biller_id: int) -> ContactSettings:
        from .contact import get_contact

        return get_contact(self._uow(), biller_id)

    def set_biller_contact(
        self,
        biller_id: int,
        *,
        phone: str | None,
        email: str | None,
        url: str | None,
        hours: list[Any] | None,
    ) -> ContactSettings:
        """Replace the whole contact route (None removes a field); InvalidInput names the bad field."""
        from .contact import set_contact

        return set_contact(self._uow(), biller_id, phone=phone, email=email, url=url, hours=hours)
