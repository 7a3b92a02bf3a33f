"""Webhook endpoints: register one (its signing secret is shown once), list them, remove one."""

from __future__ import annotations

from typing import Any

from ..app_services import current_services
from . import schemas as s
from .blueprint import bp
from .render import plain
from .runtime import Reply, caller, operation
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
    endpoint = current_services().biller_api.register_webhook(caller().biller_id, body["url"], body["events"])
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
    endpoints = current_services().biller_api.list_webhooks(caller().biller_id)
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
    current_services().biller_api.remove_webhook(caller().biller_id, webhook_id)
    return None, 204
