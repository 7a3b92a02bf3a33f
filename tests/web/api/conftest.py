"""Fixtures for the biller API: an app with two billers, each with an API key and a customer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from skill.bootstrap import Services, bootstrap
from skill.domain.clock import FixedClock
from skill.services.biller_api.keys import issue_api_key
from skill.services.identity.directory import NewBiller, create_biller
from skill.settings import Settings
from skill.storage import models as m
from skill.web import create_app


@dataclass
class Biller:
    id: int
    slug: str
    key: str


@dataclass
class Api:
    client: FlaskClient
    services: Services
    biller: Biller
    other: Biller

    def call(
        self, method: str, path: str, body: Any = None, *, as_biller: Biller | None = None, **headers: str
    ) -> TestResponse:
        key = (as_biller or self.biller).key
        return self.client.open(
            "/api/v1" + path,
            method=method,
            json=body,
            headers={
                "Authorization": f"Bearer {key}",
                **{k.replace("_", "-"): v for k, v in headers.items()},
            },
        )

    def customer(
        self, account_number: str = "ACC-1", *, as_biller: Biller | None = None, **fields: Any
    ) -> int:
        body = {
            "name": "Dana Customer",
            "email": f"{account_number.lower()}@example.com",
            "mobile": "+31612345678",
        }
        response = self.call("PUT", f"/customers/{account_number}", {**body, **fields}, as_biller=as_biller)
        assert response.status_code in (200, 201), response.json
        return int(response.json["id"])  # type: ignore[index]

    def invoice(self, number: str = "INV-1", account_number: str = "ACC-1", **fields: Any) -> dict[str, Any]:
        response = self.call("POST", "/invoices", invoice_body(number, account_number, **fields))
        assert response.status_code == 201, response.json
        return response.json  # type: ignore[return-value]


def invoice_body(number: str, account_number: str = "ACC-1", **fields: Any) -> dict[str, Any]:
    return {
        "account_number": account_number,
        "number": number,
        "bill_type": "electricity",
        "issue_date": "2026-03-01",
        "due_date": "2026-03-31",
        "amount_due_minor": 9430,
        "currency": "EUR",
        **fields,
    }


def api_settings(database_url: str, tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "PUBLIC_BASE_URL": "https://pay.example.test",
            "SECRET_KEY": "test-secret-key",
            "BILLPAY_VAR_DIR": str(tmp_path),
            "WEBHOOKS_ALLOW_INSECURE_URLS": "true",
            **env,
        }
    )


def make_biller(services: Services, slug: str) -> Biller:
    biller_id = create_biller(
        services.uow(),
        NewBiller(slug, slug.title(), slug.title(), "NL", "EUR", partial_allowed=True),
        services.clock,
    )
    return Biller(biller_id, slug, issue_api_key(services.uow(), slug, services.clock).key)


@contextmanager
def running_api(database_url: str, tmp_path: Path, clock: FixedClock, **env: str) -> Iterator[Api]:
    """An app on a fresh store with two billers ("northwind" and "lumen"), each with an API key."""
    services = bootstrap(api_settings(database_url, tmp_path, **env), clock=clock)
    try:
        app = create_app(services=services)
        yield Api(
            app.test_client(), services, make_biller(services, "northwind"), make_biller(services, "lumen")
        )
    finally:
        services.dispose()


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Api]:
    with running_api(database_url, tmp_path, clock) as built:
        yield built


def row_counts(services: Services) -> dict[str, int]:
    """Rows in every table the API writes, to show that a refused request changed nothing."""
    tables = [
        m.Customer,
        m.CustomerAccount,
        m.Invoice,
        m.InvoiceEvent,
        m.PaymentLink,
        m.PaymentAttempt,
        m.OutboxMessage,
        m.WebhookEndpoint,
    ]
    with services.uow() as uow:
        return {t.__tablename__: uow.session.scalar(select(func.count()).select_from(t)) or 0 for t in tables}
