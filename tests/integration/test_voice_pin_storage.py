"""Stored voice PINs: peppered hashes in the row, old unpeppered ones upgraded on the next right PIN."""

from __future__ import annotations

import hashlib

import pytest

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.domain.errors import InvalidInput
from skill.services.identity.voice_pin import PEPPERED, set_voice_pin, verify_voice_pin
from skill.storage import models as m


def _stored(services: Services, customer_id: int) -> str | None:
    with services.uow() as uow:
        customer = uow.session.get(m.Customer, customer_id)
        assert customer is not None
        return customer.voice_pin_hash


def test_a_pin_set_is_stored_peppered_and_checks_only_with_the_servers_pepper(
    services: Services, demo: DemoSummary
) -> None:
    pepper = services.settings.voice_pin_pepper
    set_voice_pin(services.uow(), demo.customer_id, "4321", services.clock, pepper=pepper)
    stored = _stored(services, demo.customer_id)
    assert stored is not None and stored.startswith(PEPPERED + "$")
    assert "4321" not in stored

    wrong = verify_voice_pin(services.uow(), demo.customer_id, "4321", services.clock, pepper=b"x" * 32)
    assert not wrong.ok and wrong.tries_left == 2
    assert verify_voice_pin(services.uow(), demo.customer_id, "4321", services.clock, pepper=pepper).ok


def test_an_unpeppered_hash_verifies_once_and_is_rehashed_with_the_pepper(
    services: Services, demo: DemoSummary
) -> None:
    salt = bytes(range(16))
    digest = hashlib.scrypt(b"2468", salt=salt, n=2**14, r=8, p=1, dklen=32)
    with services.uow() as uow:
        customer = uow.session.get(m.Customer, demo.customer_id)
        assert customer is not None
        customer.voice_pin_hash = f"scrypt$16384${salt.hex()}${digest.hex()}"
        uow.commit()
    pepper = services.settings.voice_pin_pepper

    assert not verify_voice_pin(services.uow(), demo.customer_id, "1111", services.clock, pepper=pepper).ok
    assert (_stored(services, demo.customer_id) or "").startswith("scrypt$")
    assert verify_voice_pin(services.uow(), demo.customer_id, "2468", services.clock, pepper=pepper).ok

    upgraded = _stored(services, demo.customer_id)
    assert upgraded is not None and upgraded.startswith(PEPPERED + "$")
    assert verify_voice_pin(services.uow(), demo.customer_id, "2468", services.clock, pepper=pepper).ok
    assert not verify_voice_pin(services.uow(), demo.customer_id, "2468", services.clock, pepper=b"y" * 32).ok


@pytest.mark.parametrize("pin", ["１２３４", "١٢٣٤", "12³4"])
def test_a_pin_of_non_ascii_digits_is_refused_and_nothing_is_stored(
    services: Services, demo: DemoSummary, pin: str
) -> None:
    pepper = services.settings.voice_pin_pepper
    with pytest.raises(InvalidInput) as refused:
        set_voice_pin(services.uow(), demo.customer_id, pin, services.clock, pepper=pepper)
    assert refused.value.details["field"] == "pin"
    assert _stored(services, demo.customer_id) is None
