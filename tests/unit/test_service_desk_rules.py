"""The pure rules behind the service desk: reminder plans, contact routes, refund standing, payment-plan requests."""

from __future__ import annotations

from datetime import date, time

import pytest

from skill.domain.contact import (
    ContactRoute,
    OpeningHours,
    check_email,
    check_hours,
    check_phone,
    check_url,
    day_runs,
    hours_from_json,
    hours_to_json,
)
from skill.domain.errors import IllegalTransition, InvalidInput
from skill.domain.model import InvoiceStatus, check_dispute, check_payment_plan
from skill.domain.refunds import RefundState, add_working_days, refund_standing
from skill.domain.reminders import (
    DEFAULT_PLAN,
    ReminderPlan,
    ReminderStep,
    StepKind,
    next_step,
    plan_from_json,
)

DUE = date(2026, 3, 20)  # a Friday


# Reminder plans


def test_the_default_plan_is_issue_13s_friendly_due_overdue_and_final_steps() -> None:
    assert [(s.key, s.offset_days, s.kind) for s in DEFAULT_PLAN.steps] == [
        ("before_due", -3, StepKind.REMINDER),
        ("on_due", 0, StepKind.REMINDER),
        ("after_due", 7, StepKind.REMINDER),
        ("final_notice", 14, StepKind.FINAL_NOTICE),
    ]


def test_before_anything_is_sent_the_first_step_comes_on_its_own_day() -> None:
    upcoming = next_step(DEFAULT_PLAN, DUE, set(), today=date(2026, 3, 10))

    assert upcoming is not None
    assert (upcoming.step.key, upcoming.on) == ("before_due", date(2026, 3, 17))


def test_after_a_step_was_sent_the_next_one_comes_on_its_day() -> None:
    upcoming = next_step(DEFAULT_PLAN, DUE, {"before_due"}, today=date(2026, 3, 18))

    assert upcoming is not None
    assert (upcoming.step.key, upcoming.on) == ("on_due", DUE)


def test_a_step_whose_day_passed_unsent_goes_out_today_and_earlier_ones_are_skipped() -> None:
    # Nothing was sent and the bill is 8 days overdue: the friendly and due-day reminders are superseded.
    upcoming = next_step(DEFAULT_PLAN, DUE, set(), today=date(2026, 3, 28))

    assert upcoming is not None
    assert (upcoming.step.key, upcoming.on) == ("after_due", date(2026, 3, 28))


def test_steps_before_the_last_one_sent_never_come_back() -> None:
    upcoming = next_step(DEFAULT_PLAN, DUE, {"after_due"}, today=date(2026, 3, 28))

    assert upcoming is not None
    assert (upcoming.step.key, upcoming.on) == ("final_notice", date(2026, 4, 3))


def test_after_the_final_notice_nothing_comes_next() -> None:
    assert next_step(DEFAULT_PLAN, DUE, {"final_notice"}, today=date(2026, 5, 1)) is None


def test_a_stored_plan_reads_back_and_none_is_the_default() -> None:
    plan = ReminderPlan((ReminderStep("nudge", -1), ReminderStep("last", 10, StepKind.FINAL_NOTICE)))

    assert plan_from_json(plan.to_json()) == plan
    assert plan_from_json(None) is DEFAULT_PLAN


@pytest.mark.parametrize(
    "raw",
    [
        [],
        "before_due",
        [{"key": "a", "offset_days": 1}, {"key": "a", "offset_days": 2}],  # duplicate key
        [{"key": "a", "offset_days": 2}, {"key": "b", "offset_days": 1}],  # not ascending
        [{"key": "a", "offset_days": 1.5}],
        [{"key": "a", "offset_days": True}],
        [{"key": "A b", "offset_days": 1}],
        [{"key": "a", "offset_days": 400}],
        [{"key": "a", "offset_days": 1, "kind": "final_notice"}, {"key": "b", "offset_days": 2}],
        [{"key": "a", "offset_days": 1, "kind": "sms"}],
        [{"key": "a", "offset_days": 1, "channel": "sms"}],
    ],
)
def test_a_malformed_plan_is_refused(raw: object) -> None:
    with pytest.raises(InvalidInput):
        plan_from_json(raw)


# Contact routes


def test_a_phone_number_is_kept_in_e164_without_the_spaces_people_write() -> None:
    assert check_phone("+31 (20) 123-45.67") == "+31201234567"


@pytest.mark.parametrize("raw", ["0201234567", "+0123456789", "+31 20 abc", "+1234", "+1234567890123456"])
def test_a_phone_number_that_is_not_international_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_phone(raw)
    assert refused.value.details["field"] == "phone"


@pytest.mark.parametrize("raw", ["service", "a@b", "a b@example.com", "x@" + "e" * 320 + ".com", "<a@b.nl>"])
def test_an_email_that_is_not_an_address_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        check_email(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "http://northwind.example/help",
        "https://user:pw@northwind.example/help",
        "https://northwind.example:8443/help",
        "https://localhost/help",
        "/contact",
        "javascript:alert(1)",
        'https://northwind.example/"onmouseover="x',
        "https://northwind.example/" + "a" * 500,
    ],
)
def test_a_web_page_that_is_not_a_plain_https_page_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        check_url(raw)


def test_opening_hours_round_trip_in_week_order() -> None:
    raw = [
        {"days": ["sat"], "opens": "09:00", "closes": "13:00"},
        {"days": ["fri", "mon", "tue", "wed", "thu"], "opens": "08:00", "closes": "18:30"},
    ]

    hours = check_hours(raw)

    assert hours == (
        OpeningHours(("mon", "tue", "wed", "thu", "fri"), time(8), time(18, 30)),
        OpeningHours(("sat",), time(9), time(13)),
    )
    assert hours_from_json(hours_to_json(hours)) == hours


@pytest.mark.parametrize(
    "raw",
    [
        [{"days": ["mon"], "opens": "18:00", "closes": "08:00"}],
        [{"days": ["mon"], "opens": "8:00", "closes": "18:00"}],
        [{"days": ["mon"], "opens": "08:00", "closes": "24:00"}],
        [{"days": [], "opens": "08:00", "closes": "18:00"}],
        [{"days": ["monday"], "opens": "08:00", "closes": "18:00"}],
        [
            {"days": ["mon"], "opens": "08:00", "closes": "12:00"},
            {"days": ["mon"], "opens": "13:00", "closes": "17:00"},
        ],
        [{"days": ["mon"], "opens": "08:00"}],
        {"mon": "08:00-18:00"},
    ],
)
def test_malformed_opening_hours_are_refused(raw: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_hours(raw)
    assert refused.value.details["field"] == "hours"


def test_weekdays_group_into_runs_for_speech() -> None:
    assert day_runs(("mon", "tue", "wed", "fri", "sun")) == [("mon", "wed"), ("fri", "fri"), ("sun", "sun")]


def test_a_route_with_only_hours_is_not_a_route() -> None:
    assert not ContactRoute(hours=(OpeningHours(("mon",), time(8), time(9)),)).configured
    assert ContactRoute(email="help@northwind.example").configured


# Refunds


def test_working_days_skip_the_weekend() -> None:
    assert add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 16)  # Friday -> Monday
    assert add_working_days(date(2026, 3, 10), 10) == date(2026, 3, 24)


def test_excess_paid_outside_the_provider_is_due_from_the_biller_with_no_date() -> None:
    standing = refund_standing(
        owed_minor=500, automatic=False, since=date(2026, 3, 1), refunded_on=None, today=date(2026, 3, 10)
    )

    assert (standing.state, standing.expected_by) == (RefundState.DUE, None)


def test_excess_paid_through_the_provider_is_under_way_automatically() -> None:
    standing = refund_standing(
        owed_minor=500, automatic=True, since=date(2026, 3, 10), refunded_on=None, today=date(2026, 3, 10)
    )

    assert (standing.state, standing.expected_by) == (RefundState.UNDER_WAY, date(2026, 3, 24))


def test_an_issued_refund_is_under_way_for_ten_working_days_then_done() -> None:
    issued = date(2026, 3, 2)
    during = refund_standing(
        owed_minor=0, automatic=True, since=issued, refunded_on=issued, today=date(2026, 3, 10)
    )
    after = refund_standing(
        owed_minor=0, automatic=True, since=issued, refunded_on=issued, today=date(2026, 3, 16)
    )

    assert (during.state, during.expected_by) == (RefundState.UNDER_WAY, date(2026, 3, 16))
    assert after.state is RefundState.DONE


# Disputes and payment plans


@pytest.mark.parametrize("status", [InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID])
def test_a_payment_plan_can_be_asked_for_on_a_bill_still_to_pay(status: InvoiceStatus) -> None:
    check_payment_plan(status)


@pytest.mark.parametrize("status", [InvoiceStatus.PAID, InvoiceStatus.VOID, InvoiceStatus.DISPUTED])
def test_a_payment_plan_is_refused_on_a_bill_with_nothing_to_spread(status: InvoiceStatus) -> None:
    with pytest.raises(IllegalTransition):
        check_payment_plan(status)


@pytest.mark.parametrize("status", [InvoiceStatus.VOID, InvoiceStatus.DISPUTED])
def test_a_void_or_disputed_bill_cannot_be_disputed_again(status: InvoiceStatus) -> None:
    with pytest.raises(IllegalTransition):
        check_dispute(status)
