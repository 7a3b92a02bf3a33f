"""Payment links bound once: sending a link and the pay page behind it, with the link settings applied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

# On the voice path already: "send me a link" is an Alexa turn.
from . import payment_links

if TYPE_CHECKING:
    from ...domain.clock import Clock
    from ...domain.model import Channel
    from ...settings import Settings
    from ...storage.uow import UnitOfWork
    from .pay_page import BillStatus, LinkHolder, PayPage, WalletView


class Links:
    """Payment links for one process: base URL and lifetime from the settings, time from its clock."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, settings: Settings) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings

    def send(
        self,
        *,
        customer_id: int,
        invoice_id: int,
        requested_via: Channel,
        amount_minor: int | None = None,
        prefer: Channel | None = None,
        only: Channel | None = None,
    ) -> payment_links.LinkSent:
        """Write the link, its message and a timeline entry in one transaction (see send_payment_link)."""
        return payment_links.send_payment_link(
            self._uow(),
            self._clock,
            base_url=self._settings.public_base_url,
            ttl=timedelta(hours=self._settings.link_ttl_hours),
            customer_id=customer_id,
            invoice_id=invoice_id,
            requested_via=requested_via,
            amount_minor=amount_minor,
            prefer=prefer,
            only=only,
        )

    def resolve(self, token: str) -> payment_links.LinkState:
        return payment_links.resolve_link(self._uow(), token, self._clock)

    def open_pay_page(self, token: str) -> PayPage:
        from .pay_page import open_pay_page

        return open_pay_page(self._uow, self._clock, token=token)

    def bill_status(self, token: str) -> BillStatus:
        from .pay_page import bill_status

        return bill_status(self._uow, self._clock, token=token)

    def link_customer(self, token: str) -> int:
        from .pay_page import link_customer

        return link_customer(self._uow, self._clock, token=token)

    def link_holder(self, token: str) -> LinkHolder:
        from .pay_page import link_holder

        return link_holder(self._uow, self._clock, token=token)

    def wallet_view(self, customer_id: int, *, biller_id: int | None = None) -> WalletView:
        from .pay_page import wallet_view

        return wallet_view(self._uow, customer_id=customer_id, biller_id=biller_id)

    def wallet_link_customer(self, token: str) -> int:
        """The customer a signed wallet link is for (raises NotFound when stale or forged)."""
        from .wallet_links import wallet_link_customer

        return wallet_link_customer(self._settings.secret_key, token)

    def count_pay_attempt(self, *, token: str, ip: str) -> None:
        """Count one payment try on the page (raises TooManyAttempts past the limits in the settings)."""
        from .pay_throttle import count_pay_attempt

        count_pay_attempt(self._uow, self._clock, self._settings, token=token, ip=ip)
