"""Proving a channel (identity.records.prove_channel via sign_in.verify_code) under a race for a new address."""

from __future__ import annotations

from typing import Any

import pytest

from skill.bootstrap import Services
from skill.services.identity import sign_in
from skill.services.identity.directory import CustomerData, NewBiller, create_biller
from skill.services.identity.records import upsert_biller_record
from skill.storage import models as m
from skill.storage.repositories import CustomerRepository

ADDRESS = "new.person@example.com"


def _code_for(services: Services, recipient: str) -> list[str]:
    with services.uow() as uow:
        rows = uow.session.query(m.OutboxMessage).filter_by(kind="otp", recipient=recipient).all()
        return [str(r.payload["code"]) for r in rows]


def _start(services: Services) -> str:
    started = sign_in.start_code_login(
        services.uow(),
        services.clock,
        services.settings,
        identifier=ADDRESS,
        channel="email",
        ip="192.0.2.1",
        locale="en-US",
    )
    return started.challenge_token


def test_two_codes_for_one_new_address_entered_at_once_make_one_person(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    biller = create_biller(services.uow(), NewBiller("lumen", "Lumen", "Lumen", "NL", "EUR"), services.clock)
    upsert_biller_record(
        services.uow(),
        services.clock,
        biller_id=biller,
        account_number="L-1",
        data=CustomerData(name="New Person", email=ADDRESS),
    )
    first, second = _start(services), _start(services)
    code_first, code_second = _code_for(services, ADDRESS)
    winner = sign_in.verify_code(
        services.uow(),
        services.clock,
        services.settings,
        challenge_token=first,
        code=code_first,
        ip="192.0.2.1",
    )
    # The second tab read "nobody holds this address" before the first one committed: its insert collides.
    real = CustomerRepository.by_email
    calls = {"n": 0}

    def stale_once(self: CustomerRepository, email: str) -> Any:
        calls["n"] += 1
        return None if calls["n"] == 1 else real(self, email)

    monkeypatch.setattr(CustomerRepository, "by_email", stale_once)
    loser = sign_in.verify_code(
        services.uow(),
        services.clock,
        services.settings,
        challenge_token=second,
        code=code_second,
        ip="192.0.2.1",
    )
    assert loser == winner and calls["n"] >= 2
    with services.uow() as uow:
        assert uow.session.query(m.Customer).filter_by(email=ADDRESS).count() == 1
