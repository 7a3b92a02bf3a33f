"""Which payment methods the payment-link page offers for a bill: one rule, from Stripe's availability pages.

- Cards: every currency we bill in.
- SEPA Direct Debit: EUR only, debiting EUR accounts in the SEPA region (https://docs.stripe.com/payments/sepa-debit).
  We offer it for billers located in a SEPA country.
- iDEAL: EUR only, a Dutch bank redirect (https://docs.stripe.com/payments/ideal): billers in NL.

`enabled` is what the Stripe account has switched on (STRIPE_PAYMENT_METHOD_TYPES): the rule only narrows it.
"""

from __future__ import annotations

# SEPA-scheme countries: the EU 27, the EEA's IS, LI, NO, and CH, GB, AD, MC, SM, VA (newer members such as
# AL, MD, ME and MK are left out until a biller there needs them).
SEPA_COUNTRIES = frozenset(
    {
        *("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"),
        *("IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"),
        *("IS", "LI", "NO", "CH", "GB", "AD", "MC", "SM", "VA"),
    }
)
PAGE_METHODS = ("card", "sepa_debit", "ideal")  # what the payment page knows how to confirm, in display order


def offered_methods(*, country: str, currency: str, enabled: tuple[str, ...]) -> tuple[str, ...]:
    """The methods to offer for a bill of a biller in `country` (ISO 3166) billed in `currency` (ISO 4217)."""
    country, currency = country.upper(), currency.upper()
    eligible = {
        "card": True,
        "sepa_debit": currency == "EUR" and country in SEPA_COUNTRIES,
        "ideal": currency == "EUR" and country == "NL",
    }
    return tuple(method for method in PAGE_METHODS if method in enabled and eligible[method])
