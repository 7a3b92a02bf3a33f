"""RFC 9457 problem details (application/problem+json) for every refusal of the biller API."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request
from werkzeug.exceptions import HTTPException

from ...domain.errors import DomainError
from ...services.biller_api.keys import RateLimited, Unauthenticated
from ...services.billing.ledger import InvalidBatch
from ..statuses import status_of

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "tag:billpay.dev,2026:problems/"  # RFC 4151 tag URIs: stable names, not pages to fetch

# Domain errors that do not name their field, by code.
_FIELD_OF = {
    "unknown_currency": "currency",
    "invalid_amount": "amount_due_minor",
    "currency_mismatch": "currency",
}


class Problem(Exception):
    """Raised by the API's own layers (parsing, validation); rendered as a problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.title, self.detail = status, code, title, detail
        self.errors, self.headers = errors or [], headers or {}


def render(problem: Problem) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + problem.code,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.path,
    }
    if problem.errors:
        body["errors"] = problem.errors
    response = Response(json.dumps(body), status=problem.status, mimetype=MEDIA_TYPE)
    response.headers.update(problem.headers)
    return response


def from_domain(exc: DomainError, pointer_prefix: str = "") -> Problem:
    status = status_of(exc.code, 422)
    title = exc.code.replace("_", " ").capitalize()
    if isinstance(exc, InvalidBatch):
        errors = [
            error
            for index, item_errors in sorted(exc.errors.items())
            for error in field_errors(item_errors, f"{pointer_prefix}/{index}" if pointer_prefix else "")
        ]
        # Only conflicts with stored invoices (duplicate numbers): 409, else 422.
        conflict = all(status_of(e.code, 422) == 409 for item in exc.errors.values() for e in item)
        return Problem(409 if conflict else 422, exc.code, "Invalid invoices", exc.message, errors)
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="billpay"'
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.reset_seconds)
    errors = field_errors([exc]) if status == 422 else []
    return Problem(status, exc.code, title, exc.message, errors, headers)


def field_errors(errors: list[DomainError], prefix: str = "") -> list[dict[str, str]]:
    out = []
    for exc in errors:
        field = str(exc.details.get("field") or _FIELD_OF.get(exc.code, ""))
        if field == "account_id":
            field, message = "account_number", "no customer has this account number at this biller"
        else:
            message = exc.message
        if field == "Idempotency-Key":
            out.append({"parameter": field, "message": message})
        elif field:
            out.append({"pointer": f"{prefix}/{field}", "message": message})
        else:
            out.append({"pointer": prefix or "", "message": message})
    return out


def from_http(exc: HTTPException) -> Problem:
    status = exc.code or 500
    if status >= 500:
        return Problem(status, "server_error", "Server error", "the request could not be completed")
    detail = exc.description or exc.name
    if status == 413:
        detail = "the request body is too large"
    return Problem(status, exc.name.lower().replace(" ", "_"), exc.name, detail)
