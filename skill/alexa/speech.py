"""SSML helpers: escaping, amounts formatted for the locale, dates as say-as, and Alexa's size limits."""

from __future__ import annotations

from datetime import date

from ..domain.money import format_money

# https://developer.amazon.com/en-US/docs/alexa/custom-skills/request-and-response-json-reference.html
MAX_SPEECH_CHARS = 8000
MAX_CARD_CHARS = 8000
MAX_RESPONSE_BYTES = 24 * 1024


def text(value: str) -> str:
    """Escape text from the store (biller names, descriptions) before it goes into SSML."""
    # What xml.sax.saxutils.escape(value, {'"': "&quot;"}) does, without importing xml.sax, which pulls in
    # urllib.request and http.client on the cold start.
    return value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace('"', "&quot;")


def money(amount_minor: int, currency: str, locale: str) -> str:
    return text(format_money(amount_minor, currency, locale))


def say_date(value: date, today: date) -> str:
    """A date read naturally: without the year when it is this year.

    https://developer.amazon.com/en-US/docs/alexa/custom-skills/speech-synthesis-markup-language-ssml-reference.html#say-as
    """
    digits = f"????{value:%m%d}" if value.year == today.year else f"{value:%Y%m%d}"
    return f'<say-as interpret-as="date">{digits}</say-as>'


def plain_date(value: date, locale: str) -> str:
    """A date for cards (text, not speech), in the locale's medium format."""
    from babel.dates import format_date

    return str(format_date(value, format="medium", locale=locale.replace("-", "_")))


def sentence(value: str) -> str:
    """The text with its first letter (outside SSML tags) in upper case: a sentence that opens with a
    placeholder ("{name}: ...", where name is "your water bill" or "uw waterrekening") still starts with a capital.
    """
    in_tag = False
    for index, char in enumerate(value):
        if char == "<":
            in_tag = True
        elif char == ">":
            in_tag = False
        elif not in_tag and char.isalpha():
            return value[:index] + char.upper() + value[index + 1 :]
    return value


def ssml(body: str) -> str:
    if len(body) > MAX_SPEECH_CHARS - len("<speak></speak>"):
        raise ValueError(f"speech too long for Alexa ({len(body)} characters)")
    return f"<speak>{body}</speak>"


def clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
