"""The pay page in headless Chromium wears the biller's brand: its logo (allowed by the CSP) and button colour."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from tests.support.payments import invoice
from tests.web.pages.conftest import WATER, link_for

pytestmark = [pytest.mark.browser, pytest.mark.stripe]

LOGO = "https://logo.billpay.test/aqua.png"


def _png(width: int, height: int) -> bytes:
    """A plain blue PNG, served for the logo's https URL (the test has no network)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x0b\x5c\xad" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_the_pay_page_header_shows_the_logo_and_the_button_takes_the_brand_colour(
    page: Any, services: Services, demo: DemoSummary, app_url: str
) -> None:
    from playwright.sync_api import expect

    biller_id = invoice(services, WATER).biller_id
    services.biller_api.set_branding(biller_id, logo_url=LOGO, brand_colour="#0B5CAD")
    page.route(LOGO, lambda route: route.fulfill(status=200, content_type="image/png", body=_png(80, 20)))

    page.goto(f"{app_url}/pay/{link_for(services, demo, WATER)}")

    logo = page.locator("header.site-header img.biller-logo")
    expect(logo).to_have_attribute("alt", "Aqua Pura Water")
    expect(logo).to_have_attribute("width", "160")
    page.wait_for_function("() => document.querySelector('img.biller-logo').complete")
    assert logo.evaluate("img => img.naturalWidth") == 80  # loaded: the CSP let the logo's origin in
    button = page.locator("#pay-button")
    expect(button).to_have_css("background-color", "rgb(11, 92, 173)")
    expect(button).to_have_css("color", "rgb(255, 255, 255)")
