"""Money rules: exact integer minor units, ISO 4217 exponents, refusals, and locale display through Babel."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.domain.errors import CurrencyMismatch, InvalidAmount, UnknownCurrency
from skill.domain.money import (
    Money,
    exponent,
    format_money,
    normalize_currency,
    require_minor_units,
)

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("currency", "expected"),
    [("EUR", 2), ("USD", 2), ("SEK", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("CLF", 4)],
)
def test_exponent_follows_iso_4217(currency: str, expected: int) -> None:
    assert exponent(currency) == expected


def test_currency_codes_are_normalised_to_upper_case() -> None:
    assert normalize_currency("eur") == "EUR"
    assert Money(100, "jpy").currency == "JPY"


@pytest.mark.parametrize("code", ["EURO", "XXX", "", "E", "BTC", None, 978])
def test_unknown_currency_is_refused(code: object) -> None:
    with pytest.raises(UnknownCurrency):
        normalize_currency(code)
    with pytest.raises(UnknownCurrency):
        Money(100, code)  # type: ignore[arg-type]


def test_unknown_currency_has_no_exponent() -> None:
    with pytest.raises(UnknownCurrency):
        exponent("ZZZ")


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.50", "EUR", 1250),
        ("12.5", "EUR", 1250),
        ("0.01", "EUR", 1),
        ("-3.20", "EUR", -320),
        ("1000", "JPY", 1000),
        ("1E+2", "JPY", 100),
        ("1.230", "EUR", 123),
        ("1.234", "KWD", 1234),
        ("0.0001", "CLF", 1),
        ("92233720368547758.07", "EUR", 9_223_372_036_854_775_807),
    ],
)
def test_from_decimal_is_exact(text: str, currency: str, minor: int) -> None:
    assert Money.from_decimal(text, currency) == Money(minor, currency)
    assert Money.from_decimal(Decimal(text), currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("12.505", "EUR"),
        ("0.001", "EUR"),
        ("1.5", "JPY"),
        ("0.1235", "KWD"),
        ("0.00001", "CLF"),
        # More significant digits than Decimal's default context: must be refused, not rounded.
        ("1234567890123456789012345678.915", "EUR"),
    ],
)
def test_from_decimal_refuses_more_decimals_than_the_currency_has(text: str, currency: str) -> None:
    with pytest.raises(InvalidAmount):
        Money.from_decimal(text, currency)


@pytest.mark.parametrize("amount", ["abc", "", "NaN", "Infinity", "-Infinity", "12,50"])
def test_from_decimal_refuses_what_is_not_a_finite_number(amount: str) -> None:
    with pytest.raises(InvalidAmount):
        Money.from_decimal(amount, "EUR")


def test_from_decimal_refuses_a_float() -> None:
    with pytest.raises(InvalidAmount):
        Money.from_decimal(12.5, "EUR")  # type: ignore[arg-type]


def test_from_decimal_refuses_an_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency):
        Money.from_decimal("1.00", "EURO")


def test_to_decimal_keeps_every_digit_of_a_large_amount() -> None:
    amount = Money(10**30 + 1, "EUR")
    assert amount.to_decimal() == Decimal("10000000000000000000000000000.01")
    assert str(Money(-5, "KWD")) == "-0.005 KWD"


@pytest.mark.parametrize("value", [12.5, 12.0, Decimal("12"), True, "12", None])
def test_money_refuses_anything_but_int_minor_units(value: object) -> None:
    with pytest.raises(InvalidAmount):
        Money(value, "EUR")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, -1])
def test_require_minor_units_refuses_zero_and_negative_amounts(value: int) -> None:
    with pytest.raises(InvalidAmount):
        require_minor_units(value)


def test_require_minor_units_allows_zero_when_not_required_positive() -> None:
    assert require_minor_units(0, positive=False) == 0
    with pytest.raises(InvalidAmount):
        require_minor_units(-1, positive=False)


@pytest.mark.parametrize("value", [1.0, Decimal(1), True, "1"])
def test_require_minor_units_refuses_non_integers(value: object) -> None:
    with pytest.raises(InvalidAmount):
        require_minor_units(value)


def test_arithmetic_within_one_currency_is_exact() -> None:
    assert Money(1050, "EUR") + Money(1, "EUR") == Money(1051, "EUR")
    assert Money(1050, "EUR") - Money(1051, "EUR") == Money(-1, "EUR")


@pytest.mark.parametrize("op", ["add", "sub"])
def test_arithmetic_across_currencies_is_refused(op: str) -> None:
    euros, yen = Money(100, "EUR"), Money(100, "JPY")
    with pytest.raises(CurrencyMismatch) as refused:
        euros + yen if op == "add" else euros - yen
    assert refused.value.details == {"expected": "EUR", "got": "JPY"}


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "expected"),
    [
        (21430, "EUR", "en-US", "€214.30"),
        (21430, "EUR", "en-GB", "€214.30"),
        (21430, "EUR", "de-DE", f"214,30{NBSP}€"),
        (21430, "EUR", "nl-NL", f"€{NBSP}214,30"),
        (21430, "EUR", "sv-SE", f"214,30{NBSP}€"),
        (5, "EUR", "en-US", "€0.05"),
        (-150, "EUR", "en-US", "-€1.50"),
        (123456, "JPY", "en-US", "¥123,456"),
        (123456, "JPY", "en-GB", "JP¥123,456"),
        (123456, "JPY", "de-DE", f"123.456{NBSP}¥"),
        (123456, "JPY", "nl-NL", f"JP¥{NBSP}123.456"),
        (123456, "JPY", "sv-SE", f"123{NBSP}456{NBSP}JPY"),
        (1234567, "KWD", "en-US", "KWD1,234.567"),
        (1234567, "KWD", "en-GB", "KWD1,234.567"),
        (1234567, "KWD", "de-DE", f"1.234,567{NBSP}KWD"),
        (1234567, "KWD", "nl-NL", f"KWD{NBSP}1.234,567"),
        (1234567, "KWD", "sv-SE", f"1{NBSP}234,567{NBSP}KWD"),
        (100000000, "SEK", "sv-SE", f"1{NBSP}000{NBSP}000,00{NBSP}kr"),
        (12345, "CLF", "en-US", "CLF1.2345"),
    ],
)
def test_amounts_are_formatted_for_the_locale(minor: int, currency: str, locale: str, expected: str) -> None:
    assert format_money(minor, currency, locale) == expected


def test_locale_may_use_an_underscore() -> None:
    assert format_money(21430, "EUR", "de_DE") == format_money(21430, "EUR", "de-DE")


def test_money_formats_itself() -> None:
    assert Money(21430, "EUR").format("de-DE") == f"214,30{NBSP}€"


def test_formatting_an_unknown_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrency):
        format_money(100, "EURO", "en-US")


_CURRENCIES = st.sampled_from(["EUR", "USD", "SEK", "JPY", "KRW", "KWD", "BHD", "CLF"])


@given(minor=st.integers(), currency=_CURRENCIES)
def test_from_decimal_round_trips_to_decimal(minor: int, currency: str) -> None:
    money = Money(minor, currency)
    assert Money.from_decimal(money.to_decimal(), currency) == money
    assert Money.from_decimal(str(money.to_decimal()), currency) == money


@given(minor=st.integers(min_value=-(10**12), max_value=10**12), currency=_CURRENCIES)
def test_to_decimal_has_exactly_the_currency_exponent(minor: int, currency: str) -> None:
    assert Money(minor, currency).to_decimal().as_tuple().exponent == -exponent(currency)
