"""The /api/v1 blueprint, alone, so that the views can register on it without importing the package."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
