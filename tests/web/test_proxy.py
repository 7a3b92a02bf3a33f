"""Behind a TLS proxy the client's address comes from X-Forwarded-For only when the operator says so."""

from __future__ import annotations

from dataclasses import replace

from flask import request

from skill.bootstrap import Services
from skill.web import create_app


def _seen_address(services: Services, hops: int) -> str:
    app = create_app(services=replace(services, settings=replace(services.settings, trusted_proxy_hops=hops)))

    @app.get("/_probe/addr")
    def addr() -> str:
        return f"{request.remote_addr} {request.scheme}"

    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    return app.test_client().get("/_probe/addr", headers=headers).get_data(as_text=True)


def test_forwarded_headers_are_ignored_by_default(services: Services) -> None:
    assert _seen_address(services, 0) == "127.0.0.1 http"


def test_a_trusted_proxy_supplies_the_client_address_and_scheme(services: Services) -> None:
    assert _seen_address(services, 1) == "203.0.113.7 https"
