"""The interaction models and manifest: one contract in four locales, in a form Alexa's model build accepts."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "skill.json").read_text(encoding="utf-8"))["manifest"]
LOCALES = sorted(MANIFEST["publishingInformation"]["locales"])
SLOT = re.compile(r"\{(\w+)\}")

# The contract the handlers are written against (skill/alexa/handlers): intent -> slot -> slot type.
CONTRACT: dict[str, dict[str, str]] = {
    "ListBillsIntent": {"billType": "BILL_TYPE", "biller": "BILLER_NAME", "billStatus": "BILL_STATUS"},
    "BillDetailsIntent": {"billType": "BILL_TYPE", "biller": "BILLER_NAME", "ordinal": "ORDINAL"},
    "PayBillIntent": {
        "billType": "BILL_TYPE",
        "biller": "BILLER_NAME",
        "ordinal": "ORDINAL",
        "amount": "AMAZON.NUMBER",
        "cents": "AMAZON.NUMBER",
        "amountKind": "AMOUNT_KIND",
        "method": "PAYMENT_METHOD",
    },
    "SendLinkIntent": {
        "billType": "BILL_TYPE",
        "biller": "BILLER_NAME",
        "ordinal": "ORDINAL",
        "channel": "CONTACT_CHANNEL",
    },
    "PaymentStatusIntent": {},
    "PaymentHistoryIntent": {},
    "VoicePinIntent": {"pin": "AMAZON.FOUR_DIGIT_NUMBER"},
    # issue 11: customer-service questions, totals and what is due next
    "TotalOwedIntent": {"biller": "BILLER_NAME"},
    "NextDueIntent": {"billType": "BILL_TYPE", "biller": "BILLER_NAME"},
    "AmountLeftIntent": {"billType": "BILL_TYPE", "biller": "BILLER_NAME", "ordinal": "ORDINAL"},
    "LatestInvoiceIntent": {"billType": "BILL_TYPE", "biller": "BILLER_NAME", "channel": "CONTACT_CHANNEL"},
    **{
        name: {"billType": "BILL_TYPE", "biller": "BILLER_NAME"}
        for name in (
            "ReminderIntent",
            "OverpaidIntent",
            "UnderpaidIntent",
            "WhyHigherIntent",
            "DisputeIntent",
            "PaymentPlanIntent",
        )
    },
    "ContactIntent": {"biller": "BILLER_NAME"},
    **{
        f"AMAZON.{name}Intent": {}
        for name in (
            *("Yes", "No", "Help", "Stop", "Cancel", "Fallback", "NavigateHome", "More"),
            "Repeat",
            "StartOver",
        )
    },
}
VALUE_IDS = {
    "BILL_TYPE": {
        "electricity",
        "gas",
        "water",
        "phone",
        "internet",
        "cable",
        "insurance",
        "credit_card",
        "loan",
        "mortgage",
        "rent",
        "tax",
    },
    "BILLER_NAME": {"northwind-energy", "aqua-pura", "lumen-mobile"},
    "ORDINAL": {str(n) for n in range(1, 11)},
    "BILL_STATUS": {"overdue", "due_soon", "open"},
    "PAYMENT_METHOD": {"card", "sepa_debit", "link"},
    "CONTACT_CHANNEL": {"sms", "email"},
    "AMOUNT_KIND": {"full", "remaining", "minimum"},
}
MIN_SAMPLES = {
    "ListBillsIntent": 20,
    "BillDetailsIntent": 20,
    "PayBillIntent": 20,
    "SendLinkIntent": 20,
    "PaymentStatusIntent": 10,
    "PaymentHistoryIntent": 10,
    "VoicePinIntent": 5,
}
# virtual-alexa (and so our end-to-end tests) knows only English phrasings of built-ins.
LOCALIZED_BUILTINS = ("Yes", "No", "Help", "Stop", "Cancel", "More")
# Letters (any script), single spaces, possessive/contracting apostrophes, "a." abbreviations, {slots}.
ALLOWED_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]*)?|[^\W\d_]\.|\{\w+\}")


@cache
def model(locale: str) -> dict[str, Any]:
    data = json.loads((ROOT / "interaction_models" / f"{locale}.json").read_text(encoding="utf-8"))
    language: dict[str, Any] = data["interactionModel"]["languageModel"]
    return language


def intents(locale: str) -> dict[str, dict[str, Any]]:
    return {intent["name"]: intent for intent in model(locale)["intents"]}


def slot_types(locale: str) -> dict[str, list[dict[str, Any]]]:
    return {slot_type["name"]: slot_type["values"] for slot_type in model(locale)["types"]}


def slots_of(intent: dict[str, Any]) -> dict[str, str]:
    return {slot["name"]: slot["type"] for slot in intent.get("slots", [])}


def all_samples(locale: str) -> list[tuple[str, str]]:
    return [
        (name, sample) for name, intent in intents(locale).items() for sample in intent.get("samples", [])
    ]


def test_every_published_locale_has_a_model_file() -> None:
    on_disk = sorted(path.stem for path in (ROOT / "interaction_models").glob("*.json"))
    assert on_disk == LOCALES == ["de-DE", "en-GB", "en-US", "nl-NL"]


@pytest.mark.parametrize("locale", LOCALES)
def test_model_has_exactly_the_handler_contract(locale: str) -> None:
    assert {name: slots_of(intent) for name, intent in intents(locale).items()} == CONTRACT


@pytest.mark.parametrize("locale", LOCALES)
def test_model_defines_every_custom_slot_type_with_the_same_ids(locale: str) -> None:
    ids = {name: {value["id"] for value in values} for name, values in slot_types(locale).items()}
    assert ids == VALUE_IDS
    used = {t for slots in CONTRACT.values() for t in slots.values() if not t.startswith("AMAZON.")}
    assert used == set(ids)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_synonym_resolves_to_two_values(locale: str) -> None:
    for name, values in slot_types(locale).items():
        words = [w.casefold() for v in values for w in (v["name"]["value"], *v["name"].get("synonyms", []))]
        assert len(words) == len(set(words)), (
            f"{locale} {name}: {sorted(w for w in words if words.count(w) > 1)}"
        )


@pytest.mark.parametrize("locale", LOCALES)
def test_samples_use_only_slots_of_their_intent_once_each(locale: str) -> None:
    for name, sample in all_samples(locale):
        used = SLOT.findall(sample)
        assert set(used) <= set(slots_of(intents(locale)[name])), f"{locale} {name}: {sample!r}"
        assert len(used) == len(set(used)), f"{locale} {name}: a slot twice in {sample!r}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_slot_is_used_in_a_sample(locale: str) -> None:
    for name, intent in intents(locale).items():
        used = {slot for sample in intent.get("samples", []) for slot in SLOT.findall(sample)}
        assert used == set(slots_of(intent)), f"{locale} {name}"


def by_slot_type(sample: str, slots: dict[str, str]) -> str:
    """'pay my {BILL_TYPE} bill': what Alexa compares when it looks for the same sample in two intents."""
    return " ".join(SLOT.sub(lambda m: "{" + slots[m.group(1)] + "}", sample).casefold().split())


@pytest.mark.parametrize("locale", LOCALES)
def test_no_sample_is_repeated_across_intents(locale: str) -> None:
    owners: dict[str, str] = {}
    for name, sample in all_samples(locale):
        key = by_slot_type(sample, slots_of(intents(locale)[name]))
        assert owners.setdefault(key, name) == name, f"{locale}: {sample!r} in {name} and {owners[key]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_samples_use_only_characters_alexa_accepts(locale: str) -> None:
    for name, sample in all_samples(locale):
        tokens = sample.split(" ")
        bad = [t for t in tokens if not ALLOWED_TOKEN.fullmatch(t)]
        assert not bad, f"{locale} {name}: {sample!r} has {bad} (digits, punctuation or doubled spaces)"
        assert len(sample) <= 200


@pytest.mark.parametrize("locale", LOCALES)
def test_intents_have_enough_samples(locale: str) -> None:
    for name, minimum in MIN_SAMPLES.items():
        assert len(intents(locale)[name]["samples"]) >= minimum, f"{locale} {name}"


@pytest.mark.parametrize("locale", ["de-DE", "nl-NL"])
def test_builtins_have_phrasings_in_the_locale_language(locale: str) -> None:
    for name in LOCALIZED_BUILTINS:
        assert len(intents(locale)[f"AMAZON.{name}Intent"]["samples"]) >= 2, f"{locale} {name}"
    assert {"ja"} <= set(intents(locale)["AMAZON.YesIntent"]["samples"])


def sample_pattern(locale: str) -> re.Pattern[str]:
    """Any sample of the locale, each {slot} standing for some words."""
    parts = [".+".join(map(re.escape, SLOT.split(sample)[::2])) for _, sample in all_samples(locale)]
    return re.compile("|".join(parts), re.IGNORECASE)


# Alexa drops the connecting word in "ask <name> to <request>"; German and Dutch samples keep theirs.
CONNECTORS = {"en": "to "}


@pytest.mark.parametrize("locale", LOCALES)
def test_example_phrases_say_the_invocation_name_and_a_sample(locale: str) -> None:
    phrases = MANIFEST["publishingInformation"]["locales"][locale]["examplePhrases"]
    name = model(locale)["invocationName"]
    assert 1 <= len(phrases) <= 3
    assert phrases[0].lower().endswith(name), "the first example opens the skill"
    for phrase in phrases[1:]:
        assert phrase.startswith("Alexa, ") and name in phrase, phrase
        request = phrase.split(name, 1)[1].lstrip(", ").removeprefix(CONNECTORS.get(locale[:2], ""))
        assert sample_pattern(locale).fullmatch(request), f"{phrase!r}: {request!r} is not a sample"


def test_manifest_asks_for_contact_permissions_and_declares_payments() -> None:
    assert {p["name"] for p in MANIFEST["permissions"]} == {
        "alexa::profile:mobile_number:read",
        "alexa::profile:email:read",
    }
    privacy = MANIFEST["privacyAndCompliance"]
    # Customers spend real money through the skill (our own processor), so this is true.
    assert privacy["allowsPurchases"] is True
    assert privacy["usesPersonalInfo"] is True and privacy["isChildDirected"] is False
    assert sorted(privacy["locales"]) == LOCALES
    assert MANIFEST["publishingInformation"]["isAvailableWorldwide"] is False
    assert {"US", "GB", "DE", "AT", "NL", "BE"} <= set(
        MANIFEST["publishingInformation"]["distributionCountries"]
    )


def test_every_model_intent_has_a_handler() -> None:
    from skill.alexa.handlers import handled_intents

    missing = {name for locale in LOCALES for name in intents(locale)} - handled_intents()
    assert not missing, f"intents without a handler: {sorted(missing)}"


def test_every_locale_has_strings() -> None:
    strings = ROOT / "skill" / "alexa" / "locales"
    assert (strings / "en.json").exists(), "the base strings"
    for locale in LOCALES:
        candidates = (strings / f"{locale}.json", strings / f"{locale[:2]}.json")
        assert any(path.exists() for path in candidates), f"no strings for {locale}"
