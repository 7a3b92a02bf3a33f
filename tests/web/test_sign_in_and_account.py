"""Signing in (one-time code or password), its rate limits, no account enumeration, CSRF, and the account page."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.services.identity.link_tokens import issue_token, resolve_access_token
from skill.services.identity.voice_pin import verify_voice_pin
from skill.settings import Settings
from skill.storage import models as m
from skill.web import create_app
from tests.support.oauth import WebUser, exchange, latest_code, register_alexa_client


def _settings(settings: Settings, **env: str) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": settings.database_url,
            "PUBLIC_BASE_URL": settings.public_base_url,
            "SECRET_KEY": "test-secret-key",
            **env,
        }
    )


@pytest.fixture
def strict(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    """Small limits so brute force is quick to show: 4 attempts per account, 6 per address, per 15 minutes."""
    built = bootstrap(
        _settings(settings, LOGIN_MAX_ATTEMPTS_PER_ACCOUNT="4", LOGIN_MAX_ATTEMPTS_PER_IP="6"), clock=clock
    )
    yield built
    built.dispose()


@pytest.fixture
def app(services: Services) -> Flask:
    return create_app(services=services)


@pytest.fixture
def user(app: Flask, services: Services, demo: DemoSummary) -> WebUser:
    return WebUser(app.test_client(), services)


def _text(response: Any) -> str:
    """The page as a person reads it, without the per-session CSRF token and per-response nonce."""
    page = response.get_data(as_text=True)
    return re.sub(r'(name="csrf_token" value=")[^"]+|nonce-[^\']+', r"\1", page)


def _otp_messages(services: Services) -> list[dict[str, Any]]:
    with services.uow() as uow:
        rows = uow.session.query(m.OutboxMessage).order_by(m.OutboxMessage.id).all()
        return [
            {"channel": r.channel, "recipient": r.recipient, "payload": dict(r.payload)}
            for r in rows
            if r.kind == "otp"
        ]


def test_a_code_by_email_signs_in_and_is_then_forgotten(
    user: WebUser, services: Services, demo: DemoSummary
) -> None:
    started = user.start_code_login("Alex@Example.com ")
    assert started.status_code == 303 and started.location == "/login/code"
    [message] = _otp_messages(services)
    assert (message["channel"], message["recipient"]) == ("email", demo.email)
    code = str(message["payload"]["code"])

    signed_in = user.enter_code(code)

    assert signed_in.status_code == 303 and signed_in.location == "/account"
    assert "Signed in as Alex Demo." in user.page("/account").get_data(as_text=True)
    with services.uow() as uow:
        [challenge] = uow.session.query(m.LoginChallenge).all()
        assert code not in (challenge.code_hash, challenge.token_hash)
    assert _otp_messages(services)[0]["payload"]["code"] == "------"  # the outbox no longer holds it


def test_an_account_number_and_sms_work_too(user: WebUser, services: Services, demo: DemoSummary) -> None:
    user.start_code_login("LUM-7781", channel="sms")
    [message] = _otp_messages(services)
    assert (message["channel"], message["recipient"]) == ("sms", "+31612345678")
    assert user.enter_code(str(message["payload"]["code"])).location == "/account"


def test_a_code_works_once(user: WebUser, services: Services, demo: DemoSummary) -> None:
    user.start_code_login(demo.email)
    code = latest_code(services, demo.customer_id)
    assert user.enter_code(code).status_code == 303
    user.http.post("/logout", data={"csrf_token": user.csrf()})
    response = user.enter_code(code)
    assert response.status_code == 400
    assert user.page("/account").status_code == 303


def test_an_expired_code_is_refused(
    user: WebUser, services: Services, demo: DemoSummary, clock: FixedClock
) -> None:
    user.start_code_login(demo.email)
    clock.advance(minutes=10)
    response = user.enter_code(latest_code(services, demo.customer_id))
    assert response.status_code == 400 and "That did not work" in response.get_data(as_text=True)


def test_five_wrong_codes_kill_the_code(user: WebUser, services: Services, demo: DemoSummary) -> None:
    user.start_code_login(demo.email)
    code = latest_code(services, demo.customer_id)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert user.enter_code(wrong).status_code == 400
    assert user.enter_code(code).status_code == 400  # even the right one, now
    assert user.page("/account").status_code == 303


def test_unknown_and_known_identifiers_get_the_same_pages(
    app: Flask, services: Services, demo: DemoSummary
) -> None:
    known, unknown = WebUser(app.test_client(), services), WebUser(app.test_client(), services)

    sent = [known.start_code_login(demo.email), unknown.start_code_login("nobody@example.com")]
    pages = [known.page("/login/code"), unknown.page("/login/code")]
    refused = [known.enter_code("000000"), unknown.enter_code("000000")]

    assert sent[0].status_code == sent[1].status_code == 303 and sent[0].location == sent[1].location
    assert _text(pages[0]) == _text(pages[1])
    assert refused[0].status_code == refused[1].status_code == 400 and _text(refused[0]) == _text(refused[1])
    with services.uow() as uow:
        assert uow.session.query(m.LoginChallenge).count() == 2  # the same work for both
    assert len(_otp_messages(services)) == 1


def test_a_refused_password_costs_the_same_for_unknown_and_known_accounts(
    user: WebUser, services: Services, demo: DemoSummary, monkeypatch: pytest.MonkeyPatch
) -> None:
    user.sign_in_with_code(demo.customer_id, demo.email)
    user.post_account(
        "/account/password", password="correct horse battery", password_confirm="correct horse battery"
    )
    user.http.post("/logout", data={"csrf_token": user.csrf()})
    calls: list[bytes] = []
    real = hashlib.scrypt

    def counting(password: bytes, **kwargs: Any) -> bytes:
        calls.append(password)
        return real(password, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)

    answers = [
        user.password_login(demo.email, "wrong password!"),
        user.password_login("nobody@example.com", "wrong password!"),
        user.password_login("AQP-55810", "wrong password!"),
    ]

    assert len(calls) == 3
    assert {a.status_code for a in answers} == {400}
    assert (
        len(
            {
                _text(a).replace(demo.email, "X").replace("nobody@example.com", "X").replace("AQP-55810", "X")
                for a in answers
            }
        )
        == 1
    )
    right = user.password_login(demo.email, "correct horse battery")
    assert right.status_code == 303 and right.location == "/account"


def test_password_guessing_is_stopped_per_account(
    strict: Services, demo: DemoSummary, clock: FixedClock
) -> None:
    app = create_app(services=strict)
    user = WebUser(app.test_client(), strict)
    user.sign_in_with_code(demo.customer_id, demo.email)
    user.post_account(
        "/account/password", password="correct horse battery", password_confirm="correct horse battery"
    )

    guesses = [user.password_login(demo.email, f"guess number {n}").status_code for n in range(2)]
    blocked = user.password_login(demo.email, "correct horse battery")

    assert guesses == [400, 400]  # with the sign-in by code (2 attempts), 4 on this account in this window
    assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)
    clock.advance(minutes=15)
    assert user.password_login(demo.email, "correct horse battery").status_code == 303


def test_the_limits_hold_across_web_workers(
    strict: Services, settings: Settings, clock: FixedClock, demo: DemoSummary
) -> None:
    """Two app processes (two engines) over one database share the windows."""
    other = bootstrap(
        _settings(settings, LOGIN_MAX_ATTEMPTS_PER_ACCOUNT="4", LOGIN_MAX_ATTEMPTS_PER_IP="6"), clock=clock
    )
    try:
        workers = [WebUser(create_app(services=s).test_client(), s) for s in (strict, other, strict, other)]
        answers = [w.start_code_login("nobody@example.com").status_code for w in workers]
        answers.append(workers[0].start_code_login("nobody@example.com").status_code)
    finally:
        other.dispose()
    assert answers == [303, 303, 303, 303, 429]


def test_many_accounts_from_one_address_are_stopped(strict: Services, demo: DemoSummary) -> None:
    user = WebUser(create_app(services=strict).test_client(), strict)
    answers = [user.start_code_login(f"person{n}@example.com").status_code for n in range(7)]
    assert answers == [303] * 6 + [429]
    other_address = WebUser(create_app(services=strict).test_client(), strict)
    other_address.http.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert other_address.start_code_login(demo.email).status_code == 303


def test_next_never_leaves_our_site(user: WebUser, services: Services, demo: DemoSummary) -> None:
    for target in ("https://evil.example/", "//evil.example/account", "/\\evil.example", "/oauth/token"):
        user.start_code_login(demo.email, next_url=target)
        assert user.enter_code(latest_code(services, demo.customer_id)).location == "/account"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"identifier": "alex@example.com", "channel": "email"}),
        ("/login/code", {"code": "123456"}),
        ("/login/password", {"identifier": "alex@example.com", "password": "x" * 12}),
        ("/account/pin", {"pin": "1234", "pin_confirm": "1234"}),
        ("/account/voice", {"always_ask_pin": "on"}),
        ("/account/unlink", {"device": "family:x"}),
        ("/logout", {}),
    ],
)
def test_every_form_refuses_a_post_without_its_csrf_token(
    user: WebUser, services: Services, demo: DemoSummary, path: str, data: dict[str, str]
) -> None:
    user.sign_in_with_code(demo.customer_id, demo.email)
    response = user.http.post(path, data=data)
    assert response.status_code == 400 and "reload" in response.get_data(as_text=True).lower()
    with services.uow() as uow:
        customer = uow.customers.get(demo.customer_id)
        assert customer is not None and customer.voice_pin_hash is None and not customer.always_ask_pin
    assert user.page("/account").status_code == 200  # still signed in: logout was refused too


def test_the_account_page_needs_a_sign_in(user: WebUser) -> None:
    response = user.page("/account")
    assert response.status_code == 303 and response.location == "/login?next=/account"
    assert (
        user.http.post(
            "/account/pin", data={"csrf_token": user.csrf(), "pin": "1234", "pin_confirm": "1234"}
        ).status_code
        == 303
    )


def test_linked_devices_are_listed_and_unlinking_revokes_them(
    user: WebUser, services: Services, demo: DemoSummary
) -> None:
    client = register_alexa_client(services, name="Northwind on Alexa")
    code, verifier = user.link(client, demo.customer_id, demo.email)
    tokens = exchange(user.http, client, code, verifier).get_json()
    cli_token = issue_token(
        services.uow(), demo.email, services.clock, ttl=timedelta(days=1), label="Support desk"
    )
    resolve_access_token(services.uow(), tokens["access_token"], services.clock)

    page = user.page("/account").get_data(as_text=True)
    assert "Northwind on Alexa" in page and "Support desk" in page
    assert "Last used on March 10, 2026" in page and "Not used yet" in page
    keys = re.findall(r'name="device" value="([^"]+)"', page)
    assert len(keys) == 2

    done = user.post_account("/account/unlink", device=keys[0])

    assert done.location == "/account?done=unlinked"
    assert resolve_access_token(services.uow(), tokens["access_token"], services.clock) is None
    assert resolve_access_token(services.uow(), cli_token, services.clock) is not None
    assert "Northwind on Alexa" not in user.page("/account").get_data(as_text=True)
    assert user.post_account("/account/unlink", device=keys[0]).location == "/account?done=already_unlinked"


def test_a_customer_cannot_unlink_someone_elses_device(
    user: WebUser, services: Services, demo: DemoSummary
) -> None:
    from skill.services.identity import directory

    other = directory.upsert_customer(
        services.uow(), directory.CustomerData(name="Sam", email="sam@example.com"), services.clock
    )
    their_token = issue_token(services.uow(), "sam@example.com", services.clock, ttl=timedelta(days=1))
    with services.uow() as uow:
        [row] = uow.session.query(m.LinkedAccountToken).filter_by(customer_id=other).all()
        their_key = f"token:{row.id}"
    user.sign_in_with_code(demo.customer_id, demo.email)
    assert user.post_account("/account/unlink", device=their_key).location == "/account?done=already_unlinked"
    assert resolve_access_token(services.uow(), their_token, services.clock) is not None


def test_resetting_the_pin_on_the_page_lifts_the_voice_lock(
    user: WebUser, services: Services, demo: DemoSummary
) -> None:
    user.sign_in_with_code(demo.customer_id, demo.email)
    assert (
        user.post_account("/account/pin", pin="4321", pin_confirm="4321").location
        == "/account?done=pin_saved"
    )
    for _ in range(3):
        check = verify_voice_pin(
            services.uow(),
            demo.customer_id,
            "1111",
            services.clock,
            pepper=services.settings.voice_pin_pepper,
        )
    assert check.locked
    assert "locked after three wrong PINs" in user.page("/account").get_data(as_text=True)

    user.post_account("/account/pin", pin="2468", pin_confirm="2468")

    page = user.page("/account?done=pin_saved").get_data(as_text=True)
    assert "voice payments are unlocked" in page and "locked after" not in page
    assert verify_voice_pin(
        services.uow(), demo.customer_id, "2468", services.clock, pepper=services.settings.voice_pin_pepper
    ).ok


def test_bad_pins_and_choices_are_explained(user: WebUser, services: Services, demo: DemoSummary) -> None:
    user.sign_in_with_code(demo.customer_id, demo.email)
    short = user.post_account("/account/pin", pin="12a4", pin_confirm="12a4")
    differ = user.post_account("/account/pin", pin="1234", pin_confirm="4321")
    no_pin = user.post_account("/account/voice", always_ask_pin="on")
    assert short.status_code == differ.status_code == no_pin.status_code == 400
    assert "exactly 4 digits" in short.get_data(as_text=True)
    assert "The two PINs differ." in differ.get_data(as_text=True)
    assert "Set a voice PIN first." in no_pin.get_data(as_text=True)


def test_voice_choices_reach_the_skill(user: WebUser, services: Services, demo: DemoSummary) -> None:
    token = issue_token(services.uow(), demo.email, services.clock, ttl=timedelta(days=1))
    user.sign_in_with_code(demo.customer_id, demo.email)
    user.post_account("/account/pin", pin="4321", pin_confirm="4321")

    user.post_account("/account/voice", always_ask_pin="on", require_recognized_speaker="on")

    customer = resolve_access_token(services.uow(), token, services.clock)
    assert customer is not None and customer.always_ask_pin and customer.require_recognized_speaker
    user.post_account("/account/voice")
    customer = resolve_access_token(services.uow(), token, services.clock)
    assert customer is not None and not customer.always_ask_pin and not customer.require_recognized_speaker


@pytest.mark.parametrize(
    ("accept", "expected"), [("de-DE", "Ihr Konto"), ("nl-NL", "Uw account"), ("sv-SE", "Ditt konto")]
)
def test_the_pages_speak_the_customers_language(
    user: WebUser, services: Services, demo: DemoSummary, accept: str, expected: str
) -> None:
    user.http.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept
    assert '<html lang="' + accept[:2] in user.page("/login").get_data(as_text=True)
    with services.uow() as uow:
        customer = uow.customers.get(demo.customer_id)
        assert customer is not None
        customer.locale = accept
        uow.commit()
    user.sign_in_with_code(demo.customer_id, demo.email)
    assert expected in user.page("/account").get_data(as_text=True)


def test_every_page_string_exists_in_every_language() -> None:
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "skill" / "web" / "locales" / "auth"
    keys = {
        lang: set(json.loads((folder / f"{lang}.json").read_text("utf-8")))
        for lang in ("en", "de", "nl", "sv")
    }
    assert keys["de"] == keys["nl"] == keys["sv"] == keys["en"]


def test_old_challenges_and_rate_windows_are_cleared_away(
    user: WebUser, services: Services, demo: DemoSummary, clock: FixedClock
) -> None:
    user.start_code_login(demo.email)
    user.start_code_login("nobody@example.com")
    clock.advance(days=2)

    user.start_code_login(demo.email)

    with services.uow() as uow:
        assert uow.session.query(m.LoginChallenge).count() == 1
        windows = uow.session.query(m.LoginRateWindow).all()
        assert windows and {w.window_start for w in windows} == {max(w.window_start for w in windows)}
