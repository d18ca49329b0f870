"""The audit log becomes a hash chain: each entry stores its canonical payload, the previous
entry's hash and its own (hwctl/store/chain.py), and the store refuses to change or remove an
entry (triggers). The entries a store already has are chained in id order, so `hwctl audit
verify` passes right after the upgrade.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hwctl.store import chain

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    chain.chain_existing(op.get_bind())
    # On SQLite this rebuilds the table (and would drop any trigger on it): triggers come after.
    with op.batch_alter_table("audit_entry") as batch:
        batch.alter_column("payload", existing_type=sa.Text(), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(op.f("uq_audit_entry_prev_hash"), ["prev_hash"])
    chain.protect(op.get_bind())


def downgrade() -> None:
    chain.unprotect(op.get_bind())
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_constraint(op.f("uq_audit_entry_prev_hash"), type_="unique")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("payload")
