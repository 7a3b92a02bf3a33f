"""payments: the provider's customer id, and which payment link an attempt came from

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stripe_customer_id", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_customers_stripe_customer_id"), ["stripe_customer_id"]
        )

    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_payment_attempts_link_id"), ["link_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_payment_attempts_link_id_payment_links"), "payment_links", ["link_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payment_attempts_link_id_payment_links"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_payment_attempts_link_id"))
        batch_op.drop_column("link_id")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_customers_stripe_customer_id"), type_="unique")
        batch_op.drop_column("stripe_customer_id")
