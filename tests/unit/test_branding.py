"""Brand colours and logos: WCAG 2.2 contrast decides where a colour may go; only safe logo references pass."""

from __future__ import annotations

import pytest

from skill.domain.branding import (
    NEAR_BLACK,
    WHITE,
    Brand,
    check_colour,
    check_logo_url,
    contrast_ratio,
    palette_for,
)
from skill.domain.errors import InvalidInput


def test_contrast_ratio_follows_wcag_for_known_pairs() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic AA grey
    assert contrast_ratio("#ffffff", "#767676") == contrast_ratio("#767676", "#ffffff")


@pytest.mark.parametrize(
    ("colour", "ink"),
    [("#0b5cad", WHITE), ("#003366", WHITE), ("#ffcc00", NEAR_BLACK), ("#00A651", NEAR_BLACK)],
)
def test_the_button_text_is_the_colour_that_reaches_4_5_to_1(colour: str, ink: str) -> None:
    palette = palette_for(colour)

    assert palette is not None
    assert palette.ink == ink
    assert contrast_ratio(palette.background, palette.ink) >= 4.5


@pytest.mark.parametrize("colour", ["#808080", "#7a7a7a", "#777777"])
def test_a_mid_tone_neither_text_colour_reads_on_falls_back_to_the_default_palette(colour: str) -> None:
    assert contrast_ratio(colour, WHITE) < 4.5 and contrast_ratio(colour, NEAR_BLACK) < 4.5
    assert palette_for(colour) is None
    assert Brand("Aqua Pura Water", colour=colour).palette is None


def test_the_colour_becomes_the_accent_only_on_backgrounds_it_reads_on() -> None:
    dark_blue, yellow = palette_for("#0b5cad"), palette_for("#ffcc00")

    assert dark_blue is not None and (dark_blue.accent_on_light, dark_blue.accent_on_dark) == (True, False)
    assert yellow is not None and (yellow.accent_on_light, yellow.accent_on_dark) == (False, True)


@pytest.mark.parametrize("raw", ["#0b5cad", "#0B5CAD", "#000000"])
def test_colours_are_six_hex_digits_kept_in_lower_case(raw: str) -> None:
    assert check_colour(raw) == raw.lower()


@pytest.mark.parametrize("raw", ["0b5cad", "#0b5ca", "#0b5cadff", "blue", "#0b5cag", " #0b5cad", "#0b5cad\n"])
def test_other_colours_are_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_colour(raw)
    assert refused.value.details["field"] == "brand_colour"


@pytest.mark.parametrize(
    "raw", ["https://cdn.example/logo.svg", "https://cdn.example:8443/a/b.png?v=2", "/static/logos/a.svg"]
)
def test_https_urls_and_paths_on_this_site_are_logos(raw: str) -> None:
    assert check_logo_url(raw) == raw


@pytest.mark.parametrize(
    "raw",
    [
        "http://cdn.example/logo.svg",
        "data:image/svg+xml,<svg/>",
        "javascript:alert(1)",
        "//cdn.example/logo.svg",
        "https://user:pw@cdn.example/logo.svg",
        "https://cdn.example;script-src/logo.svg",
        'https://cdn.example/"onerror=x',
        "https://cdn.example/a b.png",
        "https://" + "a" * 500 + ".example/logo.svg",
        "",
    ],
)
def test_anything_else_is_refused_as_a_logo(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_logo_url(raw)
    assert refused.value.details["field"] == "logo_url"


def test_the_logo_origin_is_the_https_host_only() -> None:
    assert Brand("A", logo_url="https://CDN.example:8443/x.png").logo_origin == "https://cdn.example:8443"
    assert Brand("A", logo_url="/static/logos/a.svg").logo_origin is None
    assert Brand("A").logo_origin is None
