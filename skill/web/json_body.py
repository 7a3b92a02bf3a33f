"""JSON request bodies read safely: nesting depth bounded before parsing, shapes checked after.

`json.loads` recurses once per nesting level: a body nested a few thousand levels deep raises RecursionError
(a 500), and a few hundred levels can still exhaust the stack in code that walks the result. Nothing we accept
is nested more than a handful of levels, so a pre-scan of the raw bytes refuses deeper bodies first.
"""

from __future__ import annotations

import json
import operator
import re
from itertools import accumulate, count
from typing import Any

MAX_DEPTH = 64
# A JSON string (escapes included); its brackets are text, not structure.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")  # every byte that is not a bracket
# Opening brackets become 2 and closing ones 0, so (running sum - position) is the depth after each bracket.
_DEPTH_STEP = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


class JsonBodyError(ValueError):
    """Not JSON, nested too deeply, or not the shape the endpoint takes. `reason` is safe to log or show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def nesting_depth(raw: bytes) -> int:
    """The deepest bracket nesting outside strings (an estimate for invalid JSON, exact for valid JSON)."""
    brackets = _STRING.sub(b"", raw).translate(None, _BRACKETS).translate(_DEPTH_STEP)
    return max(map(operator.sub, accumulate(brackets), count(1)), default=0)


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH, **options: Any) -> Any:
    """`json.loads` that raises JsonBodyError (a ValueError) for bodies nested deeper than `max_depth`."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if nesting_depth(data) > max_depth:
        raise JsonBodyError("nested_too_deeply")
    try:
        return json.loads(data, **options)
    except RecursionError:  # only if max_depth was set far above what the interpreter allows
        raise JsonBodyError("nested_too_deeply") from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both
        raise JsonBodyError("not_json") from None


def json_object(raw: bytes, *, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """The body as a JSON object; an empty body is an empty object. JsonBodyError for anything else."""
    if not raw.strip():
        return {}
    body = loads(raw, max_depth=max_depth)
    if not isinstance(body, dict):
        raise JsonBodyError("not_an_object")
    return body
