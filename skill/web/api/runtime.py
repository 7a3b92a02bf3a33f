"""Around every API view: register its route, parse and validate, honour Idempotency-Key, render JSON."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, request

from ...services.biller_api import idempotency as api_idempotency
from ...services.biller_api.keys import ApiCaller
from ..app_services import current_services
from .problems import Problem
from .spec import OPERATIONS, Operation, flask_rule
from .validation import parse_json, parse_query, validate

Reply = tuple[Any, int]  # (JSON payload or None, status)


def caller() -> ApiCaller:
    found: ApiCaller = g.api_caller
    return found


def operation(bp: Blueprint, op: Operation) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `view` under op's route; the runtime parses, validates and renders around it."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        def endpoint(**path_values: Any) -> Any:
            return run(op, view, path_values)

        # Bearer keys, never cookies: there is no ambient credential to forge (skill/web/csrf.py).
        endpoint.csrf_exempt = True  # type: ignore[attr-defined]
        OPERATIONS[op.operation_id] = op
        bp.add_url_rule(flask_rule(op), endpoint=op.operation_id, view_func=endpoint, methods=[op.method])
        return view

    return decorate


def run(op: Operation, view: Callable[..., Reply], path_values: dict[str, Any]) -> Response:
    kwargs = dict(path_values)
    if op.query is not None:
        kwargs["query"] = parse_query(request.args.to_dict(flat=False), op.query)
    raw = b""
    if op.body is not None:
        raw = request.get_data(cache=True)
        body = parse_json(raw, request.content_type)
        _refuse_oversized_batches(op.body, body)
        validate(op.body, body)
        kwargs["body"] = body
    key = request.headers.get("Idempotency-Key")
    if op.idempotent_post and key is not None:
        return _idempotent(key, raw, lambda: view(**kwargs))
    return _response(*view(**kwargs))


def _refuse_oversized_batches(schema: dict[str, Any], body: Any) -> None:
    if not isinstance(body, dict):
        return
    for name, prop in schema.get("properties", {}).items():
        limit = prop.get("maxItems")
        if (
            prop.get("type") == "array"
            and limit
            and isinstance(body.get(name), list)
            and len(body[name]) > limit
        ):
            raise Problem(
                413,
                "batch_too_large",
                "Batch too large",
                f"{len(body[name])} items in `{name}`; send at most {limit} per request",
                [{"pointer": f"/{name}", "message": f"at most {limit} items"}],
            )


def _idempotent(key: str, raw: bytes, call: Callable[[], Reply]) -> Response:
    api, biller_id = current_services().biller_api, caller().biller_id
    fingerprint = hashlib.sha256(f"{request.method} {request.path}\n".encode() + raw).hexdigest()
    stored = api.begin_idempotent(biller_id, key, fingerprint)
    if stored is not None:
        response = Response(stored.body, status=stored.status_code, mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        return response
    try:
        payload, status = call()
    except BaseException:
        api.release_idempotent(biller_id, key)
        raise
    text = _dumps(payload)
    if 200 <= status < 300:
        api.finish_idempotent(biller_id, key, api_idempotency.StoredResponse(status, text))
    else:
        api.release_idempotent(biller_id, key)
    return Response(text, status=status, mimetype="application/json")


def _response(payload: Any, status: int) -> Response:
    if payload is None:
        return Response(status=status)
    return Response(_dumps(payload), status=status, mimetype="application/json")


def _dumps(payload: Any) -> str:
    return "" if payload is None else json.dumps(payload, separators=(",", ":"))
