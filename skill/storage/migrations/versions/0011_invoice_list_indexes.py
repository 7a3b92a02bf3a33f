"""invoice list indexes: the biller API's GET /invoices finds a page by index at any size

ix_invoices_biller_id (biller_id, id) serves a page without filters, ix_invoices_biller_status_id
(biller_id, status, id) a status (a rare one such as partially_paid walked pk_invoices through most of the table),
and ix_invoices_biller_due_id (biller_id, due_date, id), with the status included on PostgreSQL, due dates (with or
without a status, from the index alone). A customer's invoices already have ix_invoices_account_status_due.

CREATE INDEX holds off writes to invoices while it runs: on a million invoices about a second per index here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invoices_biller_id", "invoices", ["biller_id", "id"])
    op.create_index("ix_invoices_biller_status_id", "invoices", ["biller_id", "status", "id"])
    op.create_index(
        "ix_invoices_biller_due_id",
        "invoices",
        ["biller_id", "due_date", "id"],
        postgresql_include=["status"],
    )


def downgrade() -> None:
    op.drop_index("ix_invoices_biller_due_id", table_name="invoices")
    op.drop_index("ix_invoices_biller_status_id", table_name="invoices")
    op.drop_index("ix_invoices_biller_id", table_name="invoices")
