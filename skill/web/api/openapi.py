"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, generated from the operations the blueprint serves."""

from __future__ import annotations

from . import schemas as s
from .blueprint import bp
from .runtime import Reply, operation
from .spec import Operation, document


@operation(
    bp,
    Operation(
        "GET",
        "/openapi.json",
        "getOpenApiDocument",
        "This document",
        "meta",
        {200: ("OpenAPI 3.1", s.OPENAPI_DOCUMENT)},
        public=True,
    ),
)
def openapi_document() -> Reply:
    return document(), 200
