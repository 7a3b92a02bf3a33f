"""The wallet opened from one biller's payment link wears that biller's brand."""

from __future__ import annotations

from flask.testing import FlaskClient

from skill.bootstrap import Services
from tests.web.pages.conftest import csrf_of
from tests.web.pages.test_biller_branding_pages import LOGO, _brand, _header


def test_the_wallet_opened_from_a_link_wears_that_billers_brand(
    client: FlaskClient, services: Services, water_token: str
) -> None:
    _brand(services, logo_url=LOGO, colour="#0b5cad")
    csrf = csrf_of(client.get(f"/pay/{water_token}").get_data(as_text=True))

    opened = client.post(f"/pay/{water_token}/wallet", data={"csrf_token": csrf})
    wallet = client.get("/wallet")

    assert opened.status_code == 303
    assert 'alt="Aqua Pura Water"' in _header(wallet.get_data(as_text=True))
    assert "https://cdn.aquapura.example" in wallet.headers["Content-Security-Policy"]
