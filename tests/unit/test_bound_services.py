"""bootstrap() binds each capability once: the same object per process, and the gateway built on first payment."""

from __future__ import annotations

from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary
from skill.payments.gateway import PaymentGateway
from skill.settings import Settings
from tests.support.fake_gateway import FakeGateway


def test_each_capability_is_built_once_per_services(services: Services) -> None:
    assert services.billing is services.billing
    assert services.payments is services.payments
    other = bootstrap(services.settings)
    try:
        assert services.identity is not other.identity
    finally:
        other.dispose()


def test_the_gateway_is_built_on_the_first_payment_call_not_with_the_payments_service(
    services: Services, demo: DemoSummary
) -> None:
    built: list[PaymentGateway] = []

    def factory(settings: Settings) -> PaymentGateway:
        built.append(FakeGateway())
        return built[-1]

    services.gateway_factory = factory
    assert services.payments.stored_methods(demo.customer_id)  # no provider needed to list stored methods
    assert built == []
    assert services.payments.browser_config().publishable_key == "pk_test_fake"
    assert len(built) == 1 and services.gateway is built[0]
