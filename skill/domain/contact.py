"""A biller's route to a person: phone, email, web page and opening hours, each optional, and the rules for them.

The biller sets them through the API (PUT /api/v1/biller/contact); the voice skill reads them aloud for "I want to
talk to someone". Stored on the biller row; opening hours as JSON (`hours_to_json` / `hours_from_json`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any
from urllib.parse import urlsplit

from .errors import InvalidInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
MAX_URL = 500
MAX_EMAIL = 320
MAX_HOURS = 7
_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")  # E.164: a plus, a country code, at most 15 digits
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")  # fmt: skip
_URL_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


@dataclass(frozen=True)
class OpeningHours:
    """Some weekdays, open from `opens` to `closes` (local time of the biller)."""

    days: tuple[str, ...]  # of WEEKDAYS, in week order
    opens: time
    closes: time


@dataclass(frozen=True)
class ContactRoute:
    phone: str | None = None  # E.164
    email: str | None = None
    url: str | None = None  # an https page
    hours: tuple[OpeningHours, ...] = ()  # when the phone line is staffed

    @property
    def configured(self) -> bool:
        return bool(self.phone or self.email or self.url)


def check_phone(raw: str) -> str:
    """E.164 ("+31201234567"); spaces, dashes, dots and brackets people write are dropped first."""
    digits = re.sub(r"[\s\-.()]", "", raw) if isinstance(raw, str) else ""
    if not _PHONE.fullmatch(digits):
        raise InvalidInput("phone must be an international number, e.g. +31201234567", field="phone")
    return digits


def check_email(raw: str) -> str:
    if not isinstance(raw, str) or len(raw) > MAX_EMAIL or not _EMAIL.fullmatch(raw):
        raise InvalidInput("email must be an email address", field="email")
    return raw


def check_url(raw: str) -> str:
    """An https page with a plain host name and no credentials, at most MAX_URL characters."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_URL or not _URL_CHARS.fullmatch(raw):
        raise InvalidInput(f"url must be an https URL of at most {MAX_URL} characters", field="url")
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.hostname:
        raise InvalidInput("url must be an https URL", field="url")
    if parts.username or parts.password:
        raise InvalidInput("url must not carry credentials", field="url")
    if parts.port is not None or not _HOST.fullmatch(parts.netloc.lower()):
        raise InvalidInput("url must name a public host name before its path", field="url")
    return raw


def check_hours(raw: object) -> tuple[OpeningHours, ...]:
    """[{"days": ["mon", ...], "opens": "08:00", "closes": "18:00"}, ...]: each day in one entry at most."""
    if not isinstance(raw, list) or len(raw) > MAX_HOURS:
        raise InvalidInput(f"hours is a list of at most {MAX_HOURS} entries", field="hours")
    found: list[OpeningHours] = []
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"days", "opens", "closes"}:
            raise InvalidInput("each hours entry has days, opens and closes", field="hours")
        days = item["days"]
        if not isinstance(days, list) or not days or not all(d in WEEKDAYS for d in days):
            raise InvalidInput(f"days are some of {', '.join(WEEKDAYS)}", field="hours")
        if len(set(days)) != len(days) or seen & set(days):
            raise InvalidInput("each day appears in one hours entry only", field="hours")
        seen.update(days)
        opens, closes = _clock(item["opens"]), _clock(item["closes"])
        if opens >= closes:
            raise InvalidInput("opens must be before closes", field="hours")
        found.append(OpeningHours(tuple(sorted(days, key=WEEKDAYS.index)), opens, closes))
    return tuple(sorted(found, key=lambda h: WEEKDAYS.index(h.days[0])))


def _clock(raw: object) -> time:
    if not isinstance(raw, str) or not _CLOCK.fullmatch(raw):
        raise InvalidInput("opens and closes are times as HH:MM (24-hour)", field="hours")
    return time(int(raw[:2]), int(raw[3:]))


def hours_to_json(hours: tuple[OpeningHours, ...]) -> list[dict[str, Any]]:
    return [{"days": list(h.days), "opens": f"{h.opens:%H:%M}", "closes": f"{h.closes:%H:%M}"} for h in hours]


def hours_from_json(raw: object) -> tuple[OpeningHours, ...]:
    """The stored hours (None: none); raises InvalidInput if the stored value is not valid hours."""
    return () if raw is None else check_hours(raw)


def day_runs(days: tuple[str, ...]) -> list[tuple[str, str]]:
    """Consecutive weekdays as (first, last) runs: mon..fri and sun -> [("mon", "fri"), ("sun", "sun")]."""
    runs: list[tuple[str, str]] = []
    for day in days:
        if runs and WEEKDAYS.index(day) == WEEKDAYS.index(runs[-1][1]) + 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs
