"""Which methods the pay page offers per biller and currency, and what reaches Stripe for each (docs/stripe-api-check.md)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from skill.domain.model import MethodKind
from skill.domain.payment_methods import offered_methods
from skill.payments.stripe_gateway import StripeGateway
from skill.settings import Settings

ALL = ("card", "sepa_debit", "ideal")


@pytest.mark.parametrize(
    ("country", "currency", "offered"),
    [
        ("NL", "EUR", ALL),
        ("nl", "eur", ALL),
        ("DE", "EUR", ("card", "sepa_debit")),
        ("NO", "EUR", ("card", "sepa_debit")),  # EEA, in the SEPA scheme
        ("NL", "USD", ("card",)),  # both bank methods are EUR only
        ("SE", "SEK", ("card",)),
        ("US", "EUR", ("card",)),
    ],
)
def test_bank_methods_follow_the_billers_country_and_the_bills_currency(
    country: str, currency: str, offered: tuple[str, ...]
) -> None:
    assert offered_methods(country=country, currency=currency, enabled=ALL) == offered


def test_the_accounts_enabled_methods_narrow_the_offer_and_keep_the_page_order() -> None:
    assert offered_methods(country="NL", currency="EUR", enabled=("ideal", "card")) == ("card", "ideal")
    assert offered_methods(country="NL", currency="EUR", enabled=("card",)) == ("card",)
    assert offered_methods(country="NL", currency="EUR", enabled=("sofort", "ideal")) == ("ideal",)


@pytest.mark.parametrize(
    ("env", "enabled"),
    [
        ({}, ALL),
        ({"STRIPE_API_BASE": "http://127.0.0.1:8420"}, ("card",)),  # localstripe's shim confirms cards only
        (
            {"STRIPE_API_BASE": "http://127.0.0.1:8420", "STRIPE_PAYMENT_METHOD_TYPES": "card,ideal"},
            ("card", "ideal"),
        ),
        ({"STRIPE_PAYMENT_METHOD_TYPES": "card"}, ("card",)),
    ],
)
def test_stripe_payment_method_types_overrides_the_default(
    env: dict[str, str], enabled: tuple[str, ...]
) -> None:
    settings = Settings.from_env({"DATABASE_URL": "sqlite:///x.db", **env})
    assert settings.stripe_payment_method_types == enabled


class _Recorder:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def create(self, params: dict[str, Any], options: dict[str, Any]) -> Any:
        self.sent.append(params)
        return SimpleNamespace(
            to_dict=lambda: {
                "id": "pi_1",
                "client_secret": "pi_1_secret_x",
                "status": "succeeded",
                "amount": params["amount"],
                "currency": params["currency"],
            }
        )


def recording_gateway(*, sends_future_usage: bool = True) -> tuple[StripeGateway, _Recorder]:
    gateway = StripeGateway(
        api_key="sk_test_unit",
        webhook_secret=None,
        publishable_key="pk_test_unit",
        payment_method_types=ALL,
        sends_future_usage=sends_future_usage,
    )
    recorder = _Recorder()
    gateway._client = SimpleNamespace(v1=SimpleNamespace(payment_intents=recorder))  # type: ignore[assignment]
    return gateway, recorder


@pytest.mark.parametrize("kind", [MethodKind.CARD, MethodKind.SEPA_DEBIT])
def test_an_off_session_charge_names_its_methods_type_so_stripe_needs_no_return_url(kind: MethodKind) -> None:
    gateway, recorder = recording_gateway()
    gateway.charge_off_session(
        amount_minor=4560,
        currency="EUR",
        customer="cus_1",
        payment_method="pm_1",
        method_kind=kind,
        idempotency_key="k",
        metadata={},
    )
    (params,) = recorder.sent
    assert params["payment_method_types"] == [str(kind)]
    assert (params["off_session"], params["confirm"]) == (True, True)
    assert "automatic_payment_methods" not in params and "return_url" not in params
    assert "mandate_data" not in params  # the SetupIntent's mandate is the method's


def test_an_on_session_card_charge_is_card_only() -> None:
    gateway, recorder = recording_gateway()
    gateway.charge_on_session(
        amount_minor=4560,
        currency="EUR",
        customer="cus_1",
        payment_method="pm_1",
        idempotency_key="k",
        metadata={},
    )
    assert recorder.sent[0]["payment_method_types"] == ["card"]
    assert "off_session" not in recorder.sent[0]


@pytest.mark.parametrize("method", ["sepa_debit", "ideal"])
def test_the_pages_payment_intent_is_for_the_one_method_the_customer_chose(method: str) -> None:
    gateway, recorder = recording_gateway()
    gateway.create_payment_intent(
        amount_minor=4560,
        currency="EUR",
        customer=None,
        method=method,
        save_method=False,
        idempotency_key="k",
        metadata={"billpay_key": "k"},
    )
    assert recorder.sent[0]["payment_method_types"] == [method]
    assert "confirm" not in recorder.sent[0] and "setup_future_usage" not in recorder.sent[0]


def test_a_card_saved_from_the_page_asks_stripe_for_off_session_use_except_against_localstripe() -> None:
    for sends, expected in ((True, "off_session"), (False, None)):
        gateway, recorder = recording_gateway(sends_future_usage=sends)
        gateway.create_payment_intent(
            amount_minor=4560,
            currency="EUR",
            customer="cus_1",
            method="card",
            save_method=True,
            idempotency_key="k",
            metadata={},
        )
        assert recorder.sent[0].get("setup_future_usage") == expected
