"""Deterministic demo data: three billers, one customer, an electricity, an overdue water and a part-paid phone bill."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from ..domain.clock import Clock
from ..domain.errors import InvalidInput
from ..domain.model import BillType, Channel, MandateStatus, MethodKind
from ..services.billing import ledger
from ..services.identity import directory
from ..services.service_desk.contact import set_contact
from ..storage import models as m
from ..storage.uow import UnitOfWork

if TYPE_CHECKING:
    from ..bootstrap import Services

DEMO_EMAIL = "alex@example.com"


@dataclass(frozen=True)
class DemoSummary:
    customer_id: int
    email: str
    billers: tuple[str, ...]
    invoices: tuple[str, ...]


def seed_services(services: Services) -> DemoSummary:
    """Seed through the process's own unit of work and clock (the CLI and the demo runner)."""
    return seed_demo(services.uow, services.clock)


def seed_demo(uow: Callable[[], UnitOfWork], clock: Clock) -> DemoSummary:
    """Create the demo world once. Seeding a database that already has it is refused, not duplicated."""
    with uow() as probe:
        if probe.customers.by_email(DEMO_EMAIL) is not None:
            raise InvalidInput("the demo data is already in this database", field="database")
    today = clock.today()
    energy = directory.create_biller(
        uow(),
        directory.NewBiller(
            "northwind-energy",
            "Northwind Energy",
            "Northwind Energy",
            "NL",
            "EUR",
            aliases=("Northwind", "energy company", "power company", "Energieversorger", "energiebedrijf"),
            partial_allowed=True,
            partial_min_minor=1000,
            pin_threshold_minor=10000,
        ),
        clock,
    )
    water = directory.create_biller(
        uow(),
        directory.NewBiller(
            "aqua-pura",
            "Aqua Pura Water",
            "Aqua Pura",
            "NL",
            "EUR",
            aliases=("Aqua Pura", "water company", "Wasserwerk", "waterbedrijf"),
            partial_allowed=False,
            pin_threshold_minor=10000,
        ),
        clock,
    )
    phone = directory.create_biller(
        uow(),
        directory.NewBiller(
            "lumen-mobile",
            "Lumen Mobile",
            "Lumen Mobile",
            "NL",
            "EUR",
            aliases=(
                "Lumen",
                "phone company",
                "mobile provider",
                "Mobilfunkanbieter",
                "telefoonmaatschappij",
            ),
            partial_allowed=True,
            partial_min_minor=500,
            pin_threshold_minor=10000,
        ),
        clock,
    )
    _demo_contacts(uow, energy, water, phone)
    customer_id = directory.upsert_customer(
        uow(),
        directory.CustomerData(
            name="Alex Demo",
            email=DEMO_EMAIL,
            mobile="+31612345678",
            locale="en-US",
            accounts={energy: "NWE-100234", water: "AQP-55810", phone: "LUM-7781"},
        ),
        clock,
    )

    def account(biller_id: int) -> int:
        return directory.account_id(uow(), customer_id, biller_id)

    def bill(
        biller_id: int, number: str, kind: BillType, issued: int, due: int, amount: int, text: str
    ) -> int:
        return ledger.create_invoice(
            uow(),
            ledger.NewInvoice(
                biller_id,
                account(biller_id),
                number,
                kind,
                today + timedelta(days=issued),
                today + timedelta(days=due),
                amount,
                "EUR",
                text,
                line_items=({"description": text, "amount_minor": amount},),
            ),
            clock,
        )

    previous = bill(energy, "NWE-2026-10", BillType.ELECTRICITY, -44, -30, 7910, "Electricity, October")
    ledger.record_payment(
        uow(),
        previous,
        7910,
        "EUR",
        idempotency_key="demo-nwe-2026-10",
        clock=clock,
        channel=Channel.API,
        method="bank_transfer",
    )
    bill(energy, "NWE-2026-11", BillType.ELECTRICITY, -14, 10, 9430, "Electricity, November")
    bill(water, "AQP-2026-Q3", BillType.WATER, -35, -5, 4560, "Water, third quarter")
    phone_bill = bill(
        phone, "LUM-2026-11", BillType.PHONE, -12, 3, 15000, "Mobile plan and roaming, November"
    )
    ledger.record_payment(
        uow(),
        phone_bill,
        3000,
        "EUR",
        idempotency_key="demo-lum-2026-11-part",
        clock=clock,
        channel=Channel.API,
        method="bank_transfer",
    )
    with uow() as w:
        w.methods.add(
            m.PaymentMethod(
                customer_id=customer_id,
                provider="stripe",
                provider_customer_id="cus_demo_unprovisioned",
                provider_method_id="pm_demo_visa_4242",
                kind=MethodKind.CARD,
                brand="visa",
                last4="4242",
                label="Visa ending 4242",
                is_default=True,
                mandate_status=MandateStatus.ACTIVE,
                created_at=clock.now(),
            )
        )
        w.commit()
    return DemoSummary(
        customer_id=customer_id,
        email=DEMO_EMAIL,
        billers=("Northwind Energy", "Aqua Pura Water", "Lumen Mobile"),
        invoices=(
            "NWE-2026-10  Northwind Energy  electricity  EUR 79.10  paid (last month)",
            "NWE-2026-11  Northwind Energy  electricity  EUR 94.30  open, due in 10 days",
            "AQP-2026-Q3  Aqua Pura Water   water        EUR 45.60  open, overdue by 5 days",
            "LUM-2026-11  Lumen Mobile      phone        EUR 150.00 partially paid (EUR 30.00), due in 3 days",
        ),
    )


def _demo_contacts(uow: Callable[[], UnitOfWork], energy: int, water: int, mobile: int) -> None:
    """How to reach each demo biller (ContactIntent): a full route, one without email, one without a phone line."""
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    set_contact(
        uow(),
        energy,
        phone="+31201234567",
        email="service@northwind-energy.example",
        url="https://northwind-energy.example/contact",
        hours=[
            {"days": weekdays, "opens": "08:00", "closes": "18:00"},
            {"days": ["sat"], "opens": "09:00", "closes": "13:00"},
        ],
    )
    set_contact(
        uow(),
        water,
        phone="+31307654321",
        email=None,
        url="https://aquapura.example/help",
        hours=[{"days": weekdays, "opens": "09:00", "closes": "17:00"}],
    )
    set_contact(
        uow(),
        mobile,
        phone=None,
        email="help@lumen-mobile.example",
        url="https://lumen-mobile.example/help",
        hours=None,
    )
