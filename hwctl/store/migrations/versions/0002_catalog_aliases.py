"""Catalog aliases (the names shipping files use for an item) and the item's vendor.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_item") as batch:
        batch.add_column(sa.Column("vendor", sa.String(length=100), nullable=True))
    op.create_table(
        "catalog_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("catalog_item_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
            name=op.f("fk_catalog_alias_platform_id_platform"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["catalog_item_id"],
            ["catalog_item.id"],
            name=op.f("fk_catalog_alias_catalog_item_id_catalog_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_alias")),
        sa.UniqueConstraint("platform_id", "key", name=op.f("uq_catalog_alias_platform_id_key")),
    )
    op.create_index(op.f("ix_catalog_alias_catalog_item_id"), "catalog_alias", ["catalog_item_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_catalog_alias_catalog_item_id"), table_name="catalog_alias")
    op.drop_table("catalog_alias")
    with op.batch_alter_table("catalog_item") as batch:
        batch.drop_column("vendor")
