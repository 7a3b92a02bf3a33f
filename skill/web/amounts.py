"""Amounts typed on a page ("45,60" in German, "45.60" in English) read exactly into minor units."""

from __future__ import annotations

import re
from decimal import Decimal

from ..domain.errors import InvalidAmount
from ..domain.money import Money

# ASCII digits with the separators CLDR uses for grouping and decimals; no sign, exponent, NaN or Infinity
# (Babel's parser reads "1e9", "NaN" and full-width digits, none of which a person types as an amount).
_TYPED_AMOUNT = re.compile(r"[0-9][0-9 .,'\u2019\u202f]*")


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
    if not _TYPED_AMOUNT.fullmatch(text):
        raise InvalidAmount("amount must be digits and separators")
    try:
        value: Decimal = parse_decimal(text, locale=locale.replace("-", "_"), strict=True)
    except NumberFormatError:
        raise InvalidAmount(f"{text!r} is not an amount") from None
    if not value.is_finite() or value <= 0:
        raise InvalidAmount("amount must be positive")
    return Money.from_decimal(value, currency).amount_minor
