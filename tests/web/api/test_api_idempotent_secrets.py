"""A webhook's signing secret is shown once: a stored Idempotency-Key answer never holds it, nor does a replay."""

from __future__ import annotations

from sqlalchemy import select

from skill.services.biller_api.idempotency import replayable
from skill.storage import models as m

from .conftest import Api

HOOK = {"url": "https://erp.example.test/hooks", "events": ["invoice.paid"]}


def _stored_bodies(api: Api) -> list[str]:
    with api.services.uow() as uow:
        return [b or "" for b in uow.session.scalars(select(m.ApiIdempotencyKey.response_body))]


def test_the_stored_answer_to_a_webhook_registration_holds_no_secret(api: Api) -> None:
    created = api.call("POST", "/webhooks", HOOK, Idempotency_Key="hook-1")
    secret = created.json["secret"]
    assert created.status_code == 201 and secret.startswith("whsec_")

    [stored] = _stored_bodies(api)
    assert secret not in stored and "secret" not in stored
    assert str(created.json["id"]) in stored


def test_a_replayed_registration_answers_the_same_endpoint_without_its_secret(api: Api) -> None:
    created = api.call("POST", "/webhooks", HOOK, Idempotency_Key="hook-1")
    replayed = api.call("POST", "/webhooks", HOOK, Idempotency_Key="hook-1")

    assert replayed.status_code == 201 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json == {k: v for k, v in created.json.items() if k != "secret"}
    assert created.json["secret"] not in replayed.get_data(as_text=True)
    assert [e["id"] for e in api.call("GET", "/webhooks").json["data"]] == [created.json["id"]]


def test_answers_without_a_shown_once_field_are_stored_as_they_were_sent() -> None:
    for body in ['{"id":1,"url":"https://x"}', "[1,2]", "", "not json"]:
        assert replayable(body) == body
    assert replayable('{"id":1,"secret":"whsec_x"}') == '{"id":1}'
