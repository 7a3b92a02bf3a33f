"""What a payment request, reminder, receipt or one-time code says, per locale, as SMS and as email."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..domain.branding import DEFAULT_BRAND_NAME, palette_for
from ..domain.i18n import overlay
from ..domain.money import format_money
from ..domain.receipts import PaidWith

LOCALES_DIR = Path(__file__).with_name("locales")
KINDS = ("payment_request", "reminder", "receipt", "otp", "account_changed", "invoice_copy")
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


@lru_cache(maxsize=4096)
def _due_date(iso_date: str, locale: str) -> str:
    """A billing run sends thousands of messages about a handful of due dates: each is formatted once."""
    from babel.dates import format_date

    return str(format_date(date.fromisoformat(iso_date), format="medium", locale=locale.replace("-", "_")))


def _fields(kind: str, locale: str, payload: dict[str, Any], base_url: str) -> dict[str, str]:
    url = payload.get("url") or (base_url.rstrip("/") + str(payload["path"]) if payload.get("path") else "")
    fields = {"biller": str(payload.get("biller", "")), "url": str(url)}
    if "amount_minor" in payload:
        fields["amount"] = format_money(int(payload["amount_minor"]), str(payload["currency"]), locale)
    if payload.get("due_date"):
        fields["due_date"] = _due_date(str(payload["due_date"]), locale)
    if kind == "account_changed":  # what changed, in the locale's words (services/account_security.CHANGES)
        fields["change"] = str(strings(locale)["account_changed"]["changes"][str(payload["change"])])
    if kind == "receipt":
        fields.update(_receipt_fields(locale, payload))
    if kind == "invoice_copy":  # a bill sent again on request (services/billing/invoice_copies.py)
        fields["invoice_number"] = str(payload.get("invoice_number") or "")
    if kind in ("otp", "account_changed"):  # the deployment's name, chosen when queued (docs/operations.md)
        fields["brand_name"] = str(payload.get("brand_name") or DEFAULT_BRAND_NAME)
    if kind == "otp":
        fields["code"] = str(payload["code"])
        fields["minutes"] = str(payload.get("ttl_minutes", 10))
    return fields


def _receipt_fields(locale: str, payload: dict[str, Any]) -> dict[str, str]:
    """Reference, method ("Visa ending 4242"), date and invoice number, each only when the payload has it."""
    from babel.dates import format_date

    fields = {key: str(payload.get(key) or "") for key in ("reference", "invoice_number")}
    if payload.get("method_kind"):
        method = PaidWith(
            str(payload["method_kind"]), payload.get("method_brand"), payload.get("method_last4")
        )
        wording = strings(locale)["receipt"]["methods"][method.label_key]
        fields["method"] = wording.format(brand=method.brand_name, last4=method.last4 or "")
    if payload.get("paid_at"):
        paid = datetime.fromisoformat(str(payload["paid_at"])).date()
        fields["date"] = format_date(paid, format="long", locale=locale.replace("-", "_"))
    return {key: value for key, value in fields.items() if value}


_HTML = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{subject}</title></head>
<body style="font-family:sans-serif;line-height:1.5;color:#1a1a1a">
{logo}<h1 style="font-size:20px">{heading}</h1>
{paragraphs}
{action}
<p style="color:#666;font-size:12px">{footer}</p>
</body></html>
"""


def _sms(words: dict[str, Any], fields: dict[str, str]) -> str:
    return str(words["sms"]).format(**fields).translate(_SMS_SPACES).strip()


def _fits_one_sms(text: str) -> bool:
    septets = gsm7_septets(text)
    return septets is not None and septets <= SMS_LIMIT


def _email_brand(payload: dict[str, Any], base_url: str) -> tuple[str, str, str]:
    """The biller's logo (an <img>, or nothing) and the button's colours: its brand colour where the text on it
    reaches WCAG AA contrast (skill/domain/branding.py), else the product's blue."""
    palette = palette_for(str(payload.get("brand_colour") or ""))
    button, ink = (palette.background, palette.ink) if palette else ("#0a58ca", "#ffffff")
    src = str(payload.get("logo_url") or "")
    if src.startswith("/") and base_url:
        src = base_url.rstrip("/") + src
    if not src.startswith("https://") and not (base_url and src.startswith(base_url)):
        return "", button, ink
    logo = (
        f'<p><img src="{html.escape(src)}" alt="{html.escape(str(payload.get("biller", "")))}" '
        f'width="160" height="40" style="display:block;object-fit:contain;border:0"></p>\n'
    )
    return logo, button, ink


def render(kind: str, locale: str, payload: dict[str, Any], *, base_url: str = "") -> Rendered:
    """Only the biller, the amount, the due date, the link (or the code) appear: no names, no addresses.

    A receipt adds its reference, method, date and invoice number. A payload's `path` becomes the link,
    joined to `base_url` (PUBLIC_BASE_URL), when it carries no absolute `url`.
    """
    if kind not in KINDS:
        raise UnknownMessageKind(kind)
    texts = strings(locale)
    words = texts[kind]
    fields = _fields(kind, locale, payload, base_url)
    lines = [words["body"].format(**fields)]
    if "due" in words and "due_date" in fields:
        lines.append(words["due"].format(**fields))
    for field, line in words.get("details", {}).items():  # a receipt's reference, method, date, invoice
        if field in fields:
            lines.append(line.format(**fields))
    url = fields["url"]
    text_parts = [words["heading"].format(**fields), *lines]
    action_html = ""
    logo, button, ink = _email_brand(payload, base_url)
    if url and "action" in words:
        label = words["action"].format(**fields)
        text_parts.append(f"{label}: {url}")
        action_html = (
            f'<p><a href="{html.escape(url)}" style="background:{button};color:{ink};padding:10px 16px;'
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
        logo=logo,
        footer=html.escape(texts["footer"]),
    )
    sms = _sms(words, fields)
    if fields.get("brand_name", DEFAULT_BRAND_NAME) != DEFAULT_BRAND_NAME and not _fits_one_sms(sms):
        sms = _sms(words, {**fields, "brand_name": DEFAULT_BRAND_NAME})  # a long name must not split the SMS
    return Rendered(subject=subject, text="\n\n".join(text_parts) + "\n", html=page, sms=sms)
