"""Refused requests: clear RFC 9457 problems, and nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Api, invoice_body, row_counts

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.json
    assert set(body) >= PROBLEM_KEYS and body["status"] == status
    return body


@pytest.fixture
def seeded(api: Api) -> Api:
    api.customer("ACC-1")
    api.invoice("INV-1")
    return api


@pytest.mark.parametrize(
    ("change", "pointer", "message"),
    [
        pytest.param({"amount_due_minor": 94.3}, "/amount_due_minor", "integer", id="float-amount"),
        pytest.param(
            {"amount_due_minor": 9430.0}, "/amount_due_minor", "integer", id="float-with-zero-fraction"
        ),
        pytest.param({"amount_due_minor": "9430"}, "/amount_due_minor", "integer", id="string-amount"),
        pytest.param({"currency": "XXX"}, "/currency", "unknown currency", id="unknown-currency"),
        pytest.param({"currency": "eur"}, "/currency", "match", id="lower-case-currency"),
        pytest.param({"currency": "EURO"}, "/currency", "match", id="four-letter-currency"),
        pytest.param({"colour": "red"}, "/colour", "unknown field", id="unknown-field"),
        pytest.param({"due_date": "2026-02-30"}, "/due_date", "date", id="impossible-date"),
        pytest.param({"due_date": "2026-02-01"}, "/due_date", "before", id="due-before-issue"),
        pytest.param({"account_number": "NOPE"}, "/account_number", "account number", id="unknown-account"),
        pytest.param(
            {"line_items": [{"description": "x", "amount_minor": 1, "vat": 2}]},
            "/line_items/0/vat",
            "unknown",
            id="nested-unknown-field",
        ),
    ],
)
def test_invalid_invoice_is_refused_field_by_field_and_changes_nothing(
    seeded: Api, change: dict[str, Any], pointer: str, message: str
) -> None:
    before = row_counts(seeded.services)
    response = seeded.call("POST", "/invoices", {**invoice_body("INV-2"), **change})
    body = assert_problem(response, 422)
    assert any(e["pointer"] == pointer and message in e["message"] for e in body["errors"]), body["errors"]
    assert row_counts(seeded.services) == before


def test_missing_fields_are_each_named(seeded: Api) -> None:
    body = assert_problem(seeded.call("POST", "/invoices", {"number": "INV-9"}), 422)
    missing = {e["pointer"] for e in body["errors"] if e["message"] == "is required"}
    assert missing == {
        "/account_number",
        "/bill_type",
        "/issue_date",
        "/due_date",
        "/amount_due_minor",
        "/currency",
    }


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        pytest.param(b'{"number": ', "application/json", 400, id="truncated-json"),
        pytest.param(b'{"amount_due_minor": NaN}', "application/json", 400, id="nan"),
        pytest.param(b"[]", "application/json", 422, id="array-instead-of-object"),
        pytest.param(b"number=INV-2", "application/x-www-form-urlencoded", 415, id="form-encoded"),
    ],
)
def test_malformed_bodies_are_refused(seeded: Api, data: bytes, content_type: str, status: int) -> None:
    before = row_counts(seeded.services)
    response = seeded.client.post(
        "/api/v1/invoices",
        data=data,
        headers={"Authorization": f"Bearer {seeded.biller.key}", "Content-Type": content_type},
    )
    assert_problem(response, status)
    assert row_counts(seeded.services) == before


def test_duplicate_invoice_number_is_a_conflict(seeded: Api) -> None:
    before = row_counts(seeded.services)
    body = assert_problem(seeded.call("POST", "/invoices", invoice_body("INV-1")), 409)
    assert body["errors"] == [{"pointer": "/number", "message": "an invoice with this number exists"}]
    assert row_counts(seeded.services) == before


def test_batch_with_one_bad_item_writes_nothing_and_reports_every_bad_item(seeded: Api) -> None:
    items = [invoice_body(f"B-{i}") for i in range(50)]
    items[7]["currency"] = "ABC"
    items[30]["account_number"] = "SOMEONE-ELSE"
    items[41]["number"] = "B-3"
    before = row_counts(seeded.services)
    body = assert_problem(seeded.call("POST", "/invoices/batch", {"invoices": items}), 422)
    assert {e["pointer"] for e in body["errors"]} == {
        "/invoices/7/currency",
        "/invoices/30/account_number",
        "/invoices/41/number",
    }
    assert row_counts(seeded.services) == before


def test_oversized_batch_is_refused_with_413(seeded: Api) -> None:
    before = row_counts(seeded.services)
    items = [invoice_body(f"B-{i}") for i in range(5001)]
    body = assert_problem(seeded.call("POST", "/invoices/batch", {"invoices": items}), 413)
    assert "at most 5000" in body["detail"]
    assert row_counts(seeded.services) == before


def test_another_billers_ids_are_not_found_exactly_like_missing_ones(seeded: Api) -> None:
    invoice_id = seeded.invoice("INV-2")["id"]
    link = seeded.call("POST", f"/invoices/{invoice_id}/payment-requests", {"channel": "sms"}).json
    hook = seeded.call(
        "POST", "/webhooks", {"url": "https://hooks.example.test/x", "events": ["invoice.paid"]}
    ).json
    assert link is not None and hook is not None
    before = row_counts(seeded.services)
    requests = [
        ("GET", "/invoices/{}", None, invoice_id),
        ("GET", "/invoices/{}/timeline", None, invoice_id),
        ("GET", "/invoices/{}/payments", None, invoice_id),
        ("POST", "/invoices/{}/void", {}, invoice_id),
        ("POST", "/invoices/{}/payment-requests", {"channel": "email"}, invoice_id),
        (
            "POST",
            "/invoices/{}/payments",
            {"amount_minor": 100, "currency": "EUR", "method": "cash"},
            invoice_id,
        ),
        ("GET", "/payment-requests/{}", None, link["id"]),
        ("DELETE", "/webhooks/{}", None, hook["id"]),
    ]
    for method, template, body, real_id in requests:
        theirs = seeded.call(
            method, template.format(real_id), body, as_biller=seeded.other, Idempotency_Key="k1"
        )
        missing = seeded.call(
            method, template.format(999_999), body, as_biller=seeded.other, Idempotency_Key="k2"
        )
        assert_problem(theirs, 404)
        assert_problem(missing, 404)
        strip = lambda r: {k: v for k, v in r.json.items() if k != "instance"}  # noqa: E731
        assert strip(theirs) == {**strip(missing), "detail": strip(theirs)["detail"]}
        assert theirs.json["detail"] == missing.json["detail"]
    listed = seeded.call("GET", "/invoices", as_biller=seeded.other).json
    assert listed == {"data": [], "next_cursor": None}
    assert row_counts(seeded.services) == before


def test_customer_id_filter_of_another_biller_lists_nothing(seeded: Api) -> None:
    theirs = seeded.customer("L-1", as_biller=seeded.other)
    assert seeded.call("GET", f"/invoices?customer_id={theirs}").json == {"data": [], "next_cursor": None}


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer bp_live_000000000000_nope", "Bearer not-a-key"],
)
def test_requests_without_a_valid_key_get_401(api: Api, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = api.client.get("/api/v1/invoices", headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_key_with_a_wrong_secret_is_refused(api: Api) -> None:
    forged = api.biller.key[:-4] + ("AAAA" if not api.biller.key.endswith("AAAA") else "BBBB")
    response = api.client.get("/api/v1/invoices", headers={"Authorization": f"Bearer {forged}"})
    assert_problem(response, 401)


def test_unknown_query_parameters_and_bad_cursors_are_refused(seeded: Api) -> None:
    body = assert_problem(seeded.call("GET", "/invoices?state=open"), 422)
    assert body["errors"] == [{"parameter": "state", "message": "unknown query parameter"}]
    body = assert_problem(seeded.call("GET", "/invoices?cursor=bm9wZQ"), 422)
    assert body["errors"][0]["parameter"] == "cursor"
    body = assert_problem(seeded.call("GET", "/invoices?limit=1000"), 422)
    assert body["errors"][0]["parameter"] == "limit"


def test_voiding_a_paid_invoice_is_a_conflict(seeded: Api) -> None:
    invoice_id = seeded.invoice("INV-2")["id"]
    paid = seeded.call(
        "POST",
        f"/invoices/{invoice_id}/payments",
        {"amount_minor": 9430, "currency": "EUR", "method": "bank_transfer"},
        Idempotency_Key="pay-1",
    )
    assert paid.status_code == 201
    before = row_counts(seeded.services)
    assert_problem(seeded.call("POST", f"/invoices/{invoice_id}/void", {"reason": "oops"}), 409)
    assert row_counts(seeded.services) == before


def test_payment_in_the_wrong_currency_is_refused(seeded: Api) -> None:
    invoice_id = seeded.invoice("INV-2")["id"]
    before = row_counts(seeded.services)
    body = {"amount_minor": 9430, "currency": "USD", "method": "bank_transfer"}
    problem = assert_problem(
        seeded.call("POST", f"/invoices/{invoice_id}/payments", body, Idempotency_Key="p"), 422
    )
    assert problem["errors"] == [{"pointer": "/currency", "message": "invoice is in EUR, not USD"}]
    assert row_counts(seeded.services) == before


def test_payment_request_by_a_channel_the_customer_lacks_is_refused(api: Api) -> None:
    api.call("PUT", "/customers/NO-MOBILE", {"name": "Email Only", "email": "only@example.com"})
    invoice_id = api.invoice("INV-9", account_number="NO-MOBILE")["id"]
    before = row_counts(api.services)
    body = assert_problem(
        api.call("POST", f"/invoices/{invoice_id}/payment-requests", {"channel": "sms"}), 422
    )
    assert body["errors"] == [
        {"pointer": "/channel", "message": "the customer has no mobile number for a sms payment request"}
    ]
    assert row_counts(api.services) == before


def test_webhook_urls_must_be_https_to_a_public_host_in_production(seeded: Api) -> None:
    from skill.domain.errors import InvalidInput
    from skill.services.biller_api.webhooks import check_webhook_url

    check_webhook_url("https://erp.example.com/hooks", allow_insecure=False)
    for url in (
        "http://erp.example.com/hooks",
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "https://localhost/x",
        "https://u:p@erp.example.com/",
    ):
        with pytest.raises(InvalidInput):
            check_webhook_url(url, allow_insecure=False)


def test_problem_documents_are_json_with_the_rfc_9457_members(seeded: Api) -> None:
    response = seeded.call("GET", "/invoices/424242")
    body = json.loads(response.get_data(as_text=True))
    assert body == {
        "type": "tag:billpay.dev,2026:problems/not_found",
        "title": "Not found",
        "status": 404,
        "detail": "unknown invoice",
        "instance": "/api/v1/invoices/424242",
    }
