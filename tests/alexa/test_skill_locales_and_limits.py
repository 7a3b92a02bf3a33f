"""Every locale speaks every line; responses stay inside Alexa's limits whatever the number of bills."""

from __future__ import annotations

import json
import re
import string

import pytest

from skill.alexa.i18n import LOCALES_DIR, strings
from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.settings import ALEXA_LOCALES
from tests.alexa.conftest import add_bills
from tests.alexa.driver import AlexaClient, slot


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("locale", ALEXA_LOCALES)
def test_every_locale_has_every_string_with_the_same_placeholders(locale: str) -> None:
    base = strings("en-US")
    localized = strings(locale)
    assert set(base) == set(localized), set(base) ^ set(localized)
    for key, text in base.items():
        assert _fields(str(text)) == _fields(str(localized[key])), key


def test_string_files_are_valid_json_objects() -> None:
    for path in LOCALES_DIR.glob("**/*.json"):
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict), path.name


def test_no_string_is_defined_in_two_files_of_one_locale() -> None:
    """Area files (`locales/<area>/<language>.json`) add strings; they never silently replace another file's."""
    names = {path.name for path in LOCALES_DIR.glob("**/*.json")}
    for name in names:
        seen: dict[str, str] = {}
        for path in sorted(LOCALES_DIR.glob(f"**/{name}")):
            for key in json.loads(path.read_text(encoding="utf-8")):
                assert key not in seen, f"{key} in {seen.get(key)} and {path.relative_to(LOCALES_DIR)}"
                seen[key] = str(path.relative_to(LOCALES_DIR))


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("de-DE", "Sie haben 3 offene Rechnungen, davon eine überfällig, insgesamt 259,90 €."),
        ("nl-NL", "U hebt 3 openstaande rekeningen, waarvan één achterstallig, in totaal € 259,90."),
        ("en-GB", "You have 3 open bills, one of them overdue, €259.90 in total."),
    ],
)
def test_launch_speaks_the_locale_with_local_money_format(
    alexa: AlexaClient, locale: str, expected: str
) -> None:
    alexa.locale = locale
    alexa.launch()
    assert expected in alexa.speech  # the driver folds Babel's no-break spaces into plain ones


def test_german_bill_list_and_details(alexa: AlexaClient) -> None:
    alexa.locale = "de-DE"
    alexa.intent("ListBillsIntent", slot("billType", "Wasser", "water"))
    assert "Ihre Wasserrechnung von Aqua Pura" in alexa.speech
    assert "ist überfällig" in alexa.speech


def test_dutch_confirmation_restates_biller_amount_and_method(alexa: AlexaClient) -> None:
    alexa.locale = "nl-NL"
    alexa.intent("PayBillIntent", slot("billType", "stroom", "electricity"))
    assert "Ter bevestiging: € 94,30 betalen voor uw energierekening van Northwind Energy" in alexa.speech
    assert "uw Visa eindigend op 4242" in alexa.speech


def test_five_hundred_bills_stay_within_alexa_limits(
    services: Services, demo: DemoSummary, alexa: AlexaClient
) -> None:
    add_bills(services, demo, 500)
    for turn in (
        alexa.launch,
        lambda: alexa.intent("ListBillsIntent"),
        lambda: alexa.intent("AMAZON.MoreIntent"),
    ):
        turn()
        assert len(alexa.ssml) < 8000
        assert len(json.dumps(alexa.last).encode()) < 24 * 1024
        assert len(re.findall(r"<say-as", alexa.ssml)) <= 3
