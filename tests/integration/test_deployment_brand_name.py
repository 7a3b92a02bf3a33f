"""Which name a sign-in code gives the deployment: BRAND_NAME, else its only biller's, else "billpay"."""

from __future__ import annotations

from typing import Any

import pytest

from skill.bootstrap import Services, bootstrap
from skill.domain.clock import FixedClock
from skill.services.identity.directory import NewBiller, create_biller
from skill.settings import ConfigError, Settings
from skill.storage import models as m


def _code_payload(services: Services) -> dict[str, Any]:
    with services.uow() as uow:
        uow.session.add(m.Customer(name="Dana", email="dana@example.com", created_at=services.clock.now()))
        uow.commit()
    services.identity.start_code_login(
        identifier="dana@example.com", channel="email", ip="192.0.2.1", locale="de-DE"
    )
    with services.uow() as uow:
        row = uow.session.query(m.OutboxMessage).filter_by(kind="otp").one()
        return dict(row.payload)


def _biller(services: Services, slug: str, name: str) -> None:
    create_biller(services.uow(), NewBiller(slug, name, name, "NL", "EUR"), services.clock)


def test_a_deployment_with_one_biller_takes_its_name(services: Services) -> None:
    _biller(services, "aqua", "Aqua Pura Water")

    assert _code_payload(services)["brand_name"] == "Aqua Pura Water"


def test_a_deployment_with_several_billers_says_billpay(services: Services) -> None:
    _biller(services, "aqua", "Aqua Pura Water")
    _biller(services, "lumen", "Lumen Mobile")

    assert _code_payload(services)["brand_name"] == "billpay"


def test_brand_name_wins_over_the_billers(settings: Settings, clock: FixedClock) -> None:
    env = {"DATABASE_URL": settings.database_url, "SECRET_KEY": "k", "BRAND_NAME": "Stadtwerke Musterstadt"}
    services = bootstrap(Settings.from_env(env), clock=clock)
    try:
        _biller(services, "aqua", "Aqua Pura Water")
        assert _code_payload(services)["brand_name"] == "Stadtwerke Musterstadt"
    finally:
        services.dispose()


def test_brand_name_must_fit_an_sms() -> None:
    with pytest.raises(ConfigError, match="BRAND_NAME"):
        Settings.from_env({"BRAND_NAME": "x" * 41})
    with pytest.raises(ConfigError, match="BRAND_NAME"):
        Settings.from_env({"BRAND_NAME": "Aqua\nPura"})
