"""Localized strings: a base-language file overlaid by a full-locale file, loaded once per process."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from ..domain.i18n import overlay
from ..settings import ALEXA_LOCALES

LOCALES_DIR = Path(__file__).with_name("locales")
FALLBACK_LOCALE = "en-US"


def supported(locale: str | None) -> str:
    """The locale we answer in: the request's if we speak it, else the same language, else en-US."""
    if locale in ALEXA_LOCALES:
        return locale
    language = (locale or "").split("-")[0]
    for candidate in ALEXA_LOCALES:
        if candidate.startswith(language + "-"):
            return candidate
    return FALLBACK_LOCALE


def strings(locale: str) -> dict[str, Any]:
    """en.json and every <area>/en.json, overlaid by en-GB.json and <area>/en-GB.json, loaded once per process."""
    return overlay(LOCALES_DIR, locale, areas=True)


class Translator:
    """`t("key", name=...)` returns the localized text; a list of variants picks one for natural speech."""

    def __init__(self, locale: str, rng: random.Random | None = None) -> None:
        self.locale = supported(locale)
        self._strings = strings(self.locale)
        self._rng = rng or random.Random()

    def __call__(self, key: str, **values: Any) -> str:
        try:
            text = self._strings[key]
        except KeyError:
            raise KeyError(f"missing string {key!r} for {self.locale}") from None
        if isinstance(text, list):
            text = self._rng.choice(text)
        return str(text).format(**values)

    def has(self, key: str) -> bool:
        return key in self._strings

    def plural(self, key: str, count: int, **values: Any) -> str:
        form = "one" if count == 1 else "other"
        return self(f"{key}.{form}", count=count, **values)

    def join(self, items: list[str]) -> str:
        """'a, b and c' in the locale's words."""
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + self("list.and") + items[-1]


def request_locale(handler_input: Any, default: str = FALLBACK_LOCALE) -> str:
    """The locale of an Alexa request, as a plain string."""
    from ask_sdk_core.utils import get_locale

    raw = get_locale(handler_input)
    return raw if isinstance(raw, str) and raw else default
