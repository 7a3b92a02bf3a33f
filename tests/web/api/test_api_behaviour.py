"""What a biller's system can do through /api/v1: customers, invoices, pages, voids, timelines, keys, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.cli import main
from skill.domain.clock import FixedClock
from skill.services.biller_api.keys import KEY_PREFIX
from skill.storage import models as m

from .conftest import Api, invoice_body, row_counts, running_api


def test_customer_upsert_creates_then_updates_by_account_number(api: Api) -> None:
    created = api.call(
        "PUT", "/customers/ACC-7", {"name": "Dana", "email": "dana@example.com", "mobile": "+31612345678"}
    )
    assert created.status_code == 201
    updated = api.call("PUT", "/customers/ACC-7", {"name": "Dana de Vries", "locale": "nl-NL"})
    assert updated.status_code == 200
    assert updated.json == {
        "id": created.json["id"],
        "account_number": "ACC-7",
        "name": "Dana de Vries",
        "email": "dana@example.com",
        "mobile": None,  # not sent this time: kept, and not echoed
        "locale": "nl-NL",
    }
    with api.services.uow() as uow:
        record = uow.customers.account_by_number(api.biller.id, "ACC-7")
        assert record is not None and record.mobile == "+31612345678"


def test_invoice_list_filters_by_status_customer_and_due_dates(api: Api) -> None:
    dana = api.customer("ACC-1")
    api.customer("ACC-2", email="other@example.com")
    api.invoice("A", due_date="2026-03-15")
    api.invoice("B", due_date="2026-04-15")
    api.invoice("C", account_number="ACC-2", due_date="2026-04-20")
    voided = api.invoice("D", due_date="2026-04-30")
    api.call("POST", f"/invoices/{voided['id']}/void", {"reason": "sent twice"})

    def numbers(query: str) -> list[str]:
        response = api.call("GET", f"/invoices?{query}")
        assert response.status_code == 200, response.json
        return [i["number"] for i in response.json["data"]]

    assert numbers("") == ["A", "B", "C", "D"]
    assert numbers("status=open") == ["A", "B", "C"]
    assert numbers("status=void") == ["D"]
    assert numbers(f"customer_id={dana}") == ["A", "B", "D"]
    assert numbers("due_from=2026-04-01&due_to=2026-04-20") == ["B", "C"]
    assert numbers(f"status=open&customer_id={dana}&due_from=2026-04-01") == ["B"]


def test_cursor_pages_cover_every_invoice_once_even_while_new_ones_arrive(api: Api) -> None:
    api.customer("ACC-1")
    api.call("POST", "/invoices/batch", {"invoices": [invoice_body(f"N-{i:03}") for i in range(25)]})
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        response = api.call("GET", "/invoices?limit=10" + (f"&cursor={cursor}" if cursor else ""))
        seen += [i["number"] for i in response.json["data"]]
        cursor = response.json["next_cursor"]
        pages += 1
        if pages == 1:
            api.invoice("LATE")  # created mid-listing: appears at the end, shifts nothing
        if cursor is None:
            break
    assert seen == [f"N-{i:03}" for i in range(25)] + ["LATE"]
    assert pages == 3


def test_void_and_timeline_and_payment_status(api: Api) -> None:
    api.customer("ACC-1")
    invoice = api.invoice("INV-1")
    voided = api.call("POST", f"/invoices/{invoice['id']}/void", {"reason": "duplicate"})
    assert voided.status_code == 200 and voided.json["status"] == "void"
    timeline = api.call("GET", f"/invoices/{invoice['id']}/timeline").json
    assert [e["kind"] for e in timeline["events"]] == ["created", "voided"]
    assert timeline["events"][1]["data"] == {"reason": "duplicate"}
    payments = api.call("GET", f"/invoices/{invoice['id']}/payments").json
    assert payments["status"] == "void" and payments["payments"] == []


def test_recorded_payment_settles_the_invoice_once_per_idempotency_key(api: Api) -> None:
    api.customer("ACC-1")
    invoice_id = api.invoice("INV-1", amount_due_minor=5000)["id"]
    body = {"amount_minor": 5000, "currency": "EUR", "method": "bank_transfer"}
    first = api.call("POST", f"/invoices/{invoice_id}/payments", body, Idempotency_Key="bank-123")
    again = api.call("POST", f"/invoices/{invoice_id}/payments", body, Idempotency_Key="bank-123")
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    status = api.call("GET", f"/invoices/{invoice_id}/payments").json
    assert status["status"] == "paid" and status["amount_paid_minor"] == 5000
    assert [(p["amount_minor"], p["status"], p["method"]) for p in status["payments"]] == [
        (5000, "succeeded", "bank_transfer")
    ]
    missing_key = api.call("POST", f"/invoices/{invoice_id}/payments", body)
    assert missing_key.status_code == 422


def test_idempotency_key_replays_a_create_and_refuses_a_different_body(api: Api) -> None:
    api.customer("ACC-1")
    first = api.call("POST", "/invoices", invoice_body("INV-1"), Idempotency_Key="erp-run-42")
    before = row_counts(api.services)
    replay = api.call("POST", "/invoices", invoice_body("INV-1"), Idempotency_Key="erp-run-42")
    assert replay.status_code == 201 and replay.json == first.json
    different = api.call("POST", "/invoices", invoice_body("INV-2"), Idempotency_Key="erp-run-42")
    assert different.status_code == 422
    assert different.json["errors"] == [
        {"parameter": "Idempotency-Key", "message": "this Idempotency-Key was used for a different request"}
    ]
    assert row_counts(api.services) == before
    other_biller = api.call(
        "POST",
        "/webhooks",
        {"url": "https://h.example.test/", "events": ["link.opened"]},
        as_biller=api.other,
        Idempotency_Key="erp-run-42",
    )
    assert other_biller.status_code == 201  # keys are per biller


def test_a_failed_request_releases_its_idempotency_key(api: Api) -> None:
    refused = api.call("POST", "/invoices", invoice_body("INV-1"), Idempotency_Key="retry-me")
    assert refused.status_code == 422  # no customer ACC-1 yet
    api.customer("ACC-1")
    accepted = api.call("POST", "/invoices", invoice_body("INV-1"), Idempotency_Key="retry-me")
    assert accepted.status_code == 201


def test_rate_limit_is_per_key_with_headers_and_resets_each_minute(
    database_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    with running_api(database_url, tmp_path, clock, API_RATE_LIMIT_PER_MINUTE="3") as api:
        statuses = [api.call("GET", "/webhooks").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = api.call("GET", "/webhooks")
        assert limited.mimetype == "application/problem+json"
        assert limited.headers["Retry-After"] == "60"  # the fixed clock is at the start of a minute
        assert limited.headers["RateLimit"] == '"per-key";r=0;t=60'
        assert limited.headers["RateLimit-Policy"] == '"per-key";q=3;w=60'
        assert api.call("GET", "/webhooks", as_biller=api.other).status_code == 200
        clock.advance(seconds=45)
        assert api.call("GET", "/webhooks").headers["Retry-After"] == "15"
        clock.advance(seconds=15)
        fresh = api.call("GET", "/webhooks")
        assert fresh.status_code == 200 and fresh.headers["RateLimit"] == '"per-key";r=2;t=60'


def test_webhook_registration_shows_the_secret_once(api: Api) -> None:
    created = api.call(
        "POST",
        "/webhooks",
        {"url": "https://erp.example.test/hooks", "events": ["invoice.paid", "link.opened"]},
    )
    assert created.status_code == 201 and created.json["secret"].startswith("whsec_")
    listed = api.call("GET", "/webhooks").json["data"]
    assert listed == [{k: v for k, v in created.json.items() if k != "secret"}]
    assert api.call("DELETE", f"/webhooks/{created.json['id']}").status_code == 204
    assert api.call("GET", "/webhooks").json == {"data": []}


def test_api_keys_are_stored_only_as_hashes_and_the_cli_prints_a_working_key(
    api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", api.services.settings.database_url)
    assert main(["apikey", "create", "--biller", "Lumen", "--label", "ERP"]) == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith(KEY_PREFIX) and len(key) > 50
    assert api.client.get("/api/v1/webhooks", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    with api.services.uow() as uow:
        stored = [(row.key_hash, row.key_id) for row in uow.session.query(m.ApiKey).all()]
    assert all(key not in (h, i) and api.biller.key not in (h, i) for h, i in stored)
    assert main(["apikey", "create", "--biller", "no-such-biller"]) == 1


def test_a_biller_cannot_redirect_another_billers_customer_contact_details(api: Api) -> None:
    """Links and one-time login codes go to the customer's number; another biller must not change it.

    Since ADR 0003 the same email at two billers makes two records: neither biller's data touches the other's.
    """
    dana = api.customer("ACC-1", email="dana@example.com", mobile="+31612345678", name="Dana")
    other = api.customer(
        "L-9", as_biller=api.other, email="dana@example.com", mobile="+31699999999", name="Mallory"
    )
    assert other != dana
    with api.services.uow() as uow:
        mine = uow.customers.account_by_number(api.biller.id, "ACC-1")
        theirs = uow.customers.account_by_number(api.other.id, "L-9")
        assert mine is not None and theirs is not None
        assert (mine.name, mine.mobile) == ("Dana", "+31612345678")
        assert mine.customer_id != theirs.customer_id


def test_a_biller_never_sees_the_name_another_biller_stored_for_a_shared_customer(api: Api) -> None:
    api.customer("ACC-1", email="dana@example.com", name="Dana de Vries", locale="nl-NL")
    answer = api.call(
        "PUT", "/customers/L-9", {"name": "D. Vries", "email": "dana@example.com"}, as_biller=api.other
    )
    assert answer.status_code == 201, answer.json
    assert answer.json is not None and "Dana de Vries" not in str(answer.json)
    assert (answer.json["name"], answer.json["mobile"]) == ("D. Vries", None)
