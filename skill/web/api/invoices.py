"""Customers and invoices: upsert a customer, create one or many invoices, list, get, void, timeline."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from ...domain.model import BillType, InvoiceStatus
from ...services.biller_api import invoices as api
from ...services.billing.ledger import InvalidBatch
from ...services.identity.directory import CustomerData
from ..app_services import current_services
from . import schemas as s
from .blueprint import bp
from .problems import Problem, from_domain
from .render import only, plain
from .runtime import Reply, caller, operation
from .spec import Operation
from .validation import validator

INVOICE_ID = {"invoice_id": s.ID}


@operation(
    bp,
    Operation(
        "PUT",
        "/customers/{account_number}",
        "upsertCustomer",
        "Create or update the customer holding this account number",
        "customers",
        {200: ("Updated", s.CUSTOMER), 201: ("Created", s.CUSTOMER)},
        body=s.CUSTOMER_UPSERT,
        path_params={"account_number": s.REFERENCE},
    ),
)
def upsert_customer(account_number: str, body: dict[str, Any]) -> Reply:
    if not _is_reference(account_number):
        raise Problem(404, "not_found", "Not found", "account numbers are letters, digits, '.', '_' and '-'")
    data = CustomerData(body["name"], body.get("email"), body.get("mobile"), body.get("locale", "en-US"))
    customer = current_services().biller_api.upsert_customer(caller().biller_id, account_number, data)
    reply = only(customer, "id", "account_number", "name", "email", "mobile", "locale")
    return reply, 201 if customer.created else 200


@operation(
    bp,
    Operation(
        "POST",
        "/invoices",
        "createInvoice",
        "Create one invoice",
        "invoices",
        {201: ("Created", s.INVOICE)},
        body=s.INVOICE_CREATE,
        idempotent_post=True,
    ),
)
def create_invoice(body: dict[str, Any]) -> Reply:
    biller_api, biller_id = current_services().biller_api, caller().biller_id
    [invoice_id] = biller_api.create_invoices(biller_id, [_draft(body)])
    return plain(biller_api.get_invoice(biller_id, invoice_id)), 201


@operation(
    bp,
    Operation(
        "POST",
        "/invoices/batch",
        "createInvoiceBatch",
        f"Create up to {s.MAX_BATCH} invoices: all of them, or none and every item's errors",
        "invoices",
        {201: ("All created", s.BATCH_RESULT)},
        body=s.INVOICE_BATCH,
        idempotent_post=True,
    ),
)
def create_invoice_batch(body: dict[str, Any]) -> Reply:
    drafts = [_draft(item) for item in body["invoices"]]
    try:
        ids = current_services().biller_api.create_invoices(caller().biller_id, drafts)
    except InvalidBatch as exc:
        raise from_domain(exc, "/invoices") from None
    results = [
        {"index": i, "id": invoice_id, "number": d.number}
        for i, (invoice_id, d) in enumerate(zip(ids, drafts, strict=True))
    ]
    return {"created": len(ids), "results": results}, 201


@operation(
    bp,
    Operation(
        "GET",
        "/invoices",
        "listInvoices",
        "List invoices by status, customer and due date, oldest first, a page at a time",
        "invoices",
        {200: ("A page of invoices", s.INVOICE_PAGE)},
        query=s.INVOICE_QUERY,
    ),
)
def list_invoices(query: dict[str, Any]) -> Reply:
    where = api.InvoiceFilter(
        status=InvoiceStatus(query["status"]) if "status" in query else None,
        customer_id=query.get("customer_id"),
        due_from=date.fromisoformat(query["due_from"]) if "due_from" in query else None,
        due_to=date.fromisoformat(query["due_to"]) if "due_to" in query else None,
    )
    after_id = _decode_cursor(query.get("cursor"))
    page = current_services().biller_api.list_invoices(
        caller().biller_id, where, after_id=after_id, limit=query.get("limit", 50)
    )
    cursor = None if page.next_after_id is None else _encode_cursor(page.next_after_id)
    return {"data": plain(page.invoices), "next_cursor": cursor}, 200


@operation(
    bp,
    Operation(
        "GET",
        "/invoices/{invoice_id}",
        "getInvoice",
        "One invoice",
        "invoices",
        {200: ("The invoice", s.INVOICE)},
        path_params=INVOICE_ID,
    ),
)
def get_invoice(invoice_id: int) -> Reply:
    return plain(current_services().biller_api.get_invoice(caller().biller_id, invoice_id)), 200


@operation(
    bp,
    Operation(
        "POST",
        "/invoices/{invoice_id}/void",
        "voidInvoice",
        "Void an unpaid invoice",
        "invoices",
        {200: ("The voided invoice", s.INVOICE)},
        body=s.VOID,
        path_params=INVOICE_ID,
        idempotent_post=True,
    ),
)
def void_invoice(invoice_id: int, body: dict[str, Any]) -> Reply:
    invoice = current_services().biller_api.void_invoice(
        caller().biller_id, invoice_id, reason=body.get("reason", "")
    )
    return plain(invoice), 200


@operation(
    bp,
    Operation(
        "GET",
        "/invoices/{invoice_id}/timeline",
        "getInvoiceTimeline",
        "What happened to an invoice, in order",
        "invoices",
        {200: ("The timeline", s.TIMELINE)},
        path_params=INVOICE_ID,
    ),
)
def invoice_timeline(invoice_id: int) -> Reply:
    entries = current_services().biller_api.invoice_timeline(caller().biller_id, invoice_id)
    return {"invoice_id": invoice_id, "events": plain(entries)}, 200


def _draft(item: dict[str, Any]) -> api.InvoiceDraft:
    return api.InvoiceDraft(
        account_number=item["account_number"],
        number=item["number"],
        bill_type=BillType(item["bill_type"]),
        issue_date=date.fromisoformat(item["issue_date"]),
        due_date=date.fromisoformat(item["due_date"]),
        amount_due_minor=item["amount_due_minor"],
        currency=item["currency"],
        description=item.get("description", ""),
        line_items=tuple(item.get("line_items", ())),
    )


def _is_reference(value: str) -> bool:
    return validator(s.REFERENCE).is_valid(value)


def _encode_cursor(after_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{after_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, after = text.partition(":")
        if version == "v1" and after.isdigit() and len(after) < 12:
            return int(after)
    except (ValueError, UnicodeDecodeError):
        pass
    raise Problem(
        422,
        "validation_failed",
        "Validation failed",
        "the cursor is not one this API gave",
        [{"parameter": "cursor", "message": "unknown cursor"}],
    )
