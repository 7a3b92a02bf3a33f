"""Webhook endpoints: register one (its signing secret is shown once), list them, remove one."""

from __future__ import annotations

from typing import Any

from ...services.biller_api import webhooks as api
from . import schemas as s
from .blueprint import bp
from .render import plain
from .runtime import Reply, caller, operation, services
from .spec import Operation


@operation(
    bp,
    Operation(
        "POST",
        "/webhooks",
        "createWebhook",
        "Register a URL for invoice.paid, payment.failed and link.opened events",
        "webhooks",
        {201: ("Registered; keep the secret", s.WEBHOOK)},
        body=s.WEBHOOK_CREATE,
        idempotent_post=True,
    ),
)
def create_webhook(body: dict[str, Any]) -> Reply:
    svc = services()
    endpoint = api.register_webhook(
        svc.uow(),
        caller().biller_id,
        body["url"],
        body["events"],
        svc.clock,
        allow_insecure=svc.settings.webhooks_allow_insecure,
    )
    return plain(endpoint), 201


@operation(
    bp,
    Operation(
        "GET",
        "/webhooks",
        "listWebhooks",
        "The biller's webhook endpoints",
        "webhooks",
        {200: ("Endpoints", s.WEBHOOK_LIST)},
    ),
)
def list_webhooks() -> Reply:
    endpoints = api.list_webhooks(services().uow(), caller().biller_id)
    return {"data": [{k: v for k, v in plain(e).items() if k != "secret"} for e in endpoints]}, 200


@operation(
    bp,
    Operation(
        "DELETE",
        "/webhooks/{webhook_id}",
        "deleteWebhook",
        "Remove an endpoint; deliveries still queued for it are dropped",
        "webhooks",
        {204: ("Removed", None)},
        path_params={"webhook_id": s.ID},
    ),
)
def delete_webhook(webhook_id: int) -> Reply:
    svc = services()
    api.remove_webhook(svc.uow(), caller().biller_id, webhook_id, svc.clock)
    return None, 204
