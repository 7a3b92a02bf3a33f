"""WCAG 2.2 AA contrast of the pages' CSS, computed from the colours the style sheets declare.

Text 4.5:1 (1.4.3); control borders, the focus ring and status marks 3:1 (1.4.11) against the page colours
they sit on, in the light and the dark scheme. Each rule's `color`, `background`, `border*` and `outline` is
read from the CSS itself, so a new rule with a weak colour fails here. --line is decoration (card edges,
separators) and must not mark a control. A browser check of the computed styles is in
tests/web/browser/test_contrast_browser.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).parents[2] / "skill" / "web" / "static"
SHEETS = tuple(sorted(path.name for path in STATIC.glob("*.css")))  # every style sheet the pages load
# Controls: their borders are how one sees the control (1.4.11). Selectors are matched by substring.
CONTROLS = ("input", "select", ".stripe-field", ".methods label", "button", ".button", ".confirm")
DECORATION = "--line"
PAGE_BACKGROUNDS = ("--paper", "--wash")  # every page colour a rule can sit on (cards, page, header, notices)
VAR = re.compile(r"var\((--[\w-]+)\)")


def luminance(hex_colour: str) -> float:
    """Relative luminance, https://www.w3.org/TR/WCAG22/#dfn-relative-luminance."""
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio"""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _blocks(css: str) -> list[tuple[str, str]]:
    """(prelude, body) of every block, one level deep: `@media x { a { } }` gives ("@media x", "a { }")."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    blocks, depth, start, prelude_start = [], 0, 0, 0
    for i, char in enumerate(css):
        if char == "{":
            if depth == 0:
                start = i
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                blocks.append((css[prelude_start:start].strip(), css[start + 1 : i]))
                prelude_start = i + 1
    return blocks


def _rules(css: str) -> list[tuple[str, str]]:
    """(selector, declarations) of every rule, @media contents included; @keyframes left out."""
    rules = []
    for prelude, body in _blocks(css):
        if prelude.startswith("@keyframes"):
            continue
        rules.extend(_rules(body) if prelude.startswith("@") else [(prelude, body)])
    return rules


def _declarations(body: str) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in body.split(";") if ":" in part)
    return {name.strip(): value.strip() for name, value in pairs}


def schemes() -> dict[str, dict[str, str]]:
    """The custom properties of :root in the light scheme and, overlaid, the dark one."""
    css = (STATIC / "app.css").read_text()
    light: dict[str, str] = {}
    dark: dict[str, str] = {}
    for prelude, body in _blocks(css):
        target = dark if "prefers-color-scheme: dark" in prelude else light
        for selector, declarations in _rules(body) if prelude.startswith("@") else [(prelude, body)]:
            if selector == ":root":
                target.update({k: v for k, v in _declarations(declarations).items() if k.startswith("--")})
    return {"light": light, "dark": {**light, **dark}}


def _colour(value: str, palette: dict[str, str]) -> str | None:
    """The colour a declaration's value names: a var() from the palette or a literal #hex; None for neither."""
    named = VAR.search(value)
    if named:
        found = palette[named.group(1)]
        return found if found.startswith("#") else None
    literal = re.search(r"#[0-9a-fA-F]{3,6}\b", value)
    return literal.group(0) if literal else None


def _checks() -> list[tuple[str, str, str, str, str, float]]:
    """(sheet, selector, property, colour value, background, the ratio it needs) for every coloured rule."""
    found = []
    for sheet in SHEETS:
        for selector, body in _rules((STATIC / sheet).read_text()):
            if selector == ":root":
                continue
            declarations = _declarations(body)
            own_background = next(
                (declarations[p] for p in ("background", "background-color") if p in declarations), None
            )
            for prop, value in declarations.items():
                if prop == "color":
                    backgrounds = [own_background] if own_background and VAR.search(own_background) else None
                    found.extend(
                        (sheet, selector, prop, value, bg, 4.5) for bg in backgrounds or PAGE_BACKGROUNDS
                    )
                elif prop.startswith(("border", "outline")) and prop != "border-radius" and VAR.search(value):
                    if prop == "border-right-color" or (DECORATION in value and not _is_control(selector)):
                        continue  # the spinner's gap; decoration
                    found.extend((sheet, selector, prop, value, bg, 3.0) for bg in PAGE_BACKGROUNDS)
    return found


def _is_control(selector: str) -> bool:
    return any(control in selector for control in CONTROLS)


def test_the_css_declares_both_schemes_and_is_read_rule_by_rule() -> None:
    palettes = schemes()
    assert {"--ink", "--paper", "--wash", "--field", "--focus"} <= set(palettes["light"])
    assert palettes["dark"]["--paper"] != palettes["light"]["--paper"]
    checked = {(selector, prop) for _, selector, prop, *_ in _checks()}
    assert (":focus-visible", "outline") in checked
    assert any("input" in selector and prop == "border" for selector, prop in checked)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_controls_and_the_focus_ring_meet_wcag_aa(scheme: str) -> None:
    palette = schemes()[scheme]
    failures = []
    for sheet, selector, prop, value, background, needed in _checks():
        colour, behind = _colour(value, palette), _colour(background, palette) or palette[background]
        if colour is None:
            continue  # currentColor, transparent, inherit: the colour is checked where it is set
        ratio = contrast(colour, behind)
        if ratio < needed:
            failures.append(f"{sheet} {selector} {{{prop}: {value}}} on {background}: {ratio:.2f} < {needed}")
    assert failures == []


def test_controls_are_not_marked_with_the_decoration_colour() -> None:
    offenders = [
        f"{sheet} {selector}"
        for sheet in SHEETS
        for selector, body in _rules((STATIC / sheet).read_text())
        if _is_control(selector) and DECORATION in body
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("a", "b", "ratio"),
    [("#000000", "#ffffff", 21.0), ("#777777", "#ffffff", 4.48), ("#ffffff", "#ffffff", 1.0)],
)
def test_the_ratio_is_wcags(a: str, b: str, ratio: float) -> None:
    assert contrast(a, b) == pytest.approx(ratio, abs=0.01)
