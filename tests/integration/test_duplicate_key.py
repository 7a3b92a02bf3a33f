"""Storage turns a taken unique key into its own DuplicateKey, naming the key, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from skill.bootstrap import Services
from skill.demo.seed import DemoSummary
from skill.storage import models as m
from skill.storage.errors import DuplicateKey
from tests.support.store import invoice_id


def test_a_taken_invoice_number_raises_duplicate_key_on_that_constraint(
    services: Services, demo: DemoSummary
) -> None:
    existing = invoice_id(services.uow(), "NWE-2026-11")
    with services.uow() as uow:
        original = uow.invoices.get(existing)
        assert original is not None
        copy = m.Invoice(
            **{c.key: getattr(original, c.key) for c in m.Invoice.__table__.columns if c.key not in ("id",)}
        )
        uow.invoices.add(copy)
        with pytest.raises(DuplicateKey) as raised:
            uow.flush()
    assert raised.value.on("invoices", "biller_id", "number")
    assert not raised.value.on("invoices", "number")
    assert isinstance(raised.value.__cause__, IntegrityError)


def test_a_second_processed_event_with_the_same_id_raises_duplicate_key_on_commit(services: Services) -> None:
    now = services.clock.now()
    with services.uow() as uow:
        uow.processed.add(
            m.ProcessedEvent(provider="stripe", event_id="evt_1", event_type="x", processed_at=now)
        )
        uow.commit()
    with services.uow() as uow:
        # A second worker that has not seen the first one's row yet (the race handle_stripe_event answers).
        uow.session.add(
            m.ProcessedEvent(provider="stripe", event_id="evt_1", event_type="x", processed_at=now)
        )
        with pytest.raises(DuplicateKey) as raised:
            uow.commit()
    assert raised.value.table == "processed_events"
    assert raised.value.columns == ("provider", "event_id")
