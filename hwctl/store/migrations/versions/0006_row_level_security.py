"""PostgreSQL row-level security on the tenant tables: a second wall behind the application's
authorisation rule. A transaction that sets `hwctl.platform` (the API does, for the platform of
the request's token) sees and writes only that platform's rows; one that does not (the CLI, the
super-admins' door) sees every row. FORCE applies the policies to the tables' owner too; only
superusers and roles with BYPASSRLS pass them, so the API server connects as neither (README,
"Platform API"). SQLite has no row-level security: there the application's rule is the wall.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The platform a transaction is limited to, or NULL when it sees everything.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION hwctl_tenant() RETURNS text
LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('hwctl.platform', true), '') $$;
"""

# Tables that name their platform, and those that belong to a row of one that does (checked
# through that table, itself under its policy).
OWN = ("catalog_item", "catalog_alias", "account", "hw_order", "api_token", "idempotency_key",
       "webhook", "webhook_event")  # fmt: skip
THROUGH = {
    "account_user": "account_id IN (SELECT id FROM account)",
    "location": "account_id IN (SELECT id FROM account)",
    "device": "account_id IN (SELECT id FROM account)",
    "order_line": "order_id IN (SELECT id FROM hw_order)",
    "order_unit": "order_id IN (SELECT id FROM hw_order)",
    "webhook_delivery": "webhook_id IN (SELECT id FROM webhook)",
}
ALL_TABLES = ("platform", *OWN, *THROUGH)


def _policies() -> dict[str, str]:
    rules = {"platform": "name = hwctl_tenant()"}
    for table in OWN:
        rules[table] = "platform_id IN (SELECT id FROM platform)"
    rules.update(THROUGH)
    return {table: f"hwctl_tenant() IS NULL OR ({rule})" for table, rule in rules.items()}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTIONS)
    for table, rule in _policies().items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY hwctl_tenant ON {table} FOR ALL USING ({rule}) WITH CHECK ({rule})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ALL_TABLES:
        op.execute(f"DROP POLICY IF EXISTS hwctl_tenant ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION IF EXISTS hwctl_tenant()")
