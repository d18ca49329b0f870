"""The store (hwctl.store.engine): where it is created, migrations, refusals, and concurrency —
two admins racing on one order on a real SQLite file and on PostgreSQL."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, text, update
from sqlmodel import select
from typer.testing import CliRunner

from hwctl.app import orders
from hwctl.config import StoreLocation, resolve_store
from hwctl.domain.status import Action
from hwctl.errors import HwctlError
from hwctl.store.engine import dispose_all, open_store
from hwctl.store.models import HardwareOrder
from tests.conftest import ADMIN, Cli, act, make_order

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])
HEAD = "0009"


def run(*args: str):  # noqa: ANN201
    """The CLI with no --db: the store is resolved like on a fresh machine."""
    from hwctl.cli.app import app

    return CliRunner().invoke(app, ["--as", ADMIN, *args])


@pytest.fixture
def released():  # noqa: ANN201
    """Close pooled connections of stores opened by the test."""
    yield
    dispose_all()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# -- where the store is created ------------------------------------------------------------------
def test_the_default_store_is_created_0600_in_a_0700_folder_and_migrated_on_first_use(
    isolated_env, released
):
    path = isolated_env / ".local/share/hwctl/hwctl.db"
    assert not path.exists()
    result = run("list", "--format", "json")
    assert (result.exit_code, result.stdout.strip()) == (0, "[]"), result.stderr
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    store = open_store(resolve_store(None))
    assert store.current_revision() == store.head_revision() == HEAD


def test_db_path_prints_the_default_location_and_where_it_came_from(isolated_env):
    result = run("db", "path")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"sqlite:///{isolated_env}/.local/share/hwctl/hwctl.db"
    assert result.stderr.strip() == "(from default)"
    assert not (isolated_env / ".local/share/hwctl/hwctl.db").exists()


def test_db_path_masks_a_password(monkeypatch):
    monkeypatch.setenv("HWCTL_DATABASE_URL", "postgres://hwctl:s3cret@db.example/hwctl")
    result = run("db", "path")
    assert result.exit_code == 0
    assert result.stdout.strip() == "postgresql+psycopg://hwctl:***@db.example/hwctl"
    assert "s3cret" not in result.stdout + result.stderr


def test_db_upgrade_is_idempotent_and_keeps_the_data(tmp_path, released):
    url = f"sqlite:///{tmp_path / 'hwctl.db'}"
    cli = Cli(url)
    first = cli("db", "upgrade")
    assert first.exit_code == 0, first.stderr
    assert first.stdout.strip().endswith(f"schema upgraded from empty to {HEAD}")
    assert cli("admins", "add", ADMIN).exit_code == 0
    again = cli("db", "upgrade")
    assert again.exit_code == 0
    assert again.stdout.strip().endswith(f"schema already at {HEAD}")
    assert [a["name"] for a in cli.json("admins", "list", "--format", "json")] == [ADMIN]


@pytest.mark.postgres
def test_a_postgresql_store_without_schema_is_refused_until_db_upgrade(pg_url):
    cli = Cli(pg_url)
    refused = cli("list")
    assert refused.exit_code == 1
    line = one_line(refused.stderr)
    assert "has no hwctl schema yet" in line
    assert "run `hwctl db upgrade`" in line
    assert refused.stdout == ""
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.stderr
    assert upgraded.stdout.strip().endswith(f"schema upgraded from empty to {HEAD}")
    listed = cli("list", "--format", "json")
    assert (listed.exit_code, listed.stdout.strip()) == (0, "[]")


@pytest.mark.postgres
def test_a_postgresql_store_is_never_migrated_implicitly(pg_url):
    store = open_store(StoreLocation(pg_url, "--db", False))
    with pytest.raises(HwctlError, match="hwctl db upgrade"):
        orders.list_orders(act(store))
    assert store.current_revision() is None


@pytest.mark.parametrize("args", [("list",), ("db", "upgrade")], ids=["list", "db-upgrade"])
def test_an_unreachable_store_is_one_line_without_the_password(args):
    url = "postgresql+psycopg://postgres:secret@127.0.0.1:1/x"
    result = Cli(url)(*args)
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line.startswith("hwctl: error: cannot use the store postgresql+psycopg://postgres:***@")
    assert "secret" not in result.stdout + result.stderr


def test_an_unsupported_store_url_is_one_line():
    result = Cli("mysql://root:secret@127.0.0.1/hwctl")("list")
    assert result.exit_code == 1
    assert "unsupported store 'mysql'" in one_line(result.stderr)
    assert "secret" not in result.stderr


# -- SQLite settings -----------------------------------------------------------------------------
@sqlite_only
def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(store):
    with store.session() as session:
        pragma = {
            name: session.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10_000}


def other_connection(store) -> sqlite3.Connection:  # noqa: ANN001
    conn = sqlite3.connect(store.location.sqlite_path, timeout=0, isolation_level=None)
    return conn


@sqlite_only
def test_a_write_transaction_takes_the_write_lock_with_its_first_statement(seeded):
    other = other_connection(seeded)
    try:
        with seeded.session(write=True) as session:
            session.exec(select(HardwareOrder.id)).all()  # a read, nothing written yet
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once it committed
        other.execute("ROLLBACK")
    finally:
        other.close()


@sqlite_only
def test_a_read_transaction_does_not_block_writers(seeded):
    other = other_connection(seeded)
    try:
        with seeded.session() as session:
            session.exec(select(HardwareOrder.id)).all()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


@sqlite_only
def test_a_writer_that_read_first_does_not_fail_when_another_admin_writes_meanwhile(seeded):
    """Read-then-write on SQLite: with a deferred BEGIN, the second admin's write would slip in
    and the first would fail at once with "database is locked"; BEGIN IMMEDIATE makes it wait.

    No timing: the first admin writes only once the other admin's approval has either tried to
    take the write lock (its `BEGIN IMMEDIATE`, or its first write) or ended. At that moment a
    probe on a third connection finds the lock held by the first admin: the two contended."""
    oid = make_order(seeded)
    has_read = threading.Event()
    contended = threading.Event()  # the other admin is taking the write lock, or is done
    probes: list[str] = []
    outcomes: list = []
    first = threading.get_ident()

    def taking_the_lock(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if threading.get_ident() == first or probes:
            return  # probe once: before the other admin's first attempt at the write lock
        if not statement.lstrip().upper().startswith(("BEGIN IMMEDIATE", "UPDATE", "INSERT")):
            return
        probe = other_connection(seeded)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            probes.append("free")  # nobody holds the write lock: no contest (yet)
        except sqlite3.OperationalError as e:
            probes.append(str(e))
            contended.set()
        finally:
            probe.close()

    def approve_meanwhile() -> None:
        try:
            has_read.wait(60)
            outcomes.extend(orders.decide(act(seeded, ADMIN), [oid], Action.APPROVE))
        finally:
            contended.set()

    event.listen(seeded.engine, "before_cursor_execute", taking_the_lock)
    other = threading.Thread(target=approve_meanwhile)
    other.start()
    try:
        with seeded.session(write=True) as session:
            assert session.exec(
                select(HardwareOrder.status).where(HardwareOrder.id == oid)
            ).one() == ("pending")
            has_read.set()
            assert contended.wait(60), "the other admin never tried to write"
            session.execute(
                update(HardwareOrder).where(HardwareOrder.id == oid).values(note="first")
            )
    finally:
        has_read.set()
        other.join(60)
        event.remove(seeded.engine, "before_cursor_execute", taking_the_lock)
    assert probes == ["database is locked"]  # the first admin held the lock: a contest
    assert [o.ok for o in outcomes] == [True]
    detail = orders.show_order(act(seeded), oid)
    assert (detail.order.status, detail.note) == ("approved", "first")


def test_after_a_migration_foreign_keys_are_enforced_again_on_the_same_connection(tmp_path):
    from hwctl.store.engine import Store

    store = Store(StoreLocation(f"sqlite:///{tmp_path / 'fk.db'}", "--db", False))
    store.upgrade()  # turns enforcement off for the migration, on again after
    with store.session() as session:
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.engine.dispose()
