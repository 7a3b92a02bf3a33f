"""The biller's branding on pages and in messages: read it, replace it (logo URL and brand colour)."""

from __future__ import annotations

from typing import Any

from ..app_services import current_services
from . import schemas as s
from .blueprint import bp
from .render import plain
from .runtime import Reply, caller, operation
from .spec import Operation


@operation(
    bp,
    Operation(
        "GET",
        "/biller/branding",
        "getBranding",
        "The name, logo and brand colour customers see on pages and in messages",
        "biller",
        {200: ("Branding", s.BRANDING)},
    ),
)
def get_branding() -> Reply:
    return plain(current_services().biller_api.branding(caller().biller_id)), 200


@operation(
    bp,
    Operation(
        "PUT",
        "/biller/branding",
        "putBranding",
        "Replace the logo URL and brand colour (a colour without enough contrast is kept but not shown)",
        "biller",
        {200: ("Branding", s.BRANDING)},
        body=s.BRANDING_UPDATE,
    ),
)
def put_branding(body: dict[str, Any]) -> Reply:
    branding = current_services().biller_api.set_branding(
        caller().biller_id, logo_url=body.get("logo_url"), brand_colour=body.get("brand_colour")
    )
    return plain(branding), 200
