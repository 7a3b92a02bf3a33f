"""The service desk on a real store (SQLite, and PostgreSQL with TEST_DATABASE_URL): disputes and payment plans are
recorded once even when requests race, their webhooks carry no personal data, and reminders read the biller's plan."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime

import pytest

from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.domain.errors import IllegalTransition, InvalidInput
from skill.domain.model import BillType, Channel, EventKind, InvoiceStatus
from skill.domain.reminders import ReminderPlan, ReminderStep, StepKind
from skill.services.service_desk.results import (
    BillerContact,
    BillQuery,
    ChooseBill,
    ChooseBiller,
    NoBill,
    ReminderStatus,
    RequestRecorded,
)
from skill.settings import Settings
from tests.support.service_desk import biller_id, events, hook, invoice_id, remind, webhooks

WATER = BillQuery(bill_type=BillType.WATER)
PHONE = BillQuery(bill_type=BillType.PHONE)


def _recorded(found: object) -> RequestRecorded:
    assert isinstance(found, RequestRecorded), found
    return found


def test_a_dispute_puts_the_bill_in_disputed_once_and_keeps_the_status_it_had(
    services: Services, demo: DemoSummary
) -> None:
    desk, water = services.service_desk, invoice_id(services, "AQP-2026-Q3")

    first = _recorded(
        desk.open_dispute(demo.customer_id, WATER, via=Channel.ALEXA, reason="I moved out in January")
    )
    again = _recorded(desk.open_dispute(demo.customer_id, WATER, via=Channel.ALEXA))

    assert (first.new, again.new) == (True, False)
    assert again.recorded_at == first.recorded_at
    assert first.bill.status is InvoiceStatus.DISPUTED
    [entry] = events(services, water, EventKind.DISPUTED)
    assert entry.channel == "alexa"
    assert entry.data == {
        "previous_status": "open",
        "reply_channel": "email",
        "reason": "I moved out in January",
    }


def test_the_dispute_webhook_names_the_invoice_and_the_reply_channel_but_no_personal_data(
    services: Services, demo: DemoSummary
) -> None:
    hook(services, "aqua-pura", ["dispute.opened"])
    hook(services, "lumen-mobile", ["dispute.opened"])  # another biller's endpoint hears nothing of it
    hook(services, "aqua-pura", ["invoice.paid"])  # nor does an endpoint not subscribed to disputes

    services.service_desk.open_dispute(
        demo.customer_id, WATER, via=Channel.ALEXA, reason="wrong meter reading"
    )

    [delivery] = webhooks(services, "dispute.opened")
    assert delivery.recipient == "https://hooks.aqua-pura.example/x"
    body = delivery.payload["body"]
    event = json.loads(body)
    assert event["type"] == "dispute.opened"
    assert event["data"]["number"] == "AQP-2026-Q3"
    assert event["data"]["status"] == "disputed" and event["data"]["reply_channel"] == "email"
    for personal in ("alex@example.com", "+31612345678", "Alex", "meter"):
        assert personal not in body


def test_a_payment_plan_request_is_recorded_once_and_leaves_the_bill_as_it_is(
    services: Services, demo: DemoSummary
) -> None:
    hook(services, "lumen-mobile", ["payment_plan.requested"])
    phone = invoice_id(services, "LUM-2026-11")

    first = _recorded(services.service_desk.request_payment_plan(demo.customer_id, PHONE, via=Channel.ALEXA))
    again = _recorded(services.service_desk.request_payment_plan(demo.customer_id, PHONE, via=Channel.ALEXA))

    assert (first.new, again.new) == (True, False)
    assert first.bill.status is InvoiceStatus.PARTIALLY_PAID and first.bill.remaining_minor == 12000
    assert len(events(services, phone, EventKind.PAYMENT_PLAN_REQUESTED)) == 1
    [delivery] = webhooks(services, "payment_plan.requested")
    data = json.loads(delivery.payload["body"])["data"]
    assert (data["amount_due_minor"], data["amount_paid_minor"], data["due_date"]) == (
        15000,
        3000,
        "2026-03-13",
    )


def test_a_payment_plan_for_a_disputed_bill_is_refused_by_the_domain_rule(
    services: Services, demo: DemoSummary
) -> None:
    services.service_desk.open_dispute(demo.customer_id, WATER, via=Channel.ALEXA)

    with pytest.raises(IllegalTransition):
        services.service_desk.request_payment_plan(demo.customer_id, WATER, via=Channel.ALEXA)
    assert events(services, invoice_id(services, "AQP-2026-Q3"), EventKind.PAYMENT_PLAN_REQUESTED) == []


def test_a_reason_that_is_not_plain_text_is_refused_before_anything_is_written(
    services: Services, demo: DemoSummary
) -> None:
    for reason in ("x" * 501, "line\x00break"):
        with pytest.raises(InvalidInput):
            services.service_desk.open_dispute(demo.customer_id, WATER, via=Channel.ALEXA, reason=reason)
    assert events(services, invoice_id(services, "AQP-2026-Q3"), EventKind.DISPUTED) == []


def test_without_a_bill_named_or_in_focus_several_open_bills_are_asked_about(
    services: Services, demo: DemoSummary
) -> None:
    found = services.service_desk.open_dispute(demo.customer_id, BillQuery(), via=Channel.ALEXA)

    assert isinstance(found, ChooseBill)
    assert {b.number for b in found.candidates} == {"AQP-2026-Q3", "LUM-2026-11", "NWE-2026-11"}
    water = invoice_id(services, "AQP-2026-Q3")
    focused = services.service_desk.open_dispute(demo.customer_id, BillQuery(focus=water), via=Channel.ALEXA)
    assert _recorded(focused).bill.id == water


def test_another_customers_bill_is_never_found(services: Services, demo: DemoSummary) -> None:
    from skill.services.identity import directory

    other = directory.upsert_customer(
        services.uow(),
        directory.CustomerData(
            name="Sam", email="sam@example.com", accounts={biller_id(services, "aqua-pura"): "X-1"}
        ),
        services.clock,
    )
    water = invoice_id(services, "AQP-2026-Q3")

    found = services.service_desk.open_dispute(other, BillQuery(focus=water), via=Channel.ALEXA)

    assert isinstance(found, NoBill)
    assert events(services, water, EventKind.DISPUTED) == []
    contact = services.service_desk.contact(other, biller=None, focus=invoice_id(services, "NWE-2026-11"))
    assert isinstance(contact, BillerContact) and contact.spoken_name == "Aqua Pura"  # their only biller


@pytest.mark.parametrize("kind", ["dispute", "payment_plan"])
def test_racing_requests_record_one_entry_and_one_webhook(
    services: Services, demo: DemoSummary, settings: Settings, kind: str
) -> None:
    hook(services, "lumen-mobile", ["dispute.opened", "payment_plan.requested"])
    barrier, results, lock = threading.Barrier(4), [], threading.Lock()

    def ask() -> None:
        own = bootstrap(settings, clock=FixedClock(services.clock.now()))
        try:
            desk = own.service_desk
            call = desk.open_dispute if kind == "dispute" else desk.request_payment_plan
            barrier.wait(60)
            found = _recorded(call(demo.customer_id, PHONE, via=Channel.ALEXA))
            with lock:
                results.append(found.new)
        finally:
            own.dispose()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert sorted(results) == [False, False, False, True]
    entry = EventKind.DISPUTED if kind == "dispute" else EventKind.PAYMENT_PLAN_REQUESTED
    assert len(events(services, invoice_id(services, "LUM-2026-11"), entry)) == 1
    event_type = "dispute.opened" if kind == "dispute" else "payment_plan.requested"
    assert len(webhooks(services, event_type)) == 1


def test_reminders_follow_the_billers_own_plan(services: Services, demo: DemoSummary) -> None:
    plan = ReminderPlan((ReminderStep("nudge", 1), ReminderStep("last_call", 10, StepKind.FINAL_NOTICE)))
    with services.uow() as uow:
        biller = uow.billers.by_slug("aqua-pura")
        assert biller is not None
        biller.reminder_plan = plan.to_json()
        uow.commit()
    water = invoice_id(services, "AQP-2026-Q3")  # due March 5; today March 10
    remind(services, water, "nudge", "email", date(2026, 3, 6))

    found = services.service_desk.reminder_status(demo.customer_id, WATER)

    assert isinstance(found, ReminderStatus)
    assert found.next is not None and (found.next.step.key, found.next.on) == ("last_call", date(2026, 3, 15))
    assert [(m.kind, m.channel) for m in found.sent] == [("reminder", "email")]


def test_an_unreadable_stored_plan_gives_way_to_the_default(services: Services, demo: DemoSummary) -> None:
    with services.uow() as uow:
        biller = uow.billers.by_slug("aqua-pura")
        assert biller is not None
        biller.reminder_plan = [{"key": "Bad Key", "offset_days": "soon"}]
        uow.commit()

    found = services.service_desk.reminder_status(demo.customer_id, WATER)

    assert isinstance(found, ReminderStatus) and found.next is not None
    assert found.next.step.key == "on_due"  # the default plan's latest step due by today


def test_a_customer_with_no_billers_is_told_so(services: Services) -> None:
    from skill.services.identity import directory

    nobody = directory.upsert_customer(
        services.uow(), directory.CustomerData(name="Kim", email="kim@example.com"), services.clock
    )

    assert services.service_desk.contact(nobody, biller=None, focus=None) == ChooseBiller(
        (), unknown_name=False
    )


def test_a_stored_dispute_is_at_the_time_it_was_made(services: Services, demo: DemoSummary) -> None:
    recorded = _recorded(services.service_desk.open_dispute(demo.customer_id, WATER, via=Channel.ALEXA))

    assert recorded.recorded_at == services.clock.now()
    assert isinstance(recorded.recorded_at, datetime) and recorded.recorded_at.tzinfo is not None
