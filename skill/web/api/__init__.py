"""The biller API under /api/v1: Bearer API keys, per-key rate limits, problem+json errors, OpenAPI 3.1."""

from __future__ import annotations

from flask import Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from ...domain.errors import DomainError
from ...services.biller_api import keys as api_keys
from ...services.biller_api.keys import RateLimited
from ..app_services import current_services
from . import (  # the views register their routes on bp
    branding,
    contact,
    invoices,
    openapi,
    payments,
    problems,
    webhooks,
)
from .blueprint import bp
from .problems import Problem, from_domain, from_http
from .spec import OPERATIONS

__all__ = ["bp", "branding", "contact", "invoices", "openapi", "payments", "webhooks"]


@bp.before_request
def _authenticate() -> None:
    op = OPERATIONS.get((request.endpoint or "").removeprefix("api_v1."))
    if op is None or op.public:
        return
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise api_keys.Unauthenticated("send the API key as `Authorization: Bearer bp_live_...`")
    g.api_caller = current_services().biller_api.authenticate(key.strip())


@bp.after_request
def _rate_limit_headers(response: Response) -> Response:
    # https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/ (Policy + RateLimit fields)
    found = g.get("api_caller")
    if found is not None:
        response.headers["RateLimit-Policy"] = f'"per-key";q={found.limit};w=60'
        response.headers["RateLimit"] = f'"per-key";r={found.remaining};t={found.reset_seconds}'
    return response


@bp.errorhandler(Problem)
def _problem(exc: Problem) -> Response:
    return problems.render(exc)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Response:
    problem = from_domain(exc)
    if isinstance(exc, RateLimited):
        problem.headers["RateLimit-Policy"] = f'"per-key";q={exc.limit};w=60'
        problem.headers["RateLimit"] = f'"per-key";r=0;t={exc.reset_seconds}'
    return problems.render(problem)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return problems.render(from_http(exc))


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    # Type and operation only: exception text can carry SQL parameters, i.e. personal data.
    current_app.logger.error("api %s failed: %s", request.endpoint, type(exc).__name__)
    return problems.render(Problem(500, "server_error", "Server error", "the request could not be completed"))
