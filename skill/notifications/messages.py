"""What a payment request, reminder, receipt or one-time code says, per locale, as SMS and as email."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..domain.i18n import overlay
from ..domain.money import format_money

LOCALES_DIR = Path(__file__).with_name("locales")
KINDS = ("payment_request", "reminder", "receipt", "otp", "account_changed")
SMS_LIMIT = 160

# GSM 03.38: the default alphabet (one septet each) and its extension table (two septets each).
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
# Babel puts no-break spaces in amounts ("12,34 €"); they are not GSM-7 and would force a 70-character UCS-2 SMS.
_SMS_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


class UnknownMessageKind(ValueError):
    """The outbox holds a kind that has no wording: a programming error, never worth a retry."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


def gsm7_septets(text: str) -> int | None:
    """How many GSM-7 septets `text` needs, or None if it needs UCS-2 (and so fits only 70 per SMS)."""
    count = 0
    for char in text:
        if char in _GSM7_BASIC:
            count += 1
        elif char in _GSM7_EXTENDED:
            count += 2
        else:
            return None
    return count


def strings(locale: str) -> dict[str, Any]:
    """The base language's file (English when there is none) overlaid by the full locale's file, loaded once."""
    return overlay(LOCALES_DIR, locale, fallback_language="en")


def _fields(kind: str, locale: str, payload: dict[str, Any]) -> dict[str, str]:
    from babel.dates import format_date

    babel_locale = locale.replace("-", "_")
    fields = {"biller": str(payload.get("biller", "")), "url": str(payload.get("url", ""))}
    if "amount_minor" in payload:
        fields["amount"] = format_money(int(payload["amount_minor"]), str(payload["currency"]), locale)
    if payload.get("due_date"):
        due = date.fromisoformat(str(payload["due_date"]))
        fields["due_date"] = format_date(due, format="medium", locale=babel_locale)
    if kind == "account_changed":  # what changed, in the locale's words (services/account_security.CHANGES)
        fields["change"] = str(strings(locale)["account_changed"]["changes"][str(payload["change"])])
    if kind == "otp":
        fields["code"] = str(payload["code"])
        fields["minutes"] = str(payload.get("ttl_minutes", 10))
    return fields


_HTML = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{subject}</title></head>
<body style="font-family:sans-serif;line-height:1.5;color:#1a1a1a">
<h1 style="font-size:20px">{heading}</h1>
{paragraphs}
{action}
<p style="color:#666;font-size:12px">{footer}</p>
</body></html>
"""


def render(kind: str, locale: str, payload: dict[str, Any]) -> Rendered:
    """Only the biller, the amount, the due date, the link (or the code) appear: no names, no addresses."""
    if kind not in KINDS:
        raise UnknownMessageKind(kind)
    texts = strings(locale)
    words = texts[kind]
    fields = _fields(kind, locale, payload)
    lines = [words["body"].format(**fields)]
    if "due" in words and "due_date" in fields:
        lines.append(words["due"].format(**fields))
    url = fields["url"]
    text_parts = [words["heading"].format(**fields), *lines]
    action_html = ""
    if url and "action" in words:
        label = words["action"].format(**fields)
        text_parts.append(f"{label}: {url}")
        action_html = (
            f'<p><a href="{html.escape(url)}" style="background:#0a58ca;color:#fff;padding:10px 16px;'
            f'text-decoration:none;border-radius:4px">{html.escape(label)}</a></p>\n'
            f"<p>{html.escape(texts['link_hint'])}<br>{html.escape(url)}</p>"
        )
    text_parts.append(texts["footer"])
    subject = words["subject"].format(**fields)
    page = _HTML.format(
        lang=html.escape(locale),
        subject=html.escape(subject),
        heading=html.escape(words["heading"].format(**fields)),
        paragraphs="\n".join(f"<p>{html.escape(line)}</p>" for line in lines),
        action=action_html,
        footer=html.escape(texts["footer"]),
    )
    sms = words["sms"].format(**fields).translate(_SMS_SPACES).strip()
    return Rendered(subject=subject, text="\n\n".join(text_parts) + "\n", html=page, sms=sms)
