"""biller branding: a logo URL and a brand colour per biller, both optional (the product's look when unset)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("billers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logo_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("brand_colour", sa.String(length=7), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("billers", schema=None) as batch_op:
        batch_op.drop_column("brand_colour")
        batch_op.drop_column("logo_url")
