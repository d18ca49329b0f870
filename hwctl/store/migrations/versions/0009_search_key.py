"""A search key beside each platform's and account's name: the name as `list --search`
matches it, folded in Python (compatibility forms unified, case folded, combining marks
dropped), so the search is one rule on both stores. SQL's lower() folded `Ä` and `İ` one way
on PostgreSQL and another on SQLite. The key of every existing name is computed here.

The fold is copied, not imported: a migration keeps what it did when the rule it followed
later changes (the store may not import the rules; `hwctl.domain.text.search_key` is the
rule, and a test checks that the two agree).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("platform", "account")


def search_key(text: str) -> str:
    """hwctl.domain.text.search_key as of this revision."""
    folded = unicodedata.normalize("NFKD", text).casefold().replace("ı", "i")  # dotless i
    decomposed = unicodedata.normalize("NFKD", folded)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)


def upgrade() -> None:
    conn = op.get_bind()
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("search_key", sa.Text(), nullable=True))
        rows = conn.execute(sa.text(f"SELECT id, name FROM {table}")).all()  # noqa: S608
        if rows:
            conn.execute(
                sa.text(f"UPDATE {table} SET search_key = :key WHERE id = :id"),  # noqa: S608
                [{"id": row.id, "key": search_key(row.name)} for row in rows],
            )
        with op.batch_alter_table(table) as batch:
            batch.alter_column("search_key", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("search_key")
