"""payment review: a payment attempt the provider settled for another amount or currency waits for a person

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BEFORE = ("pending", "processing", "succeeded", "failed", "requires_action", "refunded")
_AFTER = (*_BEFORE, "needs_review")


def _status(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="payment_status", native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    # The status is a VARCHAR with a CHECK constraint on both backends: widening it rewrites the constraint
    # (SQLite recreates the table in batch mode).
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.alter_column(
            "status", existing_type=_status(_BEFORE), type_=_status(_AFTER), existing_nullable=False
        )


def downgrade() -> None:
    # An attempt under review goes back to failed: the older code has no other state for it.
    op.execute("UPDATE payment_attempts SET status = 'failed' WHERE status = 'needs_review'")
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.alter_column(
            "status", existing_type=_status(_AFTER), type_=_status(_BEFORE), existing_nullable=False
        )
