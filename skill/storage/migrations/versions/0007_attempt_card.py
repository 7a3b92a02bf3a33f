"""attempt card: the brand and last four of the card a payment-link attempt charged, for its receipt

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("method_brand", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("method_last4", sa.String(length=4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_column("method_last4")
        batch_op.drop_column("method_brand")
