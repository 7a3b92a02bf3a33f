"""The biller API's JSON Schemas (Draft 2020-12): requests are validated with them, the OpenAPI document shows them."""

from __future__ import annotations

from typing import Any

from ...domain.branding import MAX_LOGO_URL
from ...domain.model import BillType, InvoiceStatus, PaymentStatus
from ...services.biller_api.events import EVENT_TYPES
from ...settings import SUPPORTED_LOCALES

Schema = dict[str, Any]

MAX_ID = 2_147_483_647
MAX_MINOR = 999_999_999_999
MAX_BATCH = 5_000
_PRINTABLE = "^[^\\x00-\\x1f\\x7f]*$"


def text(max_length: int, min_length: int = 1, **extra: Any) -> Schema:
    return {
        "type": "string",
        "minLength": min_length,
        "maxLength": max_length,
        "pattern": _PRINTABLE,
        **extra,
    }


def obj(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    """Closed objects: a field the schema does not name is an error."""
    return {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
        "additionalProperties": False,
        **extra,
    }


def nullable(schema: Schema) -> Schema:
    return {**schema, "type": [schema["type"], "null"]}


ID: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
MINOR: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_MINOR, "description": "integer minor units"}
CURRENCY: Schema = {
    "type": "string",
    "pattern": "^[A-Z]{3}$",
    "description": "ISO 4217 code",
    "examples": ["EUR"],
}
DATE: Schema = {"type": "string", "format": "date"}
DATETIME: Schema = {"type": "string", "format": "date-time"}
REFERENCE: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$",
}
EMAIL: Schema = {
    "type": "string",
    "maxLength": 254,
    "pattern": "^[^@\\s\\x00-\\x1f\\x7f]+@[^@\\s\\x00-\\x1f\\x7f]+\\.[^@\\s\\x00-\\x1f\\x7f]+$",
}
MOBILE: Schema = {"type": "string", "pattern": "^\\+[1-9][0-9]{6,14}$", "description": "E.164"}
LOCALE: Schema = {"type": "string", "enum": list(SUPPORTED_LOCALES)}
STATUS: Schema = {"type": "string", "enum": [s.value for s in InvoiceStatus]}

CUSTOMER_UPSERT = obj(
    {"name": text(200), "email": EMAIL, "mobile": MOBILE, "locale": LOCALE}, required=["name"]
)
CUSTOMER = obj(
    {
        "id": ID,
        "account_number": REFERENCE,
        "name": {"type": "string"},
        "email": {"type": ["string", "null"]},
        "mobile": {"type": ["string", "null"]},
        "locale": {"type": "string"},
    }
)

LINE_ITEM = obj({"description": text(200), "amount_minor": {**MINOR, "minimum": 0}})
INVOICE_CREATE = obj(
    {
        "account_number": REFERENCE,
        "number": REFERENCE,
        "bill_type": {"type": "string", "enum": [b.value for b in BillType]},
        "issue_date": DATE,
        "due_date": DATE,
        "amount_due_minor": MINOR,
        "currency": CURRENCY,
        "description": text(2000, 0),
        "line_items": {"type": "array", "items": LINE_ITEM, "maxItems": 100},
    },
    required=[
        "account_number",
        "number",
        "bill_type",
        "issue_date",
        "due_date",
        "amount_due_minor",
        "currency",
    ],
)
INVOICE_BATCH = obj(
    {"invoices": {"type": "array", "items": INVOICE_CREATE, "minItems": 1, "maxItems": MAX_BATCH}}
)
INVOICE = obj(
    {
        "id": ID,
        "number": {"type": "string"},
        "customer_id": ID,
        "account_number": {"type": "string"},
        "description": {"type": "string"},
        "bill_type": {"type": "string"},
        "issue_date": DATE,
        "due_date": DATE,
        "currency": {"type": "string"},
        "amount_due_minor": {"type": "integer"},
        "amount_paid_minor": {"type": "integer"},
        "refund_due_minor": {"type": "integer"},
        "status": STATUS,
        "overdue": {"type": "boolean"},
        "line_items": {"type": "array", "items": {"type": "object"}},
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }
)
INVOICE_PAGE = obj({"data": {"type": "array", "items": INVOICE}, "next_cursor": {"type": ["string", "null"]}})
BATCH_RESULT = obj(
    {
        "created": {"type": "integer"},
        "results": {
            "type": "array",
            "items": obj({"index": {"type": "integer"}, "id": ID, "number": {"type": "string"}}),
        },
    }
)
INVOICE_QUERY: dict[str, Schema] = {
    "status": STATUS,
    "customer_id": ID,
    "due_from": DATE,
    "due_to": DATE,
    "limit": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
    "cursor": {"type": "string", "maxLength": 100, "pattern": "^[A-Za-z0-9_-]*$"},
}
VOID = obj({"reason": text(500, 0)}, required=[])

TIMELINE = obj(
    {
        "invoice_id": ID,
        "events": {
            "type": "array",
            "items": obj(
                {
                    "kind": {"type": "string"},
                    "at": DATETIME,
                    "channel": {"type": ["string", "null"]},
                    "data": {"type": "object"},
                }
            ),
        },
    }
)

PAYMENT_REQUEST_CREATE = obj(
    {"channel": {"type": "string", "enum": ["sms", "email"]}, "amount_minor": MINOR}, ["channel"]
)
PAYMENT_REQUEST_SENT = obj(
    {
        "id": ID,
        "invoice_id": ID,
        "channel": {"type": "string", "enum": ["sms", "email"]},
        "masked_destination": {"type": "string"},
        "expires_at": DATETIME,
        "status": {"type": "string", "enum": ["queued"]},
    }
)
PAYMENT_REQUEST = obj(
    {
        "id": ID,
        "invoice_id": ID,
        "channel": {"type": "string"},
        "amount_minor": {"type": "integer"},
        "currency": {"type": "string"},
        "status": {"type": "string", "enum": ["queued", "sent", "opened", "paid", "expired"]},
        "created_at": DATETIME,
        "expires_at": DATETIME,
        "opened_at": nullable(DATETIME),
        "paid_at": nullable(DATETIME),
    }
)
PAYMENT = obj(
    {
        "id": ID,
        "amount_minor": {"type": "integer"},
        "currency": {"type": "string"},
        "status": {"type": "string", "enum": [s.value for s in PaymentStatus]},
        "channel": {"type": "string"},
        "method": {"type": "string"},
        "failure_reason": {"type": ["string", "null"]},
        "refunded_minor": {"type": "integer"},
        "created_at": DATETIME,
    }
)
INVOICE_PAYMENTS = obj(
    {
        "invoice_id": ID,
        "status": STATUS,
        "currency": {"type": "string"},
        "amount_due_minor": {"type": "integer"},
        "amount_paid_minor": {"type": "integer"},
        "refund_due_minor": {"type": "integer"},
        "payments": {"type": "array", "items": PAYMENT},
    }
)
PAYMENT_RECORD = obj(
    {
        "amount_minor": MINOR,
        "currency": CURRENCY,
        "method": {"type": "string", "enum": ["bank_transfer", "cash", "cheque", "other"]},
    },
    required=["amount_minor", "currency", "method"],
)
SETTLEMENT = obj(
    {
        "invoice_id": ID,
        "payment_id": ID,
        "invoice_status": STATUS,
        "amount_paid_minor": {"type": "integer"},
        "overpaid_minor": {"type": "integer"},
    }
)

WEBHOOK_CREATE = obj(
    {
        "url": {
            "type": "string",
            "format": "uri",
            "maxLength": 320,
            "pattern": "^https?://[^\\s\\x00-\\x1f\\x7f]+$",
        },
        "events": {
            "type": "array",
            "items": {"type": "string", "enum": list(EVENT_TYPES)},
            "minItems": 1,
            "uniqueItems": True,
        },
    }
)
WEBHOOK = obj(
    {
        "id": ID,
        "url": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}},
        "created_at": DATETIME,
        "secret": {"type": "string", "description": "only in the answer to the registration: keep it"},
    },
    required=["id", "url", "events", "created_at"],
)
WEBHOOK_LIST = obj({"data": {"type": "array", "items": WEBHOOK}})

# skill/domain/branding.py checks the same again (and more: no credentials, a host) for every other caller.
LOGO_URL: Schema = {
    "type": "string",
    "maxLength": MAX_LOGO_URL,
    "pattern": "^(https://[^/\\s]|/[^/\\s])[^\\s\"'<>\\x00-\\x1f\\x7f]*$",
    "description": "an https URL, or a path on this deployment (e.g. /static/logos/acme.svg); shown 160x40",
}
BRAND_COLOUR: Schema = {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$", "examples": ["#0b5cad"]}
BRANDING_UPDATE = obj(
    {"logo_url": nullable(LOGO_URL), "brand_colour": nullable(BRAND_COLOUR)},
    required=[],
    description="Replaces both fields: an absent or null field is removed",
)
BRANDING = obj(
    {
        "name": {
            "type": "string",
            "description": "the biller's name, as customers know it (set by the operator)",
        },
        "logo_url": {"type": ["string", "null"]},
        "brand_colour": {"type": ["string", "null"]},
    }
)

PROBLEM = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string", "description": "JSON Pointer (RFC 6901) into the body"},
                    "parameter": {"type": "string", "description": "a query parameter or header"},
                    "message": {"type": "string"},
                },
                "required": ["message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "instance"],
}
OPENAPI_DOCUMENT: Schema = {"type": "object"}
