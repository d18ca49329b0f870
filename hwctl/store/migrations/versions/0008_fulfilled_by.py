"""Who fulfilled an order: `fulfilled_by` beside `fulfilled_at`, so a refusal on a fulfilled
order names the fulfilment (not the approval) and `show` gives both. Orders fulfilled before
the column existed get the actor of their last `fulfill` entry (the one that completed them,
whose time 0005 copied into `fulfilled_at`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hw_order") as batch:
        batch.add_column(sa.Column("fulfilled_by", sa.String(length=200), nullable=True))
    op.execute(
        "UPDATE hw_order SET fulfilled_by = (SELECT a.actor FROM audit_entry a "
        "WHERE a.order_id = hw_order.id AND a.action = 'fulfill' "
        "AND a.id = (SELECT MAX(b.id) FROM audit_entry b "
        "WHERE b.order_id = hw_order.id AND b.action = 'fulfill')) "
        "WHERE status = 'fulfilled'"
    )


def downgrade() -> None:
    with op.batch_alter_table("hw_order") as batch:
        batch.drop_column("fulfilled_by")
