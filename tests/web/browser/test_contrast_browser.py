"""The contrast Chromium actually renders on the payment page, light and dark: the focused input's ring and
border, and the pay button, against what is next to them (WCAG 2.2 AA: 3:1 for both, 4.5:1 for text)."""

from __future__ import annotations

from typing import Any

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from tests.web.browser.test_pay_page_browser import ELECTRICITY, link
from tests.web.test_contrast import contrast

pytestmark = [pytest.mark.browser, pytest.mark.stripe]

# Computed colours are "rgb(r, g, b)"; the background a control sits on is the first opaque one above it.
COLOURS = """
(selector) => {
  const el = document.querySelector(selector);
  const hex = (rgb) => "#" + rgb.match(/\\d+/g).slice(0, 3).map((n) => (+n).toString(16).padStart(2, "0")).join("");
  const opaque = (rgb) => !/rgba\\(.*,\\s*0\\)$/.test(rgb) && rgb !== "transparent";
  let up = el.parentElement;
  while (up && !opaque(getComputedStyle(up).backgroundColor)) { up = up.parentElement; }
  const style = getComputedStyle(el);
  return {
    outline: hex(style.outlineColor), outlineWidth: parseFloat(style.outlineWidth),
    border: hex(style.borderTopColor), color: hex(style.color), background: hex(style.backgroundColor),
    behind: hex(up ? getComputedStyle(up).backgroundColor : "rgb(255, 255, 255)"),
  };
}
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focused_input_and_the_pay_button_meet_wcag_aa(
    page: Any, services: Services, provisioned: DemoSummary, app_url: str, scheme: str
) -> None:
    from playwright.sync_api import expect

    page.emulate_media(color_scheme=scheme)
    page.goto(app_url + link(services, provisioned, ELECTRICITY))
    expect(page.locator("#amount")).to_be_visible()

    page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
    page.focus("#amount")
    field = page.evaluate(COLOURS, "#amount")
    page.focus("#pay-button")
    button = page.evaluate(COLOURS, "#pay-button")

    assert field["outlineWidth"] >= 2 and button["outlineWidth"] >= 2
    assert contrast(field["outline"], field["behind"]) >= 3, field
    assert contrast(field["border"], field["behind"]) >= 3, field
    assert contrast(field["color"], field["background"]) >= 4.5, field
    assert contrast(button["outline"], button["behind"]) >= 3, button
    assert contrast(button["color"], button["background"]) >= 4.5, button
    assert contrast(button["border"], button["behind"]) >= 3, button
