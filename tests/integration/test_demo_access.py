"""The demo's lock on var/ and its linking token, without starting the demo's processes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import update

from skill.bootstrap import Services
from skill.demo.access import demo_linking_token, demo_token_path
from skill.demo.lock import DemoAlreadyRunning, acquire_demo_lock
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.storage import models as m


def test_a_second_lock_on_the_same_var_dir_is_refused_naming_the_holder(tmp_path: Path) -> None:
    first = acquire_demo_lock(tmp_path)
    first.describe(pid=4242, url="http://127.0.0.1:8000")
    try:
        with pytest.raises(DemoAlreadyRunning, match=r"pid 4242, http://127\.0\.0\.1:8000"):
            acquire_demo_lock(tmp_path)
    finally:
        first.release()
    acquire_demo_lock(tmp_path).release()  # released: the next demo may start


def test_the_linking_token_is_reused_while_valid_and_kept_private(
    services: Services, demo: DemoSummary, tmp_path: Path
) -> None:
    token, issued = demo_linking_token(services, tmp_path)
    again, issued_again = demo_linking_token(services, tmp_path)
    assert (issued, again, issued_again) == (True, token, False)
    assert stat.S_IMODE(demo_token_path(tmp_path).stat().st_mode) == 0o600
    with services.uow() as uow:
        assert uow.session.query(m.LinkedAccountToken).filter_by(customer_id=demo.customer_id).count() == 1


def test_a_revoked_or_expired_token_is_replaced(
    services: Services, demo: DemoSummary, tmp_path: Path, clock: FixedClock
) -> None:
    token, _ = demo_linking_token(services, tmp_path)
    with services.uow() as uow:
        uow.session.execute(update(m.LinkedAccountToken).values(revoked_at=clock.now()))
        uow.commit()
    replaced, issued = demo_linking_token(services, tmp_path)
    assert issued and replaced != token
    clock.advance(days=8)
    expired_replacement, issued = demo_linking_token(services, tmp_path)
    assert issued and expired_replacement != replaced
    assert demo_token_path(tmp_path).read_text().strip() == expired_replacement
