"""POST /webhooks/stripe: verify the signature on the raw body, then hand the event to one service."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from ..payments.gateway import GatewayError, InvalidSignature
from ..settings import ConfigError
from .app_services import current_services
from .csrf import csrf_exempt

bp = Blueprint("stripe_webhooks", __name__)


@bp.post("/webhooks/stripe")
@csrf_exempt  # a machine without our cookie; the signature below is what authenticates it
def stripe_webhook() -> ResponseReturnValue:
    payments = current_services().payments
    try:
        # https://docs.stripe.com/webhooks#verify-events : the raw bytes, exactly as received.
        event = payments.verify_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
    except (InvalidSignature, ConfigError) as exc:
        current_app.logger.warning("stripe webhook refused: %s", type(exc).__name__)
        return jsonify({"title": "Bad Request", "status": 400, "detail": "invalid signature"}), 400
    try:
        result = payments.handle_stripe_event(event)
    except GatewayError:
        # Stripe retries any non-2xx delivery; nothing was committed for this event.
        return jsonify({"title": "Service Unavailable", "status": 503, "detail": "provider unreachable"}), 503
    return jsonify({"received": True, "result": result})
