"""Issue 9's cross-biller takeover, replayed through the real endpoints: no step of it works any more (ADR 0003).

The chain was: biller B's API key names a customer that only biller A knows (by email) and adds a mobile; a sign-in
code by SMS then goes to B's number; the attacker signs in, sets a voice PIN, links their Alexa and pays B's own
invoice with A's customer's saved card. Each test below is one link of that chain, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from skill.alexa.entry import dispatch
from skill.domain.clock import FixedClock
from skill.services.billing.bills import list_outstanding
from skill.services.identity.link_tokens import resolve_access_token
from skill.services.payments.mandates import stored_methods
from skill.storage import models as m
from tests.alexa.driver import AlexaClient
from tests.support.oauth import (
    WebUser,
    authorize_query,
    exchange,
    form_action,
    form_value,
    pkce_pair,
    query_of,
    register_alexa_client,
)
from tests.support.payments import add_method_row

from .api.conftest import Api, invoice_body, running_api

VICTIM_EMAIL = "victim@example.com"
ATTACKER_MOBILE = "+31600000666"


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Api]:
    with running_api(database_url, tmp_path, clock) as built:
        yield built


def _codes_to(api: Api, recipient: str) -> list[str]:
    with api.services.uow() as uow:
        rows = uow.session.query(m.OutboxMessage).filter_by(kind="otp", recipient=recipient).all()
        return [str(r.payload["code"]) for r in rows]


def _person_of(api: Api, biller_id: int, account_number: str) -> m.Customer:
    with api.services.uow() as uow:
        record = uow.customers.account_by_number(biller_id, account_number)
        assert record is not None
        person = uow.customers.get(record.customer_id)
        assert person is not None
        uow.session.expunge(person)
        return person


def _sign_in(user: WebUser, api: Api, identifier: str, recipient: str, channel: str = "email") -> None:
    before = len(_codes_to(api, recipient))
    user.start_code_login(identifier, channel=channel)
    codes = _codes_to(api, recipient)
    assert len(codes) == before + 1, f"no code went to {recipient}"
    assert user.enter_code(codes[-1]).status_code == 303


def _victim_at_biller_a(api: Api) -> m.Customer:
    """Biller A's customer, who signed in once (proving the email) and saved a card."""
    assert (
        api.call("PUT", "/customers/A-1", {"name": "Vera Victim", "email": VICTIM_EMAIL}).status_code == 201
    )
    _sign_in(WebUser(api.client.application.test_client(), api.services), api, VICTIM_EMAIL, VICTIM_EMAIL)
    victim = _person_of(api, api.biller.id, "A-1")
    assert victim.email == VICTIM_EMAIL
    add_method_row(api.services, victim.id, "pm_victim_card", provider_customer_id="cus_victim")
    return victim


def _attacker_record_at_biller_b(api: Api) -> Any:
    body = {"name": "Vera Victim", "email": VICTIM_EMAIL, "mobile": ATTACKER_MOBILE}
    answer = api.call("PUT", "/customers/B-666", body, as_biller=api.other)
    invoice = api.call(
        "POST", "/invoices", invoice_body("B-480", "B-666", amount_due_minor=48000), as_biller=api.other
    )
    assert invoice.status_code == 201
    return answer


def test_a_biller_cannot_attach_to_or_fill_in_another_billers_customer(api: Api) -> None:
    victim = _victim_at_biller_a(api)
    answer = _attacker_record_at_biller_b(api)
    assert answer.status_code == 201  # a new record of B's own, exactly as for an email nobody knows
    stranger = api.call(
        "PUT", "/customers/B-1", {"name": "Nobody", "email": "nobody@example.com"}, as_biller=api.other
    )
    assert answer.json is not None and stranger.json is not None
    assert (
        set(answer.json)
        == set(stranger.json)
        == {"id", "account_number", "name", "email", "mobile", "locale"}
    )
    with api.services.uow() as uow:
        record_b = uow.customers.account_by_number(api.other.id, "B-666")
        assert record_b is not None and answer.json["id"] == record_b.id  # B's record, not the person
        assert record_b.customer_id != victim.id and record_b.claimed_at is None
        stored_victim = uow.customers.get(victim.id)
        assert stored_victim is not None and stored_victim.mobile is None  # nothing filled in
        assert [r.biller_id for r in uow.customers.records_of(victim.id)] == [api.biller.id]
        record_b_id = record_b.id
    # B's invoices name B's record; nothing B reads points at the victim's person.
    listed = api.call("GET", "/invoices", as_biller=api.other).json
    assert listed is not None and {i["customer_id"] for i in listed["data"]} == {record_b_id}


def test_a_sign_in_code_never_goes_to_a_number_only_another_biller_supplied(api: Api) -> None:
    _victim_at_biller_a(api)
    _attacker_record_at_biller_b(api)
    attacker = WebUser(api.client.application.test_client(), api.services)
    attacker.start_code_login(VICTIM_EMAIL, channel="sms")
    assert _codes_to(api, ATTACKER_MOBILE) == []
    assert len(_codes_to(api, VICTIM_EMAIL)) == 2  # the victim's own proven email, as at their first sign-in


def test_proving_the_attackers_own_number_reaches_only_the_attackers_own_record(api: Api) -> None:
    victim = _victim_at_biller_a(api)
    _attacker_record_at_biller_b(api)
    attacker = WebUser(api.client.application.test_client(), api.services)
    _sign_in(attacker, api, ATTACKER_MOBILE, ATTACKER_MOBILE, channel="sms")
    intruder = _person_of(api, api.other.id, "B-666")
    assert intruder.id != victim.id and intruder.mobile == ATTACKER_MOBILE
    assert stored_methods(api.services.uow(), intruder.id) == []
    bills = list_outstanding(api.services.uow(), intruder.id, api.services.clock).bills
    assert [b.number for b in bills] == ["B-480"]
    # The victim signing in again does not take B's record (the attacker proved its number first)...
    _sign_in(WebUser(api.client.application.test_client(), api.services), api, VICTIM_EMAIL, VICTIM_EMAIL)
    assert [b.number for b in list_outstanding(api.services.uow(), victim.id, api.services.clock).bills] == []


def test_when_the_victim_claims_the_record_first_the_attacker_still_gets_nothing(api: Api) -> None:
    victim = _victim_at_biller_a(api)
    _attacker_record_at_biller_b(api)
    # The victim proves the email B supplied: B's record joins the victim (B's bill is theirs to see).
    _sign_in(WebUser(api.client.application.test_client(), api.services), api, VICTIM_EMAIL, VICTIM_EMAIL)
    assert _person_of(api, api.other.id, "B-666").id == victim.id
    attacker = WebUser(api.client.application.test_client(), api.services)
    attacker.start_code_login("B-666", channel="sms")  # the record's claimant gets the code, on their channel
    assert _codes_to(api, ATTACKER_MOBILE) == []
    _sign_in(attacker, api, ATTACKER_MOBILE, ATTACKER_MOBILE, channel="sms")
    intruder = attacker.page("/account").get_data(as_text=True)
    assert "Vera Victim" not in intruder
    # B cannot route a payment link to its number either: the victim never proved it.
    refused = api.call("POST", "/invoices/0/payment-requests", {"channel": "sms"}, as_biller=api.other)
    assert refused.status_code == 404
    with api.services.uow() as uow:
        invoice = uow.biller_invoices.page(api.other.id, _no_filter(), after_id=0, limit=5)[0][0]
        invoice_id = invoice.id
    by_sms = api.call(
        "POST", f"/invoices/{invoice_id}/payment-requests", {"channel": "sms"}, as_biller=api.other
    )
    assert by_sms.status_code == 422
    assert ATTACKER_MOBILE[-4:] not in by_sms.get_data(as_text=True)


def _no_filter() -> Any:
    from skill.storage.api_repositories import InvoiceFilter

    return InvoiceFilter()


def test_a_pin_password_or_device_change_needs_a_fresh_one_time_code(api: Api, clock: FixedClock) -> None:
    victim = _victim_at_biller_a(api)
    user = WebUser(api.client.application.test_client(), api.services)
    _sign_in(user, api, VICTIM_EMAIL, VICTIM_EMAIL)
    assert (
        user.post_account(
            "/account/password", password="a-long-password", password_confirm="a-long-password"
        ).status_code
        == 303
    )
    clock.advance(seconds=11 * 60)  # past FRESH_PROOF_MINUTES
    stale = user.post_account("/account/pin", pin="1234", pin_confirm="1234")
    assert stale.status_code == 303 and stale.location.startswith("/login?confirm=1")
    # A password sign-in is no fresh proof either.
    thief = WebUser(api.client.application.test_client(), api.services)
    assert thief.password_login(VICTIM_EMAIL, "a-long-password").status_code == 303
    assert thief.post_account("/account/pin", pin="4321", pin_confirm="4321").location.startswith(
        "/login?confirm=1"
    )
    client = register_alexa_client(api.services)
    to_login = thief.http.get(authorize_query(client, pkce_pair()[1]))
    assert to_login.status_code == 303 and to_login.location.startswith("/login?next=")
    with api.services.uow() as uow:
        stored = uow.customers.get(victim.id)
        assert stored is not None and stored.voice_pin_hash is None
    # A fresh code makes the change, and the person hears of it with a way to undo it.
    _sign_in(user, api, VICTIM_EMAIL, VICTIM_EMAIL)
    assert (
        user.post_account("/account/pin", pin="1234", pin_confirm="1234").location
        == "/account?done=pin_saved"
    )
    with api.services.uow() as uow:
        notices = uow.session.query(m.OutboxMessage).filter_by(kind="account_changed").all()
        assert [(n.recipient, n.payload["change"]) for n in notices] == [
            (VICTIM_EMAIL, "password"),
            (VICTIM_EMAIL, "pin"),
        ]


def test_the_undo_link_of_a_change_notice_unlinks_devices_and_locks_voice_payments(api: Api) -> None:
    victim = _victim_at_biller_a(api)
    user = WebUser(api.client.application.test_client(), api.services)
    client = register_alexa_client(api.services)
    verifier, challenge = pkce_pair()
    query = authorize_query(client, challenge)
    _sign_in(user, api, VICTIM_EMAIL, VICTIM_EMAIL)
    consent = user.http.get(query).get_data(as_text=True)
    decided = user.http.post(
        form_action(consent), data={"csrf_token": form_value(consent, "csrf_token"), "decision": "allow"}
    )
    token = exchange(user.http, client, query_of(decided.location)["code"], verifier).get_json()[
        "access_token"
    ]
    assert resolve_access_token(api.services.uow(), token, api.services.clock) is not None
    with api.services.uow() as uow:
        [notice] = uow.session.query(m.OutboxMessage).filter_by(kind="account_changed").all()
        assert notice.payload["change"] == "device_linked"
        url = str(notice.payload["url"])
    path = url.removeprefix(api.services.settings.public_base_url)
    stranger = WebUser(api.client.application.test_client(), api.services)
    page = stranger.http.get(path)
    assert page.status_code == 200
    secured = stranger.http.post(
        path, data={"csrf_token": form_value(page.get_data(as_text=True), "csrf_token")}
    )
    assert secured.status_code == 200
    assert resolve_access_token(api.services.uow(), token, api.services.clock) is None
    with api.services.uow() as uow:
        stored = uow.customers.get(victim.id)
        assert stored is not None and stored.voice_pin_locked_at is not None
    assert stranger.http.get(path[:-3] + "xyz").status_code == 404


def test_the_attackers_alexa_cannot_pay_with_the_victims_card(api: Api) -> None:
    victim = _victim_at_biller_a(api)
    _attacker_record_at_biller_b(api)
    attacker = WebUser(api.client.application.test_client(), api.services)
    client = register_alexa_client(api.services)
    verifier, challenge = pkce_pair()
    query = authorize_query(client, challenge)
    _sign_in(attacker, api, ATTACKER_MOBILE, ATTACKER_MOBILE, channel="sms")
    consent = attacker.http.get(query).get_data(as_text=True)
    decided = attacker.http.post(
        form_action(consent), data={"csrf_token": form_value(consent, "csrf_token"), "decision": "allow"}
    )
    token = exchange(attacker.http, client, query_of(decided.location)["code"], verifier).get_json()[
        "access_token"
    ]
    linked = resolve_access_token(api.services.uow(), token, api.services.clock)
    assert linked is not None and linked.customer_id != victim.id
    alexa = AlexaClient(lambda event: dispatch(api.services, event), access_token=token)
    alexa.launch()
    answer = alexa.intent("PayBillIntent")
    speech = str(answer["response"].get("outputSpeech", {}))
    assert "0341" not in speech and "Visa" not in speech
    with api.services.uow() as uow:
        assert uow.session.query(m.PaymentAttempt).count() == 0


def test_an_old_session_or_link_never_counts_as_fresh(api: Api, clock: FixedClock) -> None:
    _victim_at_biller_a(api)
    user = WebUser(api.client.application.test_client(), api.services)
    _sign_in(user, api, VICTIM_EMAIL, VICTIM_EMAIL)
    clock.advance(seconds=int(timedelta(minutes=10, seconds=1).total_seconds()))
    assert "confirm-needed" in user.page("/account").get_data(as_text=True)
