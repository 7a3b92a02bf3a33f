"""Localized strings from JSON files: a base-language file overlaid by a full-locale file, loaded once per process.

Voice (skill/alexa/locales), pages (skill/web/locales) and messages (skill/notifications/locales) keep their own
files and load them through `overlay`. Pure Python (json + pathlib) so the Alexa cold start stays light.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any


@cache
def overlay(
    directory: Path, locale: str, *, fallback_language: str | None = None, areas: bool = False
) -> dict[str, Any]:
    """The strings for `locale` ("en-GB", or a bare language "en") from the files in `directory`.

    Read in order, a later file winning key by key: `<language>.json` (`<fallback_language>.json` when the
    language has none), with `areas` every `<area>/<language>.json` (the pages' auth/, ...), then
    `<locale>.json` and with `areas` every `<area>/<locale>.json`. A value that is an object (a message with its parts) is merged one level down, so a
    locale file can change one part only. Raises LookupError when the files hold no strings at all.
    """
    language = locale.split("-")[0]
    base = directory / f"{language}.json"
    if not base.exists() and fallback_language is not None:
        base = directory / f"{fallback_language}.json"
    paths = [base]
    if areas:
        paths.extend(sorted(directory.glob(f"*/{language}.json")))
    if locale != language:
        paths.append(directory / f"{locale}.json")
        if areas:
            paths.extend(sorted(directory.glob(f"*/{locale}.json")))
    merged: dict[str, Any] = {}
    for path in paths:
        if path.exists():
            for key, value in json.loads(path.read_text(encoding="utf-8")).items():
                current = merged.get(key)
                merged[key] = (
                    {**current, **value} if isinstance(value, dict) and isinstance(current, dict) else value
                )
    if not merged:
        raise LookupError(f"no strings for locale {locale} in {directory}")
    return merged
