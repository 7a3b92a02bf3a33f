"""Money rules: exact minor units, ISO 4217 exponents, locale formatting."""

import pytest

from skill.domain.errors import UnknownCurrency
from skill.domain.money import Money, exponent, format_money


def test_exponents_follow_iso_4217() -> None:
    assert (exponent("EUR"), exponent("JPY"), exponent("KWD"), exponent("CLF")) == (2, 0, 3, 4)


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrency):
        Money(100, "EURO")


def test_amounts_are_formatted_for_the_locale() -> None:
    assert format_money(21430, "EUR", "de-DE") == "214,30\xa0€"
    assert format_money(21430, "EUR", "en-US") == "€214.30"
    assert format_money(1000, "JPY", "en-US") == "¥1,000"
