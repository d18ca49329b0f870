"""The audit entry names what kind of principal acted: a super-admin or a platform.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every entry so far was written by a super-admin: the CLI was the only door.
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(
            sa.Column(
                "actor_kind",
                sa.String(length=20),
                nullable=False,
                server_default="super_admin",
            )
        )
        batch.create_check_constraint(
            op.f("ck_audit_entry_actor_kind"), "actor_kind IN ('super_admin', 'platform')"
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_constraint(op.f("ck_audit_entry_actor_kind"), type_="check")
        batch.drop_column("actor_kind")
