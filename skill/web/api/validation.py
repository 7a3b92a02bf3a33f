"""Strict request validation against the same JSON Schemas the OpenAPI document publishes.

jsonschema-rs validates Draft 2020-12, the dialect of OpenAPI 3.1, so what is served as the contract is exactly
what is enforced. On top: JSON numbers with a fraction or exponent (even 1.0) are refused wherever they appear (money is
integer minor units), as are strings that are not valid Unicode.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

import jsonschema_rs

from ..json_body import JsonBodyError, loads
from .problems import Problem


def parse_json(raw: bytes, content_type: str | None) -> Any:
    if (content_type or "").split(";")[0].strip().lower() != "application/json":
        raise Problem(415, "unsupported_media_type", "Unsupported media type", "send application/json")
    try:
        # Nesting is bounded before parsing (a 5,000-deep body would be a RecursionError, i.e. a 500).
        body = loads(raw, parse_constant=_refuse_constant)  # 1.0 stays a float: refused below
        json.dumps(body, ensure_ascii=False).encode()  # lone surrogates cannot be stored
    except JsonBodyError as exc:
        detail = "nested too deeply" if exc.reason == "nested_too_deeply" else "not valid JSON"
        raise Problem(400, "malformed_json", "Malformed JSON", f"the body is {detail}") from None
    except (ValueError, UnicodeError) as exc:
        raise Problem(
            400, "malformed_json", "Malformed JSON", f"the body is not valid JSON ({type(exc).__name__})"
        ) from None
    return body


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@cache
def _validator(schema_json: str) -> Any:
    return jsonschema_rs.Draft202012Validator(json.loads(schema_json), validate_formats=True)


def validator(schema: Mapping[str, Any]) -> Any:
    return _validator(json.dumps(schema, sort_keys=True))


def validate(schema: Mapping[str, Any], instance: Any, *, where: str = "body") -> None:
    """Raise a 422 problem listing every error (each with a JSON pointer, or the query parameter's name)."""
    errors = [*_float_errors(instance, "")]
    for error in validator(schema).iter_errors(instance):
        errors.extend(_describe(error))
    if errors:
        if where == "query":
            errors = [
                {"parameter": e["pointer"].lstrip("/").split("/")[0] or "query", "message": e["message"]}
                for e in errors
            ]
        raise Problem(
            422, "validation_failed", "Validation failed", f"the request {where} is invalid", errors[:200]
        )


def _float_errors(value: Any, pointer: str) -> list[dict[str, str]]:
    if isinstance(value, float):
        return [{"pointer": pointer, "message": "must be an integer (amounts are in minor units)"}]
    if isinstance(value, dict):
        return [e for key, item in value.items() for e in _float_errors(item, f"{pointer}/{_escape(key)}")]
    if isinstance(value, list):
        return [e for index, item in enumerate(value) for e in _float_errors(item, f"{pointer}/{index}")]
    return []


def _describe(error: Any) -> list[dict[str, str]]:
    pointer = "".join(f"/{_escape(str(part))}" for part in error.instance_path)
    kind = error.kind
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
        return [
            {"pointer": f"{pointer}/{_escape(name)}", "message": "unknown field"} for name in kind.unexpected
        ]
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        return [{"pointer": f"{pointer}/{_escape(str(kind.property))}", "message": "is required"}]
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Type):
        if isinstance(error.instance, float):
            return []  # reported once by _float_errors
        return [{"pointer": pointer, "message": f"must be of type {' or '.join(kind.types)}"}]
    message = error.message
    if len(message) > 300:
        message = message[:297] + "..."
    return [{"pointer": pointer, "message": message}]


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def parse_query(args: Mapping[str, list[str]], properties: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Query strings are text: convert integers by the schema, refuse repeats and unknown names, then validate."""
    values: dict[str, Any] = {}
    errors = []
    for name, items in args.items():
        if name not in properties:
            errors.append({"parameter": name, "message": "unknown query parameter"})
        elif len(items) != 1:
            errors.append({"parameter": name, "message": "give this parameter once"})
        elif properties[name].get("type") == "integer":
            try:
                values[name] = (
                    int(items[0]) if items[0].lstrip("-").isdigit() and len(items[0]) < 20 else None
                )
            except ValueError:
                values[name] = None
            if values[name] is None:
                errors.append({"parameter": name, "message": "must be an integer"})
                del values[name]
        else:
            values[name] = items[0]
    if errors:
        raise Problem(422, "validation_failed", "Validation failed", "the query string is invalid", errors)
    schema = {"type": "object", "properties": dict(properties), "additionalProperties": False}
    validate(schema, values, where="query")
    return values
