"""The OpenAPI document is the API: every route is in it and back, and schemathesis finds no server errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from skill.domain.clock import FixedClock
from skill.web.api.spec import PREFIX, flask_rule

from .conftest import Api, running_api


def test_every_blueprint_route_is_in_the_document_and_every_documented_operation_is_routed(api: Api) -> None:
    app = api.client.application
    routed = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api_v1.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    document = api.client.get(f"{PREFIX}/openapi.json").json
    assert document is not None
    documented = set()
    for path, operations in document["paths"].items():
        for method, spec in operations.items():
            params = {p["name"]: p["schema"] for p in spec.get("parameters", []) if p["in"] == "path"}
            documented.add((method.upper(), PREFIX + _flask_path(path.removeprefix(PREFIX), params)))
    assert routed == documented
    assert document["openapi"] == "3.1.0"


def _flask_path(path: str, params: dict[str, Any]) -> str:
    from skill.web.api.spec import Operation

    return flask_rule(Operation("GET", path, "x", "", "", {}, path_params=params))


def test_schemathesis_finds_no_server_errors_or_schema_violations(
    database_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    # Every other default check runs. positive_data_acceptance is left out on purpose: rules JSON Schema cannot
    # state (a due date before the issue date, an account number this biller does not have) answer 422 to
    # schema-valid bodies, which is what RFC 9110 says 422 is for.
    with running_api(database_url, tmp_path, clock, API_RATE_LIMIT_PER_MINUTE="1000000") as api:
        _seed(api)
        config = SchemathesisConfig.from_dict({"seed": 20261122, "generation": {"allow-x00": False}})
        schema = schemathesis.openapi.from_wsgi(
            f"{PREFIX}/openapi.json", api.client.application, config=config
        )
        headers = {"Authorization": f"Bearer {api.biller.key}"}
        for result in schema.get_all_operations():
            operation = result.ok()

            @given(case=operation.as_strategy())
            @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

            check()


def _seed(api: Api) -> None:
    api.customer("ACC-1")
    api.invoice("INV-1")
    api.call("POST", "/webhooks", {"url": "https://hooks.example.test/billpay", "events": ["invoice.paid"]})
