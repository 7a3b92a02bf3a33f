"""The biller API bound once: what /api/v1 and the webhook sender ask of the capability, per biller."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...domain.clock import Clock
    from ...domain.model import Channel
    from ...settings import Settings
    from ...storage.uow import UnitOfWork
    from ..billing.results import SettlementResult, TimelineEntry
    from ..identity.directory import CustomerData
    from ..identity.records import BillerRecord
    from ..links.payment_links import LinkSent
    from .branding import BrandingView
    from .idempotency import StoredResponse
    from .invoices import ApiInvoice, InvoiceDraft, InvoiceFilter, InvoicePage
    from .keys import ApiCaller, IssuedKey
    from .payments import InvoicePayments, PaymentRequestView
    from .webhooks import WebhookView


class BillerApi:
    """Each method opens its own unit of work. None of these modules is on the voice path, so each loads on use."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, settings: Settings) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings

    # Keys and idempotency
    def authenticate(self, key: str) -> ApiCaller:
        from .keys import authenticate

        limit = self._settings.api_rate_limit_per_minute
        return authenticate(self._uow(), key, self._clock, limit_per_minute=limit)

    def issue_api_key(self, biller: str, *, label: str = "") -> IssuedKey:
        from .keys import issue_api_key

        return issue_api_key(self._uow(), biller, self._clock, label=label)

    def begin_idempotent(self, biller_id: int, key: str, request_hash: str) -> StoredResponse | None:
        from .idempotency import begin

        return begin(self._uow(), biller_id, key, request_hash, self._clock)

    def finish_idempotent(self, biller_id: int, key: str, response: StoredResponse) -> None:
        from .idempotency import finish

        finish(self._uow(), biller_id, key, response)

    def release_idempotent(self, biller_id: int, key: str) -> None:
        from .idempotency import release

        release(self._uow(), biller_id, key)

    # Customers and invoices
    def upsert_customer(self, biller_id: int, account_number: str, data: CustomerData) -> BillerRecord:
        from .invoices import upsert_biller_customer

        return upsert_biller_customer(self._uow(), biller_id, account_number, data, self._clock)

    def create_invoices(self, biller_id: int, drafts: Sequence[InvoiceDraft]) -> list[int]:
        from .invoices import create_biller_invoices

        return create_biller_invoices(self._uow(), biller_id, drafts, self._clock)

    def get_invoice(self, biller_id: int, invoice_id: int) -> ApiInvoice:
        from .invoices import get_biller_invoice

        return get_biller_invoice(self._uow(), biller_id, invoice_id, self._clock)

    def list_invoices(
        self, biller_id: int, where: InvoiceFilter, *, after_id: int = 0, limit: int = 50
    ) -> InvoicePage:
        from .invoices import list_biller_invoices

        return list_biller_invoices(
            self._uow(), biller_id, where, self._clock, after_id=after_id, limit=limit
        )

    def void_invoice(self, biller_id: int, invoice_id: int, *, reason: str) -> ApiInvoice:
        from .invoices import void_biller_invoice

        return void_biller_invoice(self._uow(), biller_id, invoice_id, self._clock, reason=reason)

    def invoice_timeline(self, biller_id: int, invoice_id: int) -> list[TimelineEntry]:
        from .invoices import biller_invoice_timeline

        return biller_invoice_timeline(self._uow(), biller_id, invoice_id)

    # Payments
    def request_payment(
        self, *, biller_id: int, invoice_id: int, channel: Channel, amount_minor: int | None
    ) -> LinkSent:
        """Send the customer a payment link, with the link settings of this process."""
        from .payments import request_payment

        return request_payment(
            self._uow(),
            self._clock,
            biller_id=biller_id,
            invoice_id=invoice_id,
            channel=channel,
            amount_minor=amount_minor,
            base_url=self._settings.public_base_url,
            ttl=timedelta(hours=self._settings.link_ttl_hours),
        )

    def payment_request_status(self, biller_id: int, link_id: int) -> PaymentRequestView:
        from .payments import payment_request_status

        return payment_request_status(self._uow(), biller_id, link_id, self._clock)

    def invoice_payments(self, biller_id: int, invoice_id: int) -> InvoicePayments:
        from .payments import invoice_payments

        return invoice_payments(self._uow(), biller_id, invoice_id)

    def record_payment(
        self,
        *,
        biller_id: int,
        invoice_id: int,
        amount_minor: int,
        currency: str,
        method: str,
        idempotency_key: str,
    ) -> SettlementResult:
        from .payments import record_biller_payment

        return record_biller_payment(
            self._uow(),
            self._clock,
            biller_id=biller_id,
            invoice_id=invoice_id,
            amount_minor=amount_minor,
            currency=currency,
            method=method,
            idempotency_key=idempotency_key,
        )

    # Branding
    def branding(self, biller_id: int) -> BrandingView:
        from .branding import get_branding

        return get_branding(self._uow(), biller_id)

    def set_branding(self, biller_id: int, *, logo_url: str | None, brand_colour: str | None) -> BrandingView:
        """Replace the logo URL and brand colour (None removes one); InvalidInput names the bad field."""
        from .branding import set_branding

        return set_branding(self._uow(), biller_id, logo_url=logo_url, brand_colour=brand_colour)

    # Webhooks
    def register_webhook(self, biller_id: int, url: str, events: list[str]) -> WebhookView:
        from .webhooks import register_webhook

        allow_insecure = self._settings.webhooks_allow_insecure
        return register_webhook(
            self._uow(), biller_id, url, events, self._clock, allow_insecure=allow_insecure
        )

    def list_webhooks(self, biller_id: int) -> list[WebhookView]:
        from .webhooks import list_webhooks

        return list_webhooks(self._uow(), biller_id)

    def remove_webhook(self, biller_id: int, endpoint_id: int) -> None:
        from .webhooks import remove_webhook

        remove_webhook(self._uow(), biller_id, endpoint_id, self._clock)

    def signing_secret(self, endpoint_id: int) -> str | None:
        from .webhooks import signing_secret

        return signing_secret(self._uow(), endpoint_id)
