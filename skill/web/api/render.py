"""Service results as the API's JSON: ISO 8601 dates, RFC 3339 UTC timestamps with a Z."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from ...services.biller_api.events import iso


def plain(value: Any) -> Any:
    """A frozen service view (or a structure of them) as JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def only(value: Any, *names: str) -> dict[str, Any]:
    data = plain(value)
    return {name: data[name] for name in names}
