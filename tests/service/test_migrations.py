"""The migrations and the models describe one schema, and upgrading a store keeps its rows."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import hwctl.store.models  # noqa: F401  (the tables, on SQLModel.metadata)
from hwctl.config import StoreLocation
from hwctl.store.engine import Store, dispose_all
from tests.conftest import ADMIN, DIRECTORY, Cli


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
    assert result.stdout.strip().endswith("schema upgraded from 0001 to 0007")
    after = {t: rows(path, t) for t in before}
    assert after["platform"] == before["platform"]
    assert after["account"] == before["account"]
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
