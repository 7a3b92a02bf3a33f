"""Amounts typed on a page ("45,60" in German, "45.60" in English) read exactly into minor units."""

from __future__ import annotations

from decimal import Decimal

from ..domain.errors import InvalidAmount
from ..domain.money import Money


def parse_amount(raw: object, currency: object, locale: str) -> int | None:
    """Minor units of what the customer typed, or None when nothing was typed (pay what the link asks).

    Raises InvalidAmount for anything that is not a plain positive amount in the page's locale.
    """
    from babel.numbers import NumberFormatError, parse_decimal

    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str) or not isinstance(currency, str) or len(raw) > 32:
        raise InvalidAmount("amount must be typed text")
    text = raw.strip().replace("\u00a0", " ")
    try:
        value: Decimal = parse_decimal(text, locale=locale.replace("-", "_"), strict=True)
    except NumberFormatError:
        raise InvalidAmount(f"{text!r} is not an amount") from None
    if value <= 0:
        raise InvalidAmount("amount must be positive")
    return Money.from_decimal(value, currency).amount_minor
