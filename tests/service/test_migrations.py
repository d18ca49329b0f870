"""The migrations and the models describe one schema, and upgrading a store keeps its rows:
every row of every first-release table, column by column, on both backends."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import hwctl.store.models  # noqa: F401  (the tables, on SQLModel.metadata)
from hwctl.config import StoreLocation
from hwctl.domain.text import search_key
from hwctl.store.engine import Store, dispose_all
from tests.conftest import ADMIN, DIRECTORY, Cli
from tests.service.test_backups import at_revision, head, sqlite_store


def test_the_migrations_build_exactly_the_schema_of_the_models(store) -> None:  # noqa: ANN001
    store.ensure_schema()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_upgrading_a_store_of_the_first_release_keeps_every_row_and_adds_the_aliases(
    tmp_path: Path,
) -> None:
    path = tmp_path / "hwctl.db"
    url = f"sqlite:///{path}"
    old = Store(StoreLocation(url, "--db", False), auto_migrate=False)
    cfg = old._alembic_config()
    with old.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.exec_driver_sql("INSERT INTO platform (id, name) VALUES (1, 'Acme Voice')")
        conn.exec_driver_sql(
            "INSERT INTO catalog_item (id, platform_id, sku, name, kind, max_handsets) "
            "VALUES (1, 1, 'W70B', 'Yealink W70B DECT base', 'dect_base', 10)"
        )
        conn.exec_driver_sql("INSERT INTO account (id, platform_id, name) VALUES (1, 1, 'Globex')")
        conn.exec_driver_sql(
            "INSERT INTO device (id, account_id, catalog_item_id, kind, mac, created_at) "
            "VALUES (1, 1, 1, 'dect_base', '805ec0000001', '2026-11-20 09:30:00')"
        )
    old.engine.dispose()
    before = {t: rows(path, t) for t in ("platform", "catalog_item", "account", "device")}

    cli = Cli(url)
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith(f"schema upgraded from 0001 to {head()}")
    after = {t: rows(path, t) for t in before}
    # + search_key (0009): the name as a search matches it
    assert after["platform"] == [(1, "Acme Voice", "acme voice")]
    assert after["account"] == [(1, 1, "Globex", "globex")]
    assert after["device"] == before["device"]
    assert [r[:-1] for r in after["catalog_item"]] == before["catalog_item"]  # + vendor, NULL
    assert [r[-1] for r in after["catalog_item"]] == [None]
    assert rows(path, "catalog_alias") == []
    # The upgraded store takes aliases like a new one.
    doc = json.loads(json.dumps(DIRECTORY))
    doc["platforms"][0]["catalog"][1]["aliases"] = ["W70B-Base"]
    directory = tmp_path / "directory.json"
    directory.write_text(json.dumps(doc))
    assert cli("admins", "add", ADMIN).exit_code == 0  # an import is a super-admin's act
    assert cli("import", str(directory)).exit_code == 0
    assert [r[3] for r in rows(path, "catalog_alias")] == ["W70B-Base"]
    dispose_all()


def rows(path: Path, table: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()  # noqa: S608


DT = "2026-11-20 09:30:00"
FIRST_RELEASE: dict[str, list[dict]] = {
    "platform": [
        {"id": 1, "name": "Acme Voice"},
        {"id": 900, "name": "Ünïcødé 株式会社 🚀 " + "x" * 180},
    ],
    "super_admin": [
        {"id": 1, "name": "dana", "added_at": DT, "added_by": "dana"},
        {"id": 7, "name": "José O'Brien", "added_at": "1970-01-01 00:00:00", "added_by": "dana"},
    ],
    "account": [
        {"id": 1, "platform_id": 1, "name": "Globex"},
        {"id": 2, "platform_id": 900, "name": 'Søn & "Quoted" \\ Ltd'},
    ],
    "catalog_item": [
        {"id": 1, "platform_id": 1, "sku": "W70B", "name": "Yealink W70B DECT base",
         "kind": "dect_base", "max_handsets": 10},
        {"id": 2, "platform_id": 1, "sku": "W73H", "name": "Yealink W73H",
         "kind": "dect_handset", "max_handsets": None},
        {"id": 3, "platform_id": 900, "sku": "T54W", "name": "desk ☎", "kind": "deskphone",
         "max_handsets": 0},
    ],
    "account_user": [
        {"id": 1, "account_id": 1, "name": "ann@globex.example"},
        {"id": 2, "account_id": 2, "name": "zoë@example.org"},
    ],
    "location": [
        {"id": 1, "account_id": 1, "name": "HQ Floor 2"},
        {"id": 2, "account_id": 2, "name": "Lab\t1 — Ærø"},
    ],
    "hw_order": [
        {"id": 1, "platform_id": 1, "account_id": 1, "status": "pending", "ordered_at": DT,
         "submitted_at": DT, "rejection_reason": None, "decided_by": None, "decided_at": None,
         "note": None},
        {"id": 2, "platform_id": 1, "account_id": 1, "status": "rejected", "ordered_at": DT,
         "submitted_at": DT, "rejection_reason": "out of stock — sorry", "decided_by": "dana",
         "decided_at": "2026-11-21 08:00:00", "note": ""},
        {"id": 3, "platform_id": 1, "account_id": 1, "status": "fulfilled", "ordered_at": DT,
         "submitted_at": DT, "rejection_reason": None, "decided_by": "dana",
         "decided_at": "2026-11-21 08:00:00", "note": "line one\nline two"},
        {"id": 4, "platform_id": 900, "account_id": 2, "status": "cancelled",
         "ordered_at": "9999-12-31 23:59:59", "submitted_at": DT, "rejection_reason": None,
         "decided_by": None, "decided_at": None, "note": "n" * 5000},
        {"id": 5, "platform_id": 1, "account_id": 1, "status": "approved", "ordered_at": DT,
         "submitted_at": DT, "rejection_reason": None, "decided_by": "José O'Brien",
         "decided_at": DT, "note": None},
    ],
    "audit_entry": [
        {"id": 1, "at": DT, "actor": "dana", "action": "submit", "order_id": 1, "reason": None,
         "details": None},
        {"id": 2, "at": "2026-11-21 08:00:00", "actor": "dana", "action": "reject",
         "order_id": 2, "reason": "out of stock — sorry", "details": '{"lines": 1}'},
        {"id": 3, "at": "2026-11-22 10:00:00", "actor": "dana", "action": "fulfill",
         "order_id": 3, "reason": None, "details": '{"devices": [1]}'},
        {"id": 4, "at": "2026-11-23 11:00:00", "actor": "José O'Brien", "action": "fulfill",
         "order_id": 3, "reason": None, "details": '{"devices": [2]}'},
        {"id": 5, "at": DT, "actor": "dana", "action": "admin_add", "order_id": None,
         "reason": None, "details": '{"admin": "José O\'Brien"}'},
    ],
    "order_line": [
        {"id": 1, "order_id": 1, "line_no": 1, "catalog_item_id": 1, "quantity": 2},
        {"id": 2, "order_id": 3, "line_no": 1, "catalog_item_id": 1, "quantity": 1},
        {"id": 3, "order_id": 3, "line_no": 2, "catalog_item_id": 2, "quantity": 2147483647},
    ],
    "order_unit": [
        {"id": 1, "order_id": 1, "line_id": 1, "seq": 1, "user_id": 1, "location_id": 1},
        {"id": 2, "order_id": 1, "line_id": 1, "seq": 2, "user_id": None, "location_id": None},
        {"id": 3, "order_id": 3, "line_id": 2, "seq": 1, "user_id": None, "location_id": 1},
        {"id": 4, "order_id": 3, "line_id": 3, "seq": 1, "user_id": 1, "location_id": None},
    ],
    "device": [
        {"id": 1, "account_id": 1, "catalog_item_id": 1, "kind": "dect_base",
         "mac": "805ec0000001", "ipei": None, "user_id": None, "location_id": 1,
         "base_id": None, "order_id": 3, "order_unit_id": 3, "created_at": DT},
        {"id": 2, "account_id": 1, "catalog_item_id": 2, "kind": "dect_handset", "mac": None,
         "ipei": "0123456789012", "user_id": 1, "location_id": None, "base_id": 1,
         "order_id": 3, "order_unit_id": 4, "created_at": "2026-11-23 11:00:00"},
        {"id": 3, "account_id": 2, "catalog_item_id": None, "kind": "deskphone",
         "mac": "805ec0000002", "ipei": None, "user_id": 2, "location_id": 2, "base_id": None,
         "order_id": None, "order_unit_id": None, "created_at": DT},
    ],
}  # fmt: skip


def _stamp(value: object) -> object:
    """A timestamp as SQLite keeps it (text) and PostgreSQL returns it (datetime): one form."""
    return str(value) if value is not None and hasattr(value, "isoformat") else value


# What each column added to a first-release table holds for a first-release row.
def promised(table: str, column: str, row: dict, upgraded: dict) -> object:
    if (table, column) == ("catalog_item", "vendor"):
        return None  # 0002: no vendor known
    if (table, column) == ("audit_entry", "actor_kind"):
        return "super_admin"  # 0003: the CLI was the only door
    if (table, column) == ("hw_order", "rejection_code"):
        return "other" if row["status"] == "rejected" else None  # 0004
    if (table, column) == ("hw_order", "fulfilled_at"):  # 0005: the last fulfil entry's time
        ats = [a["at"] for a in FIRST_RELEASE["audit_entry"]
               if a["order_id"] == row["id"] and a["action"] == "fulfill"]  # fmt: skip
        return max(ats) if row["status"] == "fulfilled" else None
    if (table, column) == ("hw_order", "fulfilled_by"):  # 0008: the last fulfil entry's actor
        last = max((a for a in FIRST_RELEASE["audit_entry"]
                    if a["order_id"] == row["id"] and a["action"] == "fulfill"),
                   key=lambda a: a["id"], default=None)  # fmt: skip
        return last["actor"] if last and row["status"] == "fulfilled" else None
    if table in ("platform", "account") and column == "search_key":
        return search_key(row["name"])  # 0009: the name as a search matches it
    if table == "audit_entry" and column in ("payload", "prev_hash", "hash"):
        return upgraded[column] if upgraded[column] else "filled in by 0007"  # checked by verify
    raise AssertionError(
        f"a migration added {table}.{column}: say here what first-release rows get in it"
    )


def test_every_row_of_the_first_release_survives_every_migration_column_by_column(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = sqlite_store(tmp_path)[0] if backend == "sqlite" else request.getfixturevalue("pg_url")
    old = at_revision(url, "0001")
    with old.engine.begin() as conn:
        tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set(FIRST_RELEASE)  # data in every table of the first release
        first_columns = {t: [c["name"] for c in inspect(conn).get_columns(t)] for t in tables}
        for table, rows in FIRST_RELEASE.items():  # parents first (dict order)
            assert set(rows[0]) == set(first_columns[table]), table
            for row in rows:
                names = ", ".join(row)
                values = ", ".join(f":{c}" for c in row)
                conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({values})"), row)  # noqa: S608
    old.engine.dispose()

    cli = Cli(url)
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"{url}: schema upgraded from 0001 to {head()}"
    if backend == "sqlite":
        assert len(list(tmp_path.glob("hwctl.db.schema-0001.*.bak"))) == 1

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            now_tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
            for table, rows in FIRST_RELEASE.items():
                columns = [c["name"] for c in inspect(conn).get_columns(table)]
                upgraded = [
                    dict(r._mapping)
                    for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))  # noqa: S608
                ]
                assert [r["id"] for r in upgraded] == [r["id"] for r in rows], table
                for row, after in zip(rows, upgraded, strict=True):
                    kept = {c: _stamp(after[c]) for c in first_columns[table]}
                    assert kept == row, (table, row["id"])
                    added = {c: _stamp(after[c]) for c in columns if c not in row}
                    assert added == {c: promised(table, c, row, after) for c in added}, (
                        table,
                        row["id"],
                    )
            for table in now_tables - set(FIRST_RELEASE):  # tables of later releases start empty
                count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608
                assert count == 0, table
    finally:
        engine.dispose()
    assert cli("audit", "verify").exit_code == 0  # 0007 chained the first release's entries
    dispose_all()
