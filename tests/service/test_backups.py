"""Backups and upgrades that never lose data: `hwctl db backup FILE` (a consistent copy while
another process writes, never over a file, never half under its name), the backup `db upgrade`
and the automatic upgrade take of a SQLite store that holds rows, and `db upgrade` run by
several processes at once on a fresh store (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import resource
import shlex
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from hwctl.config import StoreLocation
from hwctl.store.engine import Store, dispose_all
from tests.conftest import Cli, load_directory

HWCTL = [sys.executable, "-m", "hwctl"]
ROOT = Path(__file__).resolve().parents[2]


def sqlite_store(folder: Path, name: str = "hwctl.db") -> tuple[str, Path]:
    path = folder / name
    return f"sqlite:///{path}", path


def run(*args: str, preexec=None) -> subprocess.CompletedProcess:  # noqa: ANN001
    return subprocess.run(
        [*HWCTL, *args], capture_output=True, text=True, cwd=ROOT, preexec_fn=preexec, timeout=120
    )


def head() -> str:
    return Store(StoreLocation("sqlite://", "--db", False)).head_revision()


def at_revision(url: str, revision: str) -> Store:
    store = Store(StoreLocation(url, "--db", False), auto_migrate=False)
    cfg = store._alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return store


def files_beside(path: Path) -> list[str]:
    """The files in `path`'s folder, leaving out SQLite's -wal and -shm files."""
    return sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(("-wal", "-shm")))


# -- hwctl db backup ------------------------------------------------------------------------------
WRITER = """
import json, sys
from hwctl.app import orders
from hwctl.app.context import Context
from hwctl.config import StoreLocation
from hwctl.domain.access import Principal
from hwctl.store.engine import open_store

store = open_store(StoreLocation(sys.argv[1], "--db", False))
ctx = Context(store, Principal.super_admin("dana"))
doc = {"platform": "Acme Voice", "account": "Globex Corporation",
       "items": [{"sku": "T54W", "quantity": 2}, {"sku": "W70B", "quantity": 1}]}
for n in range(int(sys.argv[2])):
    orders.submit(ctx, json.dumps(doc), "writer")
    print(n + 1, flush=True)
"""


def test_a_backup_taken_while_another_process_submits_orders_is_a_consistent_store(
    tmp_path: Path,
) -> None:
    url, path = sqlite_store(tmp_path)
    store = Store(StoreLocation(url, "--db", False))
    load_directory(store)
    store.engine.dispose()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, "200"], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        for _ in range(20):  # the writer is under way
            assert writer.stdout.readline()
        result = run("--db", url, "db", "backup", str(tmp_path / "backup.db"))
        written_before_the_end = writer.stdout.readline()  # still writing after the backup
    finally:
        writer.stdout.read()
        assert writer.wait(timeout=120) == 0
    assert result.returncode == 0, result.stderr
    assert written_before_the_end
    backup = tmp_path / "backup.db"
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file
        orders = conn.execute("SELECT count(*) FROM hw_order").fetchone()[0]
        # Every order whole: its two lines, its three units and its submit entry, or nothing.
        lines = conn.execute("SELECT count(*) FROM order_line").fetchone()[0]
        units = conn.execute("SELECT count(*) FROM order_unit").fetchone()[0]
        submits = conn.execute(
            "SELECT count(*) FROM audit_entry WHERE action = 'submit'"
        ).fetchone()[0]
    assert 20 <= orders < 200  # at least what was committed before it started, not the end
    assert (lines, units, submits) == (2 * orders, 3 * orders, orders)
    assert result.stdout.strip() == (
        f"{url}: backed up to {backup} (schema {head()}, {orders} orders, "
        f"{backup.stat().st_size / 1024:.1f} KiB)"
    )
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    listed = run("--db", str(backup), "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == orders
    assert files_beside(backup) == ["backup.db", "hwctl.db"]  # no temporary file left


def test_a_backup_never_overwrites_nor_creates_a_folder_nor_names_the_store(tmp_path: Path) -> None:
    url, path = sqlite_store(tmp_path)
    cli = Cli(url)
    assert cli("admins", "add", "dana").exit_code == 0
    existing = tmp_path / "monday.db"
    existing.write_bytes(b"last week's backup")
    for target, message in [
        (existing, f"{existing} already exists: hwctl never overwrites a file, name a new one"),
        (path, f"{path} is the store itself: name a new file for the backup"),
        (tmp_path, f"{tmp_path} is a folder: name a new file in it for the backup"),
        (tmp_path / "nope" / "b.db", f"the folder {tmp_path / 'nope'} does not exist"),
    ]:
        result = cli("db", "backup", str(target))
        assert result.exit_code == 1, (target, result.stdout)
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1
        assert message in result.stderr
    assert existing.read_bytes() == b"last week's backup"
    assert files_beside(path) == ["hwctl.db", "monday.db"]
    missing = cli.__class__(f"sqlite:///{tmp_path / 'typo.db'}")("db", "backup", "x.db")
    assert missing.exit_code == 1
    assert "does not exist: there is nothing to back up" in missing.stderr
    assert not (tmp_path / "typo.db").exists()  # a backup creates no store
    dispose_all()


def test_a_backup_name_with_escape_sequences_is_shown_escaped_never_raw(
    tmp_path: Path,
) -> None:
    url, _ = sqlite_store(tmp_path)
    cli = Cli(url)
    assert cli("admins", "add", "dana").exit_code == 0
    target = tmp_path / "b\x1b[31mred\u202e.db"
    shown = f"{tmp_path}/b\\x1b[31mred\\u202e.db"
    done = cli("db", "backup", str(target))
    assert done.exit_code == 0, done.stderr
    assert done.stdout.startswith(f"{url}: backed up to {shown} (schema ")
    assert target.is_file()  # the file has the name it was given
    again = cli("db", "backup", str(target))
    assert again.exit_code == 1
    assert again.stderr.splitlines() == [
        f"hwctl: error: {shown} already exists: hwctl never overwrites a file, name a new one "
        "for the backup"
    ]
    for out in (done.stdout, again.stderr):
        assert "\x1b" not in out and "\u202e" not in out
    dispose_all()


def test_the_pg_dump_command_quotes_a_file_name_with_escapes_as_bash_reads_it(
    tmp_path: Path,
) -> None:
    from hwctl.store.backup import pg_dump_command

    name = "night\x1bly 'dump'.pgc"
    command = pg_dump_command("postgresql+psycopg://hw@db:5432/hwctl", name)
    assert "\x1b" not in command
    assert command.startswith("pg_dump --format=custom --enable-row-security --file=$'")
    echoed = subprocess.run(
        ["bash", "-c", f"printf %s {command.split('--file=', 1)[1].split(' postgresql')[0]}"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert echoed.stdout == name


def test_a_backup_that_fails_halfway_leaves_nothing_under_its_name(tmp_path: Path) -> None:
    url, path = sqlite_store(tmp_path)
    store = Store(StoreLocation(url, "--db", False))
    load_directory(store)
    with store.engine.begin() as conn:  # a store bigger than the file-size limit below
        conn.exec_driver_sql(
            "UPDATE platform SET name = name || '-' || hex(randomblob(60000)) WHERE id = 1"
        )
    store.engine.dispose()
    target = tmp_path / "backups" / "b.db"
    target.parent.mkdir()
    result = run("--db", url, "db", "backup", str(target), preexec=disk_full_after(64 * 1024))
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert f"cannot write the backup {target}:" in result.stderr
    assert "no backup was written" in result.stderr
    assert list(target.parent.iterdir()) == []  # neither the backup nor its temporary file


def test_a_postgresql_store_is_not_backed_up_and_the_pg_dump_command_is_printed(
    pg_url: str, tmp_path: Path
) -> None:
    from sqlalchemy.engine import make_url

    with_password = make_url(pg_url).set(password="s3cr3t!").render_as_string(hide_password=False)
    result = Cli(with_password)("db", "backup", "nightly dump.pgc")
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    plain = make_url(pg_url)
    libpq = f"postgresql://{plain.username}@{plain.host}:{plain.port}/{plain.database}"
    assert line.endswith(
        "hwctl does not back up a PostgreSQL store, nothing was backed up: use pg_dump: "
        f"pg_dump --format=custom --enable-row-security --file='nightly dump.pgc' {libpq}"
    )
    assert "s3cr3t" not in result.stderr
    assert not Path("nightly dump.pgc").exists()
    # The command works as printed (here as the server's superuser).
    dump = tmp_path / "nightly.pgc"
    printed = Cli(pg_url)("db", "backup", str(dump)).stderr.split("use pg_dump: ", 1)[1]
    done = subprocess.run(shlex.split(printed), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert dump.read_bytes().startswith(b"PGDMP")


# -- the backup before an upgrade ---------------------------------------------------------------
def disk_full_after(limit: int):  # noqa: ANN201
    """A child process that cannot grow any file past `limit` bytes (EFBIG, as a full disk)."""

    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_files


def behind_with_rows(tmp_path: Path) -> tuple[str, Path]:
    url, path = sqlite_store(tmp_path)
    old = at_revision(url, "0006")
    with old.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO platform (id, name) VALUES (1, 'Acme Voice')")
        conn.exec_driver_sql(
            "INSERT INTO super_admin (id, name, added_at, added_by) "
            "VALUES (1, 'dana', '2026-11-20 09:30:00', 'dana')"
        )
    old.engine.dispose()
    return url, path


def test_db_upgrade_backs_up_a_store_that_holds_rows_beside_it_first_and_says_where(
    tmp_path: Path,
) -> None:
    url, path = behind_with_rows(tmp_path)
    result = run("--db", url, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    (backup,) = tmp_path.glob("hwctl.db.schema-0006.*.bak")
    assert result.stdout.splitlines() == [
        f"backed up the store {path} (schema 0006, 0 orders) to {backup} before upgrading it "
        f"to {head()}",
        f"{url}: schema upgraded from 0006 to {head()}",
    ]
    with sqlite3.connect(backup) as conn:  # the store as it was, whole
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0006",)]
        assert conn.execute("SELECT name FROM platform").fetchall() == [("Acme Voice",)]
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    # At head there is nothing to do, and nothing to back up.
    again = run("--db", url, "db", "upgrade")
    assert again.stdout.strip() == f"{url}: schema already at {head()}"
    assert len(list(tmp_path.glob("*.bak"))) == 1


def test_the_automatic_upgrade_backs_up_too_and_says_so_on_stderr_keeping_stdout_json(
    tmp_path: Path,
) -> None:
    url, path = behind_with_rows(tmp_path)
    result = run("--db", url, "--as", "dana", "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    (backup,) = tmp_path.glob("hwctl.db.schema-0006.*.bak")
    assert result.stderr.splitlines() == [
        f"backed up the store {path} (schema 0006, 0 orders) to {backup} before upgrading it "
        f"to {head()}"
    ]


def test_a_new_or_empty_store_is_upgraded_without_a_backup(tmp_path: Path) -> None:
    url, path = sqlite_store(tmp_path)
    at_revision(url, "0004").engine.dispose()  # behind, but no rows
    assert run("--db", url, "db", "upgrade").returncode == 0
    new_url, _ = sqlite_store(tmp_path, "new.db")
    assert run("--db", new_url, "db", "upgrade").returncode == 0
    assert list(tmp_path.glob("*.bak")) == []


def test_when_the_backup_cannot_be_written_the_store_is_not_upgraded(tmp_path: Path) -> None:
    url, path = behind_with_rows(tmp_path)
    with sqlite3.connect(path) as conn:  # bigger than the limit below
        conn.execute("UPDATE platform SET name = name || hex(randomblob(60000))")
    result = run("--db", url, "db", "upgrade", preexec=disk_full_after(96 * 1024))
    assert result.returncode == 1, result.stdout
    (line,) = result.stderr.splitlines()
    assert f"the store {path} was not upgraded: the backup hwctl takes first could not be " in line
    assert result.stdout == ""
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0006",)]
    assert [n for n in files_beside(path) if not n.startswith("hwctl.db")] == []
    assert not [n for n in files_beside(path) if n.endswith((".bak", ".partial"))]


# -- several `db upgrade` at once -----------------------------------------------------------------
CHILD = """
import sys
import alembic.command, hwctl.cli.app, hwctl.store.engine, hwctl.store.models, psycopg
print("ready", flush=True)
sys.stdin.readline()
sys.argv = ["hwctl", *sys.argv[1:]]
hwctl.cli.app.main()
"""


def upgrade_at_once(url: str, processes: int) -> list[subprocess.CompletedProcess]:
    """`processes` real `hwctl db upgrade` processes, all imported and waiting, let go together."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, "--db", url, "db", "upgrade"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )  # fmt: skip
        for _ in range(processes)
    ]
    for child in children:
        assert child.stdout.readline() == "ready\n"
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
    return results


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_several_db_upgrades_at_once_on_a_fresh_store_migrate_it_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = sqlite_store(tmp_path)[0] if backend == "sqlite" else request.getfixturevalue("pg_url")
    results = upgrade_at_once(url, 6)
    assert [r.returncode for r in results] == [0] * 6, [r.stderr for r in results]
    outcomes = sorted(r.stdout.strip().rsplit(": ", 1)[1] for r in results)
    assert outcomes == [f"schema already at {head()}"] * 5 + [
        f"schema upgraded from empty to {head()}"
    ]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [
                (head(),)
            ]
            assert "hw_order" in inspect(conn).get_table_names()
    finally:
        engine.dispose()
