"""Hearing bills by voice: launch summary, listing with "more", filters, details, and account linking."""

from __future__ import annotations

import pytest

from skill.bootstrap import Services
from tests.alexa.driver import AlexaClient, slot


def test_launch_summarises_open_bills_and_overdue(alexa: AlexaClient) -> None:
    alexa.launch()
    # demo: electricity 94.30, water 45.60 (overdue), phone 150.00 with 30.00 paid -> 259.90 open
    assert "You have 3 open bills, one of them overdue, €259.90 in total." in alexa.speech
    assert "Would you like to hear them or pay one?" in alexa.speech
    assert not alexa.ended


def test_yes_after_launch_reads_bills_by_due_date(alexa: AlexaClient) -> None:
    alexa.launch()
    alexa.intent("AMAZON.YesIntent")
    speech = alexa.speech
    water, phone, power = (speech.index(k) for k in ("water bill", "phone bill", "electricity bill"))
    assert water < phone < power  # water is overdue, then phone (due in 3 days), then electricity
    assert "is overdue" in speech
    assert '<say-as interpret-as="date">????0305</say-as>' in alexa.ssml  # water was due March 5
    assert "You've already paid €30.00 of it." in speech


def test_without_a_linked_account_the_skill_sends_a_link_account_card(
    services: Services, demo: object
) -> None:
    from skill.alexa.entry import dispatch

    for token in (None, "not-a-real-token"):
        client = AlexaClient(send=lambda e: dispatch(services, e), access_token=token)
        client.launch()
        assert client.card == {"type": "LinkAccount"}
        assert "link your account" in client.speech
        assert client.ended


def test_bills_are_read_three_at_a_time_with_more(alexa: AlexaClient, many_bills: int) -> None:
    alexa.intent("ListBillsIntent")
    assert alexa.speech.count("due") >= 3
    first = alexa.speech
    assert "more" in first
    alexa.intent("AMAZON.MoreIntent")
    assert alexa.speech != first
    assert "You have" not in alexa.speech  # the intro is not repeated


def test_filter_by_bill_type(alexa: AlexaClient) -> None:
    alexa.intent("ListBillsIntent", slot("billType", "water", "water"))
    assert "water bill from Aqua Pura" in alexa.speech
    assert "electricity" not in alexa.speech
    assert "Would you like to pay it?" in alexa.speech


def test_filter_overdue(alexa: AlexaClient) -> None:
    alexa.intent("ListBillsIntent", slot("billStatus", "overdue", "overdue"))
    assert "water bill" in alexa.speech and "phone bill" not in alexa.speech


def test_filter_due_this_week(alexa: AlexaClient) -> None:
    alexa.intent("ListBillsIntent", slot("billStatus", "due this week", "due_soon"))
    assert "phone bill" in alexa.speech and "electricity bill" not in alexa.speech


def test_filter_by_biller_alias(alexa: AlexaClient) -> None:
    alexa.intent("ListBillsIntent", slot("biller", "the power company"))
    assert "Northwind Energy" in alexa.speech and "Aqua Pura" not in alexa.speech


def test_details_state_purpose_paid_part_and_change_from_previous(alexa: AlexaClient) -> None:
    alexa.intent("BillDetailsIntent", slot("billType", "electricity", "electricity"))
    assert "It's for Electricity, November." in alexa.speech
    assert "That's €15.20 more than your previous bill." in alexa.speech  # 94.30 vs 79.10
    assert alexa.card is not None and "NWE-2026-11" in alexa.card["content"]


def test_ordinal_refers_to_the_list_just_heard(alexa: AlexaClient) -> None:
    alexa.intent("ListBillsIntent")
    alexa.intent("BillDetailsIntent", slot("ordinal", "second", "2"))
    assert "phone bill from Lumen Mobile" in alexa.speech


def test_launch_teaches_alexa_the_customers_own_biller_names(alexa: AlexaClient) -> None:
    alexa.launch()
    [directive] = alexa.last["response"]["directives"]
    assert directive["type"] == "Dialog.UpdateDynamicEntities"
    assert directive["updateBehavior"] == "REPLACE"
    [entity_type] = directive["types"]
    assert entity_type["name"] == "BILLER_NAME"
    ids = {v["id"]: v["name"] for v in entity_type["values"]}
    assert set(ids) == {"northwind-energy", "aqua-pura", "lumen-mobile"}
    assert ids["aqua-pura"]["value"] == "Aqua Pura"
    assert "Aqua Pura Water" in ids["aqua-pura"]["synonyms"]


def test_a_biller_resolved_by_slug_is_found(alexa: AlexaClient) -> None:
    alexa.intent("ListBillsIntent", slot("biller", "aqua pura", "aqua-pura"))
    assert "water bill from Aqua Pura" in alexa.speech


def test_a_fault_is_apologised_for_and_logged_without_personal_data(
    alexa: AlexaClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import skill.services.billing.bills as bills

    said = "customer " + "alex" + "@example.com said pay my " + "water bill"

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError(said)  # the traceback shows this line, so the text is built elsewhere

    monkeypatch.setattr(bills, "outstanding_of", broken)  # what every listing and launch read goes through
    alexa.launch()
    assert alexa.speech.startswith("Sorry, something went wrong on our side.")
    assert "RuntimeError" in caplog.text
    assert "alex@example.com" not in caplog.text and "water bill" not in caplog.text
