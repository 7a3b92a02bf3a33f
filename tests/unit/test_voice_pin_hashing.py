"""Voice PIN hashes are keyed with a server-side pepper: a database dump alone cannot be brute-forced."""

from __future__ import annotations

import hashlib

import pytest

from skill.services.identity.voice_pin import LEGACY, hash_pin, needs_rehash, pin_matches, valid_pin
from skill.settings import ConfigError, Settings

PEPPER_A = b"a" * 32
PEPPER_B = b"b" * 32
SALT = bytes(16)


def test_the_same_pin_and_salt_under_two_peppers_give_different_hashes() -> None:
    assert hash_pin("1234", PEPPER_A, salt=SALT) != hash_pin("1234", PEPPER_B, salt=SALT)


def test_a_pin_verifies_with_its_pepper_only() -> None:
    stored = hash_pin("1234", PEPPER_A)
    assert pin_matches("1234", stored, PEPPER_A)
    assert not pin_matches("1234", stored, PEPPER_B)
    assert not pin_matches("4321", stored, PEPPER_A)


def test_a_dump_holds_nothing_plain_scrypt_of_the_pin_can_match() -> None:
    """What an attacker with the row but not the pepper would compute, for the right PIN, fails."""
    stored = hash_pin("1234", PEPPER_A)
    _scheme, n, salt, digest = stored.split("$")
    guess = hashlib.scrypt(b"1234", salt=bytes.fromhex(salt), n=int(n), r=8, p=1, dklen=32)
    assert guess.hex() != digest
    assert not pin_matches("1234", stored.replace(stored.split("$")[0], LEGACY, 1), PEPPER_A)


def test_a_hash_from_before_the_pepper_still_verifies_and_asks_to_be_rehashed() -> None:
    digest = hashlib.scrypt(b"1234", salt=SALT, n=2**14, r=8, p=1, dklen=32)
    legacy = f"scrypt$16384${SALT.hex()}${digest.hex()}"
    assert pin_matches("1234", legacy, PEPPER_A)
    assert not pin_matches("1235", legacy, PEPPER_A)
    assert needs_rehash(legacy)
    assert not needs_rehash(hash_pin("1234", PEPPER_A))


@pytest.mark.parametrize("stored", ["", "scrypt$x$00$00", "bcrypt$12$00$00", "scrypt$16384$zz$00"])
def test_a_malformed_stored_hash_never_matches(stored: str) -> None:
    assert not pin_matches("1234", stored, PEPPER_A)


@pytest.mark.parametrize("pin", ["1234", "0000"])
def test_four_ascii_digits_are_a_pin(pin: str) -> None:
    assert valid_pin(pin)


@pytest.mark.parametrize("pin", ["１２３４", "١٢٣٤", "12³4", "123", "12345", "12a4", " 1234", "", None])
def test_anything_else_is_not_a_pin(pin: str | None) -> None:
    assert not valid_pin(pin)


def test_the_pepper_defaults_to_one_derived_from_the_secret_key() -> None:
    one = Settings.from_env({"SECRET_KEY": "one"}).voice_pin_pepper
    assert len(one) == 32
    assert one == Settings.from_env({"SECRET_KEY": "one"}).voice_pin_pepper
    assert one != Settings.from_env({"SECRET_KEY": "two"}).voice_pin_pepper
    assert b"one" not in one


def test_pin_pepper_wins_over_the_secret_key() -> None:
    pepper = "p" * 40
    settings = Settings.from_env({"SECRET_KEY": "one", "PIN_PEPPER": pepper})
    assert settings.voice_pin_pepper == pepper.encode()
    assert pepper not in repr(settings)


def test_a_short_pin_pepper_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="PIN_PEPPER must be at least 32 bytes"):
        Settings.from_env({"PIN_PEPPER": "short"})


def test_without_pepper_or_secret_key_pins_cannot_be_hashed() -> None:
    with pytest.raises(ConfigError, match="PIN_PEPPER or SECRET_KEY"):
        _ = Settings.from_env({}).voice_pin_pepper
