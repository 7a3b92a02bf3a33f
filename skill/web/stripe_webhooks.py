"""POST /webhooks/stripe: verify the signature on the raw body, then hand the event to one service."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from ..payments.gateway import GatewayError, InvalidSignature
from ..services.payments.stripe_events import handle_stripe_event
from ..settings import ConfigError
from .csrf import csrf_exempt

bp = Blueprint("stripe_webhooks", __name__)


@bp.post("/webhooks/stripe")
@csrf_exempt  # a machine without our cookie; the signature below is what authenticates it
def stripe_webhook() -> ResponseReturnValue:
    services = current_app.config["SERVICES"]
    try:
        gateway = services.gateway
        # https://docs.stripe.com/webhooks#verify-events : the raw bytes, exactly as received.
        event = gateway.verify_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
    except (InvalidSignature, ConfigError) as exc:
        current_app.logger.warning("stripe webhook refused: %s", type(exc).__name__)
        return jsonify({"title": "Bad Request", "status": 400, "detail": "invalid signature"}), 400
    try:
        result = handle_stripe_event(services.uow, gateway, services.clock, event)
    except GatewayError:
        # Stripe retries any non-2xx delivery; nothing was committed for this event.
        return jsonify({"title": "Service Unavailable", "status": 503, "detail": "provider unreachable"}), 503
    return jsonify({"received": True, "result": result})
