"""The biller's contact route for customers who want to talk to someone: read it, replace it."""

from __future__ import annotations

from typing import Any

from ...domain.contact import MAX_EMAIL, MAX_HOURS, MAX_URL, WEEKDAYS
from ..app_services import current_services
from . import schemas as s
from .blueprint import bp
from .render import plain
from .runtime import Reply, caller, operation
from .spec import Operation

# skill/domain/contact.py checks the same again (and more: one entry per day, opens before closes, a public host).
_CLOCK: s.Schema = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "examples": ["08:00"]}
HOURS: s.Schema = {
    "type": "array",
    "maxItems": MAX_HOURS,
    "items": s.obj(
        {
            "days": {
                "type": "array",
                "items": {"type": "string", "enum": list(WEEKDAYS)},
                "minItems": 1,
                "maxItems": 7,
                "uniqueItems": True,
            },
            "opens": _CLOCK,
            "closes": _CLOCK,
        }
    ),
    "description": "when the phone line is staffed, in the biller's local time; each day in one entry at most",
}
PHONE: s.Schema = {
    "type": "string",
    "minLength": 8,
    "maxLength": 24,
    "pattern": "^\\+[0-9 ().-]+$",
    "description": "international format (E.164); spaces, dots, dashes and brackets are dropped",
    "examples": ["+31 20 123 4567"],
}
EMAIL: s.Schema = {"type": "string", "format": "email", "maxLength": MAX_EMAIL}
URL: s.Schema = {"type": "string", "maxLength": MAX_URL, "pattern": "^https://[^\\s\"'<>]+$"}
CONTACT_UPDATE = s.obj(
    {
        "phone": s.nullable(PHONE),
        "email": s.nullable(EMAIL),
        "url": s.nullable(URL),
        "hours": s.nullable(HOURS),
    },
    required=[],
    description="Replaces the whole route: an absent or null field is removed",
)
CONTACT = s.obj(
    {
        "phone": {"type": ["string", "null"]},
        "email": {"type": ["string", "null"]},
        "url": {"type": ["string", "null"]},
        "hours": HOURS,
    }
)


@operation(
    bp,
    Operation(
        "GET",
        "/biller/contact",
        "getContact",
        "How customers reach a person at the biller: what the voice skill says to 'I want to talk to someone'",
        "biller",
        {200: ("Contact route", CONTACT)},
    ),
)
def get_contact() -> Reply:
    return plain(current_services().service_desk.biller_contact(caller().biller_id)), 200


@operation(
    bp,
    Operation(
        "PUT",
        "/biller/contact",
        "putContact",
        "Replace the phone number, email address, web page and opening hours customers are given",
        "biller",
        {200: ("Contact route", CONTACT)},
        body=CONTACT_UPDATE,
    ),
)
def put_contact(body: dict[str, Any]) -> Reply:
    contact = current_services().service_desk.set_biller_contact(
        caller().biller_id,
        phone=body.get("phone"),
        email=body.get("email"),
        url=body.get("url"),
        hours=body.get("hours"),
    )
    return plain(contact), 200
