"""A biller's webhook endpoints: register (the signing secret is shown once), list, remove; the secret for signing."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from ...domain.clock import Clock
from ...domain.errors import Conflict, InvalidInput, NotFound
from ...storage import models as m
from ...storage.uow import UnitOfWork
from .events import EVENT_TYPES

MAX_ENDPOINTS = 10


@dataclass(frozen=True)
class WebhookView:
    id: int
    url: str
    events: tuple[str, ...]
    created_at: datetime
    secret: str | None = None  # only in the answer to the registration


def register_webhook(
    uow: UnitOfWork, biller_id: int, url: str, events: list[str], clock: Clock, *, allow_insecure: bool
) -> WebhookView:
    check_webhook_url(url, allow_insecure=allow_insecure)
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown or not events:
        raise InvalidInput(f"events must be some of {', '.join(EVENT_TYPES)}", field="events")
    with uow:
        if len(uow.webhooks.active_for_biller(biller_id)) >= MAX_ENDPOINTS:
            raise Conflict(f"a biller can have at most {MAX_ENDPOINTS} webhook endpoints")
        row = m.WebhookEndpoint(
            biller_id=biller_id,
            url=url,
            secret="whsec_" + secrets.token_urlsafe(32),
            events=sorted(set(events)),
            created_at=clock.now(),
        )
        uow.webhooks.add(row)
        uow.commit()
        return WebhookView(row.id, row.url, tuple(row.events), row.created_at, secret=row.secret)


def list_webhooks(uow: UnitOfWork, biller_id: int) -> list[WebhookView]:
    with uow:
        return [
            WebhookView(r.id, r.url, tuple(r.events), r.created_at)
            for r in uow.webhooks.active_for_biller(biller_id)
        ]


def remove_webhook(uow: UnitOfWork, biller_id: int, endpoint_id: int, clock: Clock) -> None:
    """Deliveries still queued for it fail permanently: the sender finds no secret."""
    with uow:
        row = uow.webhooks.get(endpoint_id)
        if row is None or row.biller_id != biller_id or row.disabled_at is not None:
            raise NotFound("unknown webhook endpoint", endpoint_id=endpoint_id)
        row.disabled_at = clock.now()
        uow.commit()


def signing_secret(uow: UnitOfWork, endpoint_id: int) -> str | None:
    """The secret to sign a delivery with, or None if the endpoint is gone (for the webhook sender)."""
    with uow:
        row = uow.webhooks.get(endpoint_id)
        return row.secret if row is not None and row.disabled_at is None else None


def check_webhook_url(url: str, *, allow_insecure: bool) -> None:
    """HTTPS to a public host. Local development may allow http:// and loopback or private addresses."""
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_insecure else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise InvalidInput(f"url must be an absolute {' or '.join(schemes)} URL", field="url")
    if parts.username or parts.password:
        raise InvalidInput("url must not carry credentials", field="url")
    if allow_insecure:
        return
    host = parts.hostname
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise InvalidInput("url must point at a public host", field="url") from None
        return
    if not address.is_global:
        raise InvalidInput("url must point at a public host", field="url")
