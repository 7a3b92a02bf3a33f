"""GET /healthz: the process is up and the database answers."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from .app_services import current_services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        report = current_services().operations.check_database()
    except Exception as exc:  # any database failure means "not healthy", never a 500 page
        current_app.logger.warning("health check failed: %s", type(exc).__name__)
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    if report["schema_revision"] is None:
        return jsonify({"status": "unavailable", "database": "not migrated"}), 503
    return jsonify({"status": "ok", **report})
