"""The wallet services with the fake gateway: set up, list, remove, default."""

from __future__ import annotations

import pytest

from skill.domain.errors import InvalidInput, NotFound
from skill.domain.model import MethodKind
from skill.services.payments.mandates import stored_methods
from skill.services.payments.wallet import (
    complete_wallet_setup,
    remove_method,
    set_default_method,
    start_wallet_setup,
)
from tests.support.fake_gateway import FakeGateway
from tests.support.payments import DEMO_CARD, DEMO_CUSTOMER


@pytest.fixture
def fake(demo) -> FakeGateway:  # type: ignore[no-untyped-def]
    gateway = FakeGateway()
    gateway.add_method(method_id=DEMO_CARD, customer=DEMO_CUSTOMER)
    gateway.add_method(method_id="pm_iban", kind=MethodKind.SEPA_DEBIT, last4="3000")
    return gateway


def save_iban(services, fake, demo, *, make_default: bool = False):  # type: ignore[no-untyped-def]
    setup = start_wallet_setup(
        services.uow, fake, services.clock, customer_id=demo.customer_id, kind=MethodKind.SEPA_DEBIT
    )
    fake.browser_sets_up(setup.setup_intent_id, "pm_iban")
    return complete_wallet_setup(
        services.uow,
        fake,
        services.clock,
        customer_id=demo.customer_id,
        setup_intent_id=setup.setup_intent_id,
        make_default=make_default,
    )


def test_a_sepa_mandate_is_saved_attached_and_listed(services, fake, demo) -> None:
    saved = save_iban(services, fake, demo)

    assert (saved.label, saved.kind, saved.is_default) == ("IBAN ending 3000", MethodKind.SEPA_DEBIT, False)
    assert fake.methods["pm_iban"].details.customer == DEMO_CUSTOMER  # reuses the customer of the stored card
    assert [m.label for m in stored_methods(services.uow(), demo.customer_id)] == [
        "Visa ending 4242",
        "IBAN ending 3000",
    ]


def test_completing_twice_keeps_one_row(services, fake, demo) -> None:
    setup = start_wallet_setup(
        services.uow, fake, services.clock, customer_id=demo.customer_id, kind=MethodKind.CARD
    )
    fake.browser_sets_up(setup.setup_intent_id, "pm_iban")
    args = {"customer_id": demo.customer_id, "setup_intent_id": setup.setup_intent_id}
    first = complete_wallet_setup(services.uow, fake, services.clock, **args)
    assert complete_wallet_setup(services.uow, fake, services.clock, **args) == first


def test_an_unfinished_or_foreign_setup_is_refused(services, fake, demo) -> None:
    setup = start_wallet_setup(
        services.uow, fake, services.clock, customer_id=demo.customer_id, kind=MethodKind.CARD
    )
    with pytest.raises(InvalidInput):
        complete_wallet_setup(
            services.uow,
            fake,
            services.clock,
            customer_id=demo.customer_id,
            setup_intent_id=setup.setup_intent_id,
        )
    other = fake.create_setup_intent(
        customer="cus_someone_else", kind=MethodKind.CARD, idempotency_key="k", metadata={}
    )
    fake.browser_sets_up(other.id, "pm_iban")
    with pytest.raises(NotFound):
        complete_wallet_setup(
            services.uow, fake, services.clock, customer_id=demo.customer_id, setup_intent_id=other.id
        )


def test_choosing_the_default_and_removing_it(services, fake, demo) -> None:
    iban = save_iban(services, fake, demo)
    set_default_method(services.uow, services.clock, customer_id=demo.customer_id, method_id=iban.id)
    assert [(m.label, m.is_default) for m in stored_methods(services.uow(), demo.customer_id)] == [
        ("IBAN ending 3000", True),
        ("Visa ending 4242", False),
    ]

    remove_method(services.uow, fake, services.clock, customer_id=demo.customer_id, method_id=iban.id)

    [left] = stored_methods(services.uow(), demo.customer_id)
    assert (left.label, left.is_default) == ("Visa ending 4242", True)
    assert fake.methods["pm_iban"].details.customer is None
    with pytest.raises(NotFound):
        remove_method(services.uow, fake, services.clock, customer_id=demo.customer_id, method_id=iban.id)
