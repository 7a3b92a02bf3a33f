"""GET/PUT /api/v1/biller/contact: a biller reads and replaces its own contact route, nobody else's, validated."""

from __future__ import annotations

from typing import Any

import pytest

from skill.web.api.spec import document
from tests.web.api.conftest import Api

ROUTE = {
    "phone": "+31 20 123 4567",
    "email": "service@northwind.example",
    "url": "https://northwind.example/contact",
    "hours": [
        {"days": ["sat"], "opens": "09:00", "closes": "13:00"},
        {"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00", "closes": "18:00"},
    ],
}
EMPTY = {"phone": None, "email": None, "url": None, "hours": []}


def test_a_biller_has_no_contact_route_at_first(api: Api) -> None:
    response = api.call("GET", "/biller/contact")

    assert response.status_code == 200
    assert response.json == EMPTY


def test_a_biller_sets_its_route_and_reads_it_back_normalized(api: Api) -> None:
    put = api.call("PUT", "/biller/contact", ROUTE)
    got = api.call("GET", "/biller/contact")

    assert put.status_code == 200
    assert (
        put.json
        == got.json
        == {
            "phone": "+31201234567",  # E.164, without the spaces
            "email": "service@northwind.example",
            "url": "https://northwind.example/contact",
            "hours": [  # in week order
                {"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00", "closes": "18:00"},
                {"days": ["sat"], "opens": "09:00", "closes": "13:00"},
            ],
        }
    )


def test_put_replaces_the_whole_route_so_an_absent_field_is_removed(api: Api) -> None:
    api.call("PUT", "/biller/contact", ROUTE)

    response = api.call("PUT", "/biller/contact", {"email": "help@northwind.example"})

    assert response.json == {**EMPTY, "email": "help@northwind.example"}


def test_one_billers_route_is_invisible_and_untouchable_for_another(api: Api) -> None:
    api.call("PUT", "/biller/contact", ROUTE, as_biller=api.other)

    mine = api.call("GET", "/biller/contact")
    api.call("PUT", "/biller/contact", {"phone": "+31301112222"})
    theirs = api.call("GET", "/biller/contact", as_biller=api.other)

    assert mine.json == EMPTY
    assert theirs.json is not None and theirs.json["phone"] == "+31201234567"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"phone": "020 123 4567"}, "/phone"),  # not international
        ({"phone": "+0 20 123 4567"}, "/phone"),
        ({"phone": "+31 20 CALL NOW"}, "/phone"),
        ({"email": "service"}, "/email"),
        ({"email": "a b@northwind.example"}, "/email"),
        ({"url": "http://northwind.example/contact"}, "/url"),
        ({"url": "https://user:pw@northwind.example/contact"}, "/url"),
        ({"url": "https://northwind.example:8443/contact"}, "/url"),
        ({"url": "javascript:alert(1)"}, "/url"),
        ({"url": "https://northwind.example/" + "a" * 500}, "/url"),
        ({"hours": [{"days": ["mon"], "opens": "18:00", "closes": "08:00"}]}, "/hours"),
        ({"hours": [{"days": ["mon"], "opens": "8am", "closes": "18:00"}]}, "/hours/0/opens"),
        ({"hours": [{"days": ["monday"], "opens": "08:00", "closes": "18:00"}]}, "/hours/0/days/0"),
        ({"hours": [{"days": [], "opens": "08:00", "closes": "18:00"}]}, "/hours/0/days"),
        (
            {
                "hours": [
                    {"days": ["mon"], "opens": "08:00", "closes": "12:00"},
                    {"days": ["mon"], "opens": "13:00", "closes": "17:00"},
                ]
            },
            "/hours",
        ),
        ({"hours": [{"days": ["mon"], "opens": "08:00"}]}, "/hours/0/closes"),
        ({"fax": "+31201234567"}, "/fax"),
    ],
)
def test_a_bad_route_is_a_problem_naming_the_field_and_changes_nothing(
    api: Api, body: dict[str, Any], pointer: str
) -> None:
    api.call("PUT", "/biller/contact", ROUTE)
    before = api.call("GET", "/biller/contact").json

    response = api.call("PUT", "/biller/contact", body)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json is not None
    assert pointer in [e.get("pointer") for e in response.json["errors"]], response.json
    assert api.call("GET", "/biller/contact").json == before


def test_the_contact_route_needs_an_api_key(api: Api) -> None:
    response = api.client.get("/api/v1/biller/contact")

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_the_contact_route_is_in_the_openapi_document(api: Api) -> None:
    operations = document()["paths"]["/api/v1/biller/contact"]

    assert {operations["get"]["operationId"], operations["put"]["operationId"]} == {
        "getContact",
        "putContact",
    }
    assert "422" in operations["put"]["responses"]
