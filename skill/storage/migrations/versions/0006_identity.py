"""identity: biller records hold their own contact details; a person holds only channels they proved (ADR 0003)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Before this revision a customer row was shared by every biller that named the same email, and each biller could
fill in its missing mobile number. From here on (docs/adr/0003-identity-across-billers.md):
- customer_accounts carries the name, email, mobile and locale that its biller supplied;
- customers.email and customers.mobile are channels the person proved; a mobile stays on the person only when no
  other biller could have put it there (all the person's records are at one biller) or a sign-in code sent by SMS
  was entered; the mobile of a person shared by several billers is copied to none of their records (it is not
  known which biller supplied it: billers send it again with PUT /api/v1/customers);
- a record is claimed (claimed_at) when its person holds a proven channel; existing joins are kept.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

customers = sa.table(
    "customers",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("email", sa.String),
    sa.column("mobile", sa.String),
    sa.column("locale", sa.String),
)
accounts = sa.table(
    "customer_accounts",
    sa.column("id", sa.Integer),
    sa.column("customer_id", sa.Integer),
    sa.column("biller_id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("email", sa.String),
    sa.column("mobile", sa.String),
    sa.column("locale", sa.String),
    sa.column("claimed_at", sa.DateTime(timezone=True)),
)
challenges = sa.table(
    "login_challenges",
    sa.column("customer_id", sa.Integer),
    sa.column("channel", sa.String),
    sa.column("used_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("customer_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("mobile", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("locale", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("login_challenges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=320), nullable=True))

    _move_contact_details(op.get_bind())

    with op.batch_alter_table("customer_accounts", schema=None) as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column("locale", existing_type=sa.String(length=5), nullable=False)
        batch_op.drop_constraint("uq_customer_accounts_customer_id_biller_id", type_="unique")
        batch_op.create_index(batch_op.f("ix_customer_accounts_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_accounts_mobile"), ["mobile"], unique=False)
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_customers_mobile"), ["mobile"])


def _move_contact_details(bind: sa.engine.Connection) -> None:
    now = datetime.now(UTC)
    people = {row.id: row for row in bind.execute(sa.select(customers))}
    records = list(bind.execute(sa.select(accounts.c.id, accounts.c.customer_id, accounts.c.biller_id)))
    billers_of: dict[int, set[int]] = defaultdict(set)
    for record in records:
        billers_of[record.customer_id].add(record.biller_id)
    sms_proven = {
        row.customer_id
        for row in bind.execute(
            sa.select(challenges.c.customer_id).where(
                challenges.c.channel == "sms", challenges.c.used_at.is_not(None)
            )
        )
    }
    kept_mobiles: set[str] = set()
    for person_id in sorted(people):
        person = people[person_id]
        single_biller = len(billers_of[person_id]) <= 1
        keep = person.mobile is not None and (single_biller or person_id in sms_proven)
        if keep and person.mobile in kept_mobiles:  # one proven mobile per person from here on
            keep = False
        if keep:
            kept_mobiles.add(person.mobile)
        elif person.mobile is not None:
            bind.execute(sa.update(customers).where(customers.c.id == person_id).values(mobile=None))
        for record in (r for r in records if r.customer_id == person_id):
            bind.execute(
                sa.update(accounts)
                .where(accounts.c.id == record.id)
                .values(
                    name=person.name,
                    email=person.email,
                    # Which biller of a shared person added its mobile is unknown: none of them gets it back.
                    mobile=person.mobile if single_biller else None,
                    locale=person.locale or "en-US",
                    claimed_at=now if (person.email is not None or keep) else None,
                )
            )


def downgrade() -> None:
    # Lossy: mobiles removed from shared people stay removed, and a person holding two records at one biller
    # makes the restored (customer_id, biller_id) key fail: split those records before downgrading.
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_customers_mobile"), type_="unique")
    with op.batch_alter_table("customer_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_accounts_mobile"))
        batch_op.drop_index(batch_op.f("ix_customer_accounts_email"))
        batch_op.create_unique_constraint(
            "uq_customer_accounts_customer_id_biller_id", ["customer_id", "biller_id"]
        )
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("locale")
        batch_op.drop_column("mobile")
        batch_op.drop_column("email")
        batch_op.drop_column("name")
    with op.batch_alter_table("login_challenges", schema=None) as batch_op:
        batch_op.drop_column("address")
