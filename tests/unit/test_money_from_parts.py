"""Money.from_parts: whole units and cents, as a voice amount arrives and a typed one is read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.domain.errors import InvalidAmount, UnknownCurrency
from skill.domain.money import Money, exponent


@pytest.mark.parametrize(
    ("whole", "cents", "currency", "minor"),
    [
        (12, 50, "EUR", 1250),
        (12, 5, "EUR", 1205),  # "twelve euros five cents", not 12.50
        (0, 99, "EUR", 99),
        (45, 0, "EUR", 4500),
        (0, 0, "EUR", 0),  # zero is an amount; whether it may be paid is the payment terms' call
        (1200, 0, "JPY", 1200),
        (3, 250, "KWD", 3250),
        (3, 5, "KWD", 3005),
        (0, 999, "KWD", 999),
    ],
)
def test_from_parts_scales_the_whole_units_by_the_currency_exponent(
    whole: int, cents: int, currency: str, minor: int
) -> None:
    assert Money.from_parts(whole, cents, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("cents", "currency"),
    [(100, "EUR"), (150, "EUR"), (1, "JPY"), (50, "JPY"), (1000, "KWD")],
)
def test_from_parts_refuses_cents_the_currency_has_no_room_for(cents: int, currency: str) -> None:
    with pytest.raises(InvalidAmount):
        Money.from_parts(3, cents, currency)


@pytest.mark.parametrize(("whole", "cents"), [(-1, 0), (0, -1), (-3, -50)])
def test_from_parts_refuses_a_negative_part(whole: int, cents: int) -> None:
    with pytest.raises(InvalidAmount):
        Money.from_parts(whole, cents, "EUR")


@pytest.mark.parametrize(
    ("whole", "cents"), [(1.5, 0), (1, 0.5), ("12", 0), (12, "50"), (True, 0), (1, None)]
)
def test_from_parts_refuses_what_is_not_an_integer(whole: object, cents: object) -> None:
    with pytest.raises(InvalidAmount):
        Money.from_parts(whole, cents, "EUR")  # type: ignore[arg-type]


def test_from_parts_refuses_an_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency):
        Money.from_parts(1, 0, "EURO")


@given(
    minor=st.integers(min_value=0, max_value=10**15), currency=st.sampled_from(["EUR", "JPY", "KWD", "CLF"])
)
def test_from_parts_of_an_amount_split_at_its_exponent_is_that_amount(minor: int, currency: str) -> None:
    whole, cents = divmod(minor, 10 ** exponent(currency))
    assert Money.from_parts(whole, cents, currency) == Money(minor, currency)
