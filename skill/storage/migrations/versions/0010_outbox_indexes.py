"""outbox indexes for the batched worker: the claim's partial index in due order, retention's, and the foreign keys

ix_outbox_due (next_attempt_at, id) WHERE status IN ('pending', 'sending') is what the claim walks, in order and
without a sort, however many messages are due (skill/storage/outbox_repository.py). Leases now also move
next_attempt_at to the lease's end; a message leased by a worker of the previous version gets that here, so the
new claim does not take a message that is still being sent. ix_outbox_unpurged (created_at) over sent and dead
rows not yet purged is retention's; customer_id and invoice_id get the indexes every foreign key should have.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

DUE = "status IN ('pending', 'sending')"
UNPURGED = "status IN ('sent', 'dead') AND recipient <> '[purged]'"


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE outbox SET next_attempt_at = lease_until WHERE status IN ('pending', 'sending') "
            "AND lease_until IS NOT NULL AND lease_until > next_attempt_at"
        )
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_due",
            ["next_attempt_at", "id"],
            unique=False,
            postgresql_where=sa.text(DUE),
            sqlite_where=sa.text(DUE),
        )
        batch_op.create_index(
            "ix_outbox_unpurged",
            ["created_at"],
            unique=False,
            postgresql_where=sa.text(UNPURGED),
            sqlite_where=sa.text(UNPURGED),
        )
        batch_op.create_index(batch_op.f("ix_outbox_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_invoice_id"), ["invoice_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_customer_id"))
        batch_op.drop_index("ix_outbox_unpurged")
        batch_op.drop_index("ix_outbox_due")
