"""Money as integer minor units with an ISO 4217 currency; display through Babel."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .errors import CurrencyMismatch, InvalidAmount, UnknownCurrency

# Active ISO 4217 codes and their minor-unit exponents (ISO 4217 amendment 176+).
# Everything not listed in _EXPONENT_OVERRIDES has exponent 2.
_ISO_4217 = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BOV",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHE",
        "CHF",
        "CHW",
        "CLF",
        "CLP",
        "CNY",
        "COP",
        "COU",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MXV",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "USN",
        "UYI",
        "UYU",
        "UYW",
        "UZS",
        "VED",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XCG",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
    ]
)
_EXPONENT_OVERRIDES = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


def normalize_currency(code: object) -> str:
    """Return the upper-case ISO 4217 code, or raise UnknownCurrency."""
    if not isinstance(code, str) or code.upper() not in _ISO_4217:
        raise UnknownCurrency(f"unknown currency {code!r}", currency=code)
    return code.upper()


def exponent(currency: str) -> int:
    """Minor-unit exponent of a currency: EUR 2, JPY 0, KWD 3."""
    return _EXPONENT_OVERRIDES.get(normalize_currency(currency), 2)


def require_minor_units(value: object, *, positive: bool = True) -> int:
    """Accept only a real int (never bool, float or Decimal) as an amount in minor units."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(f"amount must be an integer number of minor units, got {value!r}")
    if positive and value <= 0:
        raise InvalidAmount(f"amount must be greater than zero, got {value}", amount=value)
    if not positive and value < 0:
        raise InvalidAmount(f"amount must not be negative, got {value}", amount=value)
    return value


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: integer minor units plus an ISO 4217 currency."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise InvalidAmount(f"amount must be integer minor units, got {self.amount_minor!r}")
        object.__setattr__(self, "currency", normalize_currency(self.currency))

    @classmethod
    def from_decimal(cls, amount: Decimal | str, currency: str) -> Money:
        """Parse a major-unit decimal ("12.50") exactly; more precision than the currency has is refused."""
        exp = exponent(currency)
        if isinstance(amount, float):  # a float has already lost exactness; refuse it like the columns do
            raise InvalidAmount(f"amount must be a Decimal or a string, not a float ({amount!r})")
        try:
            value = Decimal(amount)
        except (InvalidOperation, TypeError, ValueError):
            raise InvalidAmount(f"{amount!r} is not a decimal amount") from None
        if not value.is_finite():
            raise InvalidAmount(f"{amount!r} is not a finite amount")
        # Integer arithmetic on the digits: Decimal.scaleb would round to the context's 28 digits.
        sign, digits, power = value.as_tuple()
        coefficient = int("".join(map(str, digits))) * 10 ** max(0, int(power))
        places = max(0, -int(power))  # digits after the decimal point
        whole, fraction = divmod(coefficient, 10**places)
        if places > exp:
            fraction, rest = divmod(fraction, 10 ** (places - exp))
            if rest:
                raise InvalidAmount(f"{amount} has more decimals than {currency} allows")
            places = exp
        money = cls.from_parts(whole, fraction * 10 ** (exp - places), currency)
        return cls(-money.amount_minor, money.currency) if sign else money

    @classmethod
    def from_parts(cls, whole: int, cents: int, currency: str) -> Money:
        """Whole units and the minor units after them: (12, 50, "EUR") is 12.50 EUR, (1, 250, "KWD") 1.250 KWD.

        How a spoken amount arrives (a number for each part), and how a typed one is read (from_decimal).
        Refuses a part that is negative or not an int, and cents the currency has no room for (150 in EUR,
        any in JPY).
        """
        exp = exponent(currency)
        for part in (whole, cents):
            if isinstance(part, bool) or not isinstance(part, int) or part < 0:
                raise InvalidAmount(
                    f"the parts of an amount must be whole numbers of at least 0, got {part!r}"
                )
        if cents >= 10**exp:
            raise InvalidAmount(f"{currency} has {exp} minor digits, {cents} does not fit", cents=cents)
        return cls(whole * 10**exp + cents, currency)

    def to_decimal(self) -> Decimal:
        return _major_units(self.amount_minor, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot combine {self.currency} with {other.currency}",
                expected=self.currency,
                got=other.currency,
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def format(self, locale: str) -> str:
        """Locale display, e.g. '€214.30' (en_US) or '214,30 €' (de_DE)."""
        return format_money(self.amount_minor, self.currency, locale)

    def __str__(self) -> str:
        return f"{self.to_decimal()} {self.currency}"


def format_money(amount_minor: int, currency: str, locale: str) -> str:
    """Format minor units for a locale ("en-US" or "en_US") with CLDR's currency digits, never rounding."""
    # Babel's data is loaded only when an amount is shown, not at import (Alexa cold start).
    from babel.numbers import format_currency

    amount = _major_units(amount_minor, currency)
    # decimal_quantization=False keeps every ISO digit where CLDR shows fewer (never round money away).
    return str(format_currency(amount, currency, locale=locale.replace("-", "_"), decimal_quantization=False))


def _major_units(amount_minor: int, currency: str) -> Decimal:
    """Exact major units: built from the digits, never through context rounding (28 digits)."""
    digits = tuple(int(d) for d in str(abs(amount_minor)))
    return Decimal((int(amount_minor < 0), digits, -exponent(currency)))
