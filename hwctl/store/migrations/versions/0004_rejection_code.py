"""A rejected order's code: why, from a short list a platform's form can act on.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CODES = "'duplicate', 'out_of_stock', 'not_in_catalog', 'needs_customer_confirmation', 'other'"


def upgrade() -> None:
    # Orders rejected before codes existed were rejected for a reason given in words only.
    with op.batch_alter_table("hw_order") as batch:
        batch.add_column(sa.Column("rejection_code", sa.String(length=40), nullable=True))
        batch.create_check_constraint(
            op.f("ck_hw_order_rejection_code"),
            f"rejection_code IS NULL OR rejection_code IN ({CODES})",
        )
    op.execute("UPDATE hw_order SET rejection_code = 'other' WHERE status = 'rejected'")


def downgrade() -> None:
    with op.batch_alter_table("hw_order") as batch:
        batch.drop_constraint(op.f("ck_hw_order_rejection_code"), type_="check")
        batch.drop_column("rejection_code")
