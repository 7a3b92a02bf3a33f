"""GET/PUT /api/v1/biller/branding: a biller reads and replaces its own logo URL and brand colour, nobody else's."""

from __future__ import annotations

import pytest

from tests.web.api.conftest import Api


def test_a_biller_reads_its_name_and_no_branding_at_first(api: Api) -> None:
    response = api.call("GET", "/biller/branding")

    assert response.status_code == 200
    assert response.json == {"name": "Northwind", "logo_url": None, "brand_colour": None}


def test_a_biller_sets_its_logo_and_colour_and_reads_them_back(api: Api) -> None:
    body = {"logo_url": "https://cdn.northwind.example/logo.svg", "brand_colour": "#0B5CAD"}

    put = api.call("PUT", "/biller/branding", body)
    got = api.call("GET", "/biller/branding")

    assert put.status_code == 200
    assert (
        put.json
        == got.json
        == {
            "name": "Northwind",
            "logo_url": "https://cdn.northwind.example/logo.svg",
            "brand_colour": "#0b5cad",  # stored in lower case
        }
    )


def test_put_replaces_both_fields_so_an_absent_one_is_removed(api: Api) -> None:
    api.call("PUT", "/biller/branding", {"logo_url": "/static/logos/nw.svg", "brand_colour": "#123456"})

    response = api.call("PUT", "/biller/branding", {"brand_colour": "#654321"})

    assert response.json == {"name": "Northwind", "logo_url": None, "brand_colour": "#654321"}


def test_one_billers_branding_is_invisible_and_untouchable_for_another(api: Api) -> None:
    api.call("PUT", "/biller/branding", {"brand_colour": "#123456"}, as_biller=api.other)

    mine = api.call("GET", "/biller/branding")
    api.call("PUT", "/biller/branding", {"brand_colour": "#abcdef"})
    theirs = api.call("GET", "/biller/branding", as_biller=api.other)

    assert mine.json == {"name": "Northwind", "logo_url": None, "brand_colour": None}
    assert theirs.json == {"name": "Lumen", "logo_url": None, "brand_colour": "#123456"}


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"brand_colour": "blue"}, "/brand_colour"),
        ({"brand_colour": "#12345"}, "/brand_colour"),
        ({"brand_colour": "#12345g"}, "/brand_colour"),
        ({"brand_colour": "rgb(1,2,3)"}, "/brand_colour"),
        ({"logo_url": "http://cdn.example/logo.png"}, "/logo_url"),
        ({"logo_url": "data:image/png;base64,AAAA"}, "/logo_url"),
        ({"logo_url": "javascript:alert(1)"}, "/logo_url"),
        ({"logo_url": "//cdn.example/logo.png"}, "/logo_url"),
        ({"logo_url": "https://cdn.example/" + "a" * 500}, "/logo_url"),
        ({"logo_url": 'https://cdn.example/x"onerror="alert(1)'}, "/logo_url"),
        ({"logo_url": "https://user:pw@cdn.example/logo.png"}, "/logo_url"),
        ({"name": "Someone else"}, "/name"),
    ],
)
def test_bad_branding_is_a_problem_naming_the_field_and_changes_nothing(
    api: Api, body: dict[str, str], pointer: str
) -> None:
    api.call("PUT", "/biller/branding", {"logo_url": "https://cdn.example/ok.png", "brand_colour": "#0b5cad"})

    response = api.call("PUT", "/biller/branding", body)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json is not None
    assert response.json["status"] == 422
    assert pointer in [e.get("pointer") for e in response.json["errors"]]
    assert api.call("GET", "/biller/branding").json == {
        "name": "Northwind",
        "logo_url": "https://cdn.example/ok.png",
        "brand_colour": "#0b5cad",
    }


def test_branding_needs_an_api_key(api: Api) -> None:
    response = api.client.get("/api/v1/biller/branding")

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
