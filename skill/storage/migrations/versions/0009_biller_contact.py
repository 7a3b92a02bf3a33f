"""biller contact route and reminder plan: phone, email, web page, opening hours and the dunning steps, all optional

The contact route is what the voice skill reads for "I want to talk to someone"; the reminder plan (JSON: steps as
day offsets from the due date, skill/domain/reminders.py) is what "I got a reminder" explains and what dunning
(issue 13) sends. NULL everywhere means "not configured": the product's default plan, and no contact to give.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("billers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("contact_email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("contact_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("contact_hours", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("reminder_plan", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("billers", schema=None) as batch_op:
        batch_op.drop_column("reminder_plan")
        batch_op.drop_column("contact_hours")
        batch_op.drop_column("contact_url")
        batch_op.drop_column("contact_email")
        batch_op.drop_column("contact_phone")
