"""GET /healthz: liveness (the process answers; no database). GET /readyz: readiness (database reachable, schema
at the migration head, outbox lag under OUTBOX_READY_MAX_LAG_SECONDS)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from .app_services import current_services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    try:
        readiness = current_services().operations.readiness()
    except Exception as exc:  # any database failure means "not ready", never a 500 page
        current_app.logger.warning("readiness check failed: database %s", type(exc).__name__)
        return jsonify({"status": "unavailable", "failed": "database", "database": "unreachable"}), 503
    if not readiness.ready:
        return jsonify({"status": "unavailable", "failed": readiness.failed, **readiness.details}), 503
    return jsonify({"status": "ok", **readiness.details})
