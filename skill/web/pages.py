"""Page localization and rendering: strings per language (en, de, nl, sv), the locale chosen per request.

The customer's own locale wins (it is known from the link or the session); otherwise the browser's
Accept-Language; otherwise the configured default. Amounts go through skill.domain.money.format_money and
dates through Babel, so both follow CLDR for the chosen locale.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask import render_template, request
from markupsafe import Markup, escape

from ..domain.branding import Brand
from ..domain.i18n import overlay
from ..domain.model import MethodKind
from ..domain.money import format_money
from ..domain.receipts import PaidWith
from ..services.payments.mandates import MethodView
from ..settings import SUPPORTED_LOCALES
from .app_services import current_services
from .headers import allow_image_origin

LOCALES_DIR = Path(__file__).with_name("locales")
# Accept-Language tags we match, each mapped to the locale we render: full tags first, then bare languages.
_ACCEPTED = {tag: tag for tag in SUPPORTED_LOCALES} | {
    tag.split("-")[0]: tag for tag in reversed(SUPPORTED_LOCALES)
}


def page_strings(language: str) -> dict[str, str]:
    """The strings of one language (en, de, nl, sv) with its areas' files (auth/, ...), loaded once per process."""
    return overlay(LOCALES_DIR, language, areas=True)


def choose_locale(customer_locale: str | None = None) -> str:
    """The customer's locale if we support it, else the best Accept-Language match, else the default."""
    if customer_locale in SUPPORTED_LOCALES:
        return customer_locale
    match = request.accept_languages.best_match(list(_ACCEPTED))
    if match:
        return _ACCEPTED[match]
    default: str = current_services().settings.default_locale
    return default


class PageText:
    """`t("key", name=...)` in templates and views: the localized text with `{name}` filled in (escaped)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.lang = locale.split("-")[0]
        self._strings = page_strings(self.lang)

    def __call__(self, key: str, **values: Any) -> Markup:
        try:
            text = self._strings[key]
        except KeyError:
            raise KeyError(f"missing page string {key!r} for {self.lang}") from None
        return escape(text).format(**values)  # Markup.format escapes every value

    def has(self, key: str) -> bool:
        return key in self._strings

    def method_label(self, method: MethodView) -> str:
        """ "Visa ending 4242" / "IBAN ending 3000" in the page's language."""
        if method.kind is MethodKind.SEPA_DEBIT:
            return str(self("wallet.iban_label", last4=method.last4))
        brand = (method.brand or "card").replace("_", " ").title()
        return str(self("wallet.card_label", brand=brand, last4=method.last4))

    def paid_with(self, method: PaidWith) -> str:
        """ "Visa ending 4242" / "SEPA Direct Debit ending 3000" / "iDEAL": how a receipt names the method."""
        key = f"receipt.method_{method.label_key}"
        return str(self(key, brand=method.brand_name, last4=method.last4 or ""))

    def money(self, amount_minor: int, currency: str) -> str:
        return format_money(amount_minor, currency, self.locale)

    def date(self, day: date) -> str:
        from babel.dates import format_date

        return str(format_date(day, format="long", locale=self.locale.replace("-", "_")))


def render_page(template: str, locale: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a page of base.html in `locale`: `t` (PageText) and `lang` are available to the template."""
    text = PageText(locale)
    brand = page_brand(context)
    if brand is not None and brand.logo_origin:
        allow_image_origin(brand.logo_origin)
    return render_template(template, t=text, lang=text.lang, brand=brand, **context), status


def page_brand(context: dict[str, Any]) -> Brand | None:
    """The biller brand the page wears: the one given, else that of the bill or wallet view it shows (one biller)."""
    given = context.pop("brand", None)
    if isinstance(given, Brand):
        return given
    for name in ("page", "bill", "view"):
        found = getattr(context.get(name), "brand", None)
        if isinstance(found, Brand):
            return found
    return None


def render_message(locale: str, key: str, status: int, **context: Any) -> tuple[str, int]:
    """A page that only explains something: `<key>.title` and `<key>.body` from the strings."""
    return render_page("message.html", locale, status, message=key, **context)
