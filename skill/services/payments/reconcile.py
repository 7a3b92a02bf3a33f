"""`billpay reconcile`: settle or fail payments left in flight (a crash, a lost answer, an abandoned page)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ...domain.clock import Clock
from ...domain.model import Channel, PaymentStatus
from ...payments.gateway import GatewayError, PaymentGateway, PaymentInfo
from ...storage.uow import UnitOfWork
from .settlement import apply_payment, provider_key, refund_excess

log = logging.getLogger(__name__)

PROVIDER_METHODS = ("card", "sepa_debit", "link")
# The provider's clock and ours differ a little; look a bit earlier than the attempt for its intent.
CLOCK_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class ReconcileReport:
    checked: int = 0
    settled: int = 0
    failed: int = 0
    still_in_flight: int = 0
    unreachable: int = 0
    needs_review: int = 0  # the provider's payment did not match the attempt (settlement.flag_for_review)
    excess_refunded_minor: int = 0


@dataclass(frozen=True)
class _Stuck:
    attempt_id: int
    reference: str | None
    key: str
    channel: Channel
    created_at_minus_slack: datetime


def reconcile_payments(
    uow_factory: Callable[[], UnitOfWork],
    gateway: PaymentGateway,
    clock: Clock,
    *,
    older_than: timedelta,
) -> ReconcileReport:
    """Ask the provider about every attempt pending or processing for longer than `older_than`, and apply it.

    An attempt whose intent id was never stored (a crash between the provider's answer and our commit) is found
    by the key in the intent's metadata; if no intent carries it, nothing was charged and the attempt fails.
    An intent found that way settles the attempt only if its amount and currency are the attempt's; otherwise
    the attempt is flagged for review (settlement.apply_payment_in).
    A link page left unpaid has its intent canceled, so that it can no longer take money. Excess money that
    could not be refunded earlier is refunded now.
    """
    counts = {
        "checked": 0,
        "settled": 0,
        "failed": 0,
        "still_in_flight": 0,
        "unreachable": 0,
        "needs_review": 0,
    }
    for stuck in _stuck_attempts(uow_factory, clock.now() - older_than):
        counts["checked"] += 1
        try:
            info = _truth(gateway, stuck)
        except GatewayError:
            counts["unreachable"] += 1
            continue
        applied = apply_payment(uow_factory, gateway, clock, stuck.attempt_id, info)
        if applied.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
            counts["settled"] += 1
        elif applied.status in (PaymentStatus.FAILED, PaymentStatus.REQUIRES_ACTION):
            counts["failed"] += 1
        elif applied.status is PaymentStatus.NEEDS_REVIEW:
            counts["needs_review"] += 1
        else:
            counts["still_in_flight"] += 1
    refunded = sum(refund_excess(uow_factory, gateway, clock, a) for a in _unrefunded(uow_factory))
    report = ReconcileReport(**counts, excess_refunded_minor=refunded)
    log.info("reconcile: %s", report)
    return report


def _stuck_attempts(uow_factory: Callable[[], UnitOfWork], cutoff: datetime) -> list[_Stuck]:
    with uow_factory() as uow:
        rows = uow.attempts.in_flight([PaymentStatus.PENDING, PaymentStatus.PROCESSING], cutoff)
        return [
            _Stuck(
                a.id, a.provider_reference, provider_key(a), Channel(a.channel), a.created_at - CLOCK_SLACK
            )
            for a in rows
            if a.method in PROVIDER_METHODS
        ]


def _truth(gateway: PaymentGateway, stuck: _Stuck) -> PaymentInfo:
    if stuck.reference is not None:
        info = gateway.retrieve_payment(stuck.reference)
    else:
        found = gateway.find_payment(attempt_key=stuck.key, created_after=stuck.created_at_minus_slack)
        if found is None:
            return PaymentInfo("", "failed", 0, "", failure_code="not_submitted")
        info = found
    if info.status in ("open", "requires_action") and stuck.channel is Channel.LINK:
        info = gateway.cancel_payment(info.reference)  # abandoned page: it must not take money later
    return info


def _unrefunded(uow_factory: Callable[[], UnitOfWork]) -> list[int]:
    with uow_factory() as uow:
        return [a.id for a in uow.attempts.with_unrefunded_excess()]
