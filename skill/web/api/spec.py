"""Operations of the biller API, declared once: the route and the OpenAPI entry both come from an `Operation`.

Declarations only: `runtime.operation` registers a view under its operation and runs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import schemas as s

PREFIX = "/api/v1"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI form, below PREFIX: /invoices/{invoice_id}
    operation_id: str
    summary: str
    tag: str
    responses: dict[int, tuple[str, s.Schema | None]]
    body: s.Schema | None = None
    query: dict[str, s.Schema] | None = None
    path_params: dict[str, s.Schema] = field(default_factory=dict)
    public: bool = False
    idempotent_post: bool = False


OPERATIONS: dict[str, Operation] = {}  # by operation id (= Flask endpoint name), filled by runtime.operation


def flask_rule(op: Operation) -> str:
    def convert(match: re.Match[str]) -> str:
        name = match.group(1)
        if op.path_params[name].get("type") == "integer":
            return f"<int(max={s.MAX_ID}):{name}>"
        return f"<{name}>"

    return re.sub(r"\{(\w+)\}", convert, op.path)


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document, built from the operations and their schemas."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS.values():
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = _operation_object(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "BillPay biller API",
            "version": "1.0.0",
            "description": "Customers, invoices, payment requests and webhooks for one biller. See docs/api.md.",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "description": "bp_live_..."}},
            "schemas": {"Problem": s.PROBLEM},
        },
        "security": [{"apiKey": []}],
    }


def _operation_object(op: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in op.path_params.items()
    ]
    parameters += [
        {"name": name, "in": "query", "schema": schema} for name, schema in (op.query or {}).items()
    ]
    if op.idempotent_post:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        )
    result: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "responses": _responses(op),
    }
    if parameters:
        result["parameters"] = parameters
    if op.body is not None:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
    if op.public:
        result["security"] = []
    return result


def _responses(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status, (description, schema) in sorted(op.responses.items()):
        out[str(status)] = {"description": description}
        if schema is not None:
            out[str(status)]["content"] = {"application/json": {"schema": schema}}
    problems = {} if op.public else {401: "Missing, unknown or revoked API key", 429: "Rate limit reached"}
    if op.path_params:
        problems[404] = "Not found (also for another biller's ids)"
    if op.body is not None or op.query is not None:
        problems[422] = "Validation failed: `errors` lists each field"
    if op.body is not None:
        problems.update({400: "Malformed JSON", 413: "Body or batch too large", 415: "Not application/json"})
    if op.idempotent_post:
        problems.update(
            {409: "Conflict (state, or a request with this Idempotency-Key still running)", 422: "Invalid"}
        )
    for status, description in sorted(problems.items()):
        ref = {"$ref": "#/components/schemas/Problem"}
        out.setdefault(
            str(status),
            {"description": description, "content": {"application/problem+json": {"schema": ref}}},
        )
    return out
