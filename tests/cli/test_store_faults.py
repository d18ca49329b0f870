"""Store faults, each through a real `hwctl` process: one line on stderr, exit 1, no traceback,
and nothing half-written: a full disk, a file size limit, a read-only file system, a file that is
not a database or is damaged, a lock held beyond the busy timeout, a PostgreSQL server that does
not answer or ends the session mid-command (even during COMMIT), and schemas behind this release.

Faults already covered elsewhere (tests/cli/test_store_settings.py): file modes as `nobody`,
`?mode=ro`, a schema newer than this hwctl, locks in-process with a short timeout; an
unreachable server in tests/service/test_store.py.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.cli.test_store_settings import (  # noqa: F401 - `released` is a fixture
    ADMIN,
    CODE,
    error_line,
    hwctl_bin,
    released,
    seed,
    sqlite_store,
    still_pending,
)
from tests.conftest import Cli, order_doc

postgres_only = pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)]
)


def run(
    url: str, *args: str, cwd: Path, preexec: Any = None, wait: bool = True
) -> subprocess.CompletedProcess[str] | subprocess.Popen[str]:
    """The installed `hwctl --db URL --as dana ARGS`, with no HWCTL_* settings inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWCTL_")}
    env.update(PYTHONPATH=CODE, PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8")
    argv = [hwctl_bin(), "--db", url, "--as", ADMIN, *args]
    if not wait:
        return subprocess.Popen(argv, cwd=cwd, env=env, text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)  # fmt: skip
    return subprocess.run(argv, cwd=cwd, env=env, text=True, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=120, preexec_fn=preexec)  # fmt: skip


def refusal(run: subprocess.CompletedProcess[str]) -> str:
    """Exit 1, nothing on stdout, one line on stderr (no SQL): that line, unprefixed."""
    assert run.returncode == 1, (run.returncode, run.stdout, run.stderr)
    assert run.stdout == "", run.stdout
    line = error_line(run.stderr)
    assert "[SQL:" not in line and "sqlalche.me" not in line, line
    return line


def counts(url: str) -> dict[str, Any]:
    """What a failed command must not have changed: orders, units, devices, audit entries, and
    the one order's status (SQLite: the integrity check too)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            one = lambda sql: conn.execute(text(sql)).scalar_one()  # noqa: E731
            found = {table: one(f"SELECT count(*) FROM {table}")
                     for table in ("hw_order", "order_unit", "device", "audit_entry")}  # fmt: skip
            found["statuses"] = sorted(
                row[0] for row in conn.execute(text("SELECT status FROM hw_order"))
            )
            if conn.dialect.name == "sqlite":
                found["integrity"] = one("PRAGMA integrity_check")
    finally:
        engine.dispose()
    return found


def many_orders(folder: Path, n: int = 300) -> Path:
    """A submission far larger than a few hundred KiB of free space."""
    path = folder / "many.json"
    doc = [order_doc(items=[{"sku": "T54W", "quantity": 50}]) for _ in range(n)]
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def one_order(folder: Path) -> Path:
    path = folder / "one.json"
    path.write_text(json.dumps([order_doc()]), encoding="utf-8")
    return path


# -- a small file system of its own (root only: mount) ---------------------------------------------
@pytest.fixture
def small_fs() -> Iterator[Path]:
    """A 2 MiB tmpfs, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder = Path(tempfile.mkdtemp(prefix="hwctl-faults-", dir="/tmp"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
                             capture_output=True, text=True)  # fmt: skip
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


def fill(folder: Path, leave: int = 0) -> Path:
    """Fill the file system of `folder` up to `leave` bytes free."""
    filler = folder / "filler"
    fs = os.statvfs(folder)
    free = fs.f_bfree * fs.f_frsize
    with filler.open("wb") as f:
        f.write(b"\0" * max(free - leave, 0))
    return filler


def full_line(url: str, db: Path) -> str:
    return (
        f"cannot use the store {url}: the disk is full (no space left on device in {db.parent}), "
        "so nothing was changed; free some space and try again"
    )


def test_a_full_disk_is_one_line_for_reads_and_writes_and_the_store_survives(small_fs, tmp_path):
    db, oid = sqlite_store(small_fs)
    url = f"sqlite:///{db}"
    before = counts(url)
    filler = fill(small_fs)
    # Even a read needs the -shm file a WAL store is read through; nowhere to put it.
    for args in (("list",), ("approve", str(oid), "--yes"), ("submit", str(one_order(tmp_path)))):
        assert refusal(run(url, *args, cwd=tmp_path)) == full_line(url, db), args
    filler.unlink()
    assert counts(url) == before
    ok = run(url, "approve", str(oid), "--yes", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr


def test_a_write_larger_than_the_free_space_is_rolled_back_whole(small_fs, tmp_path):
    db, oid = sqlite_store(small_fs)
    url = f"sqlite:///{db}"
    before = counts(url)
    filler = fill(small_fs, leave=256 * 1024)
    line = refusal(run(url, "submit", str(many_orders(tmp_path)), cwd=tmp_path))
    assert line == full_line(url, db)
    filler.unlink()
    assert counts(url) == before  # not one of the 300 orders, integrity "ok"
    still_pending(url, oid)


def test_a_file_size_limit_is_one_line_not_a_killed_process(tmp_path):
    # Python ignores SIGXFSZ, so a write past RLIMIT_FSIZE fails (EFBIG) instead of killing
    # hwctl; the transaction rolls back and hwctl names the limit.
    db, oid = sqlite_store(tmp_path)
    url = f"sqlite:///{db}"
    before = counts(url)
    limit = db.stat().st_size + 160 * 1024

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = run(url, "submit", str(many_orders(tmp_path)), cwd=tmp_path, preexec=limited)
    assert done.returncode != -signal.SIGXFSZ
    assert refusal(done) == (
        f"cannot write to the store {url}: the file would grow beyond this process's file size "
        f"limit (ulimit -f, {limit} bytes), so nothing was changed"
    )
    assert counts(url) == before
    still_pending(url, oid)


def test_a_store_on_a_read_only_file_system_says_so_and_how_to_read_it(small_fs, tmp_path):
    db, oid = sqlite_store(small_fs)
    url = f"sqlite:///{db}"
    content = db.read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    line = (
        f"cannot use the store {db}: it is on a read-only file system (SQLite needs to create "
        f"hwctl.db-wal and hwctl.db-shm beside it); to read it there, name it as "
        f"sqlite:///{db}?immutable=1"
    )
    for store, args in ((url, ("list",)), (url, ("approve", str(oid), "--yes")),
                        (f"{url}?mode=ro", ("list",))):  # fmt: skip
        assert refusal(run(store, *args, cwd=tmp_path)) == line, (store, args)
    immutable = f"{url}?immutable=1"
    shown = run(immutable, "show", str(oid), "--format", "json", cwd=tmp_path)
    assert (shown.returncode, shown.stderr) == (0, ""), shown
    assert json.loads(shown.stdout)["status"] == "pending"
    assert refusal(run(immutable, "approve", str(oid), "--yes", cwd=tmp_path)) == (
        f"the store {immutable} is read-only: this command needs to write, so nothing was changed"
    )
    assert db.read_bytes() == content
    assert sorted(p.name for p in db.parent.iterdir()) == ["hwctl.db"]


# -- files that are not (or no longer) a database --------------------------------------------------
@pytest.mark.parametrize("content", [os.urandom(64 * 1024), b"order 1: pending\n"],
                         ids=["random bytes", "text"])  # fmt: skip
def test_a_file_that_is_not_a_database_is_left_byte_identical(content, tmp_path):
    bogus = tmp_path / "store" / "hwctl.db"
    bogus.parent.mkdir()
    bogus.write_bytes(content)
    url = f"sqlite:///{bogus}"
    for args in (("list",), ("approve", "1", "--yes"), ("db", "upgrade")):
        line = refusal(run(str(bogus), *args, cwd=tmp_path))
        assert line == f"cannot use the store {url}: file is not a database", args
    assert bogus.read_bytes() == content
    assert [p.name for p in bogus.parent.iterdir()] == ["hwctl.db"]  # no -wal, no -shm


def test_a_damaged_store_says_so_and_is_left_byte_identical(tmp_path):
    db, oid = sqlite_store(tmp_path)
    with db.open("r+b") as f:  # overwrite pages in the middle, keeping SQLite's header
        f.seek(4096 * 5)
        f.write(b"\xff" * 4096 * 20)
    content = db.read_bytes()
    url = f"sqlite:///{db}"
    for args in (("list",), ("show", str(oid)), ("approve", str(oid), "--yes")):
        assert refusal(run(url, *args, cwd=tmp_path)) == (
            f"the store {url} is damaged (database disk image is malformed), so nothing was "
            "changed: restore it from a backup"
        ), args
    assert db.read_bytes() == content


# -- a lock held longer than the busy timeout ------------------------------------------------------
HOLD = r"""
import sys, time
url, statement = sys.argv[1], sys.argv[2]
if url.startswith("sqlite:///"):
    import sqlite3
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
else:
    import psycopg
    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    conn.execute(statement)
print("held", flush=True)
sys.stdin.read()  # until the test closes stdin (or dies)
"""


def test_a_lock_held_by_another_process_beyond_the_busy_timeout_is_busy(db_url, tmp_path):
    from hwctl.store.engine import BUSY_TIMEOUT_MS

    oid = seed(Cli(db_url), tmp_path)
    before = counts(db_url)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, db_url, f"SELECT 1 FROM hw_order WHERE id = {oid} FOR UPDATE"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline() == "held\n"
        line = refusal(run(db_url, "approve", str(oid), "--yes", cwd=tmp_path))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert line == (
        f"the store {db_url} is busy: another session held the lock this command needs for "
        f"{BUSY_TIMEOUT_MS / 1000:g} s; try again"
    )
    assert counts(db_url) == before


# -- PostgreSQL: a server that does not answer, or ends the session mid-command --------------------
def test_a_server_that_accepts_but_never_answers_is_one_line_after_the_connect_timeout(tmp_path):
    from hwctl.store.engine import CONNECT_TIMEOUT_S

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"postgresql+psycopg://postgres:secret@127.0.0.1:{silent.getsockname()[1]}/x"
        line = refusal(run(url, "list", cwd=tmp_path))
    masked = url.replace(":secret@", ":***@")
    assert line == (
        f"cannot use the store {masked}: connection timeout expired (the server did not answer "
        f"within {CONNECT_TIMEOUT_S} s)"
    )


def _pg(url: str):  # noqa: ANN202
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def _backend_of(admin: Any, db_url: str, condition: str) -> int:  # noqa: ANN401
    """The pid of the session on the test's database matching `condition` (polled: the hwctl
    process needs a moment to start and get there)."""
    name = db_url.rsplit("/", 1)[1]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = admin.execute(
            f"SELECT pid FROM pg_stat_activity WHERE datname = %s AND {condition}", (name,)
        ).fetchone()
        if row:
            return row[0]
        time.sleep(0.05)
    raise AssertionError(f"no session on {name} where {condition}")


@postgres_only
def test_a_session_the_server_ends_mid_command_is_one_line_and_changes_nothing(db_url, tmp_path):
    oid = seed(Cli(db_url), tmp_path)
    before = counts(db_url)
    admin, holder = _pg(db_url), _pg(db_url)
    holder.autocommit = False
    holder.execute(f"SELECT id FROM hw_order WHERE id = {oid} FOR UPDATE")
    try:
        approving = run(db_url, "approve", str(oid), "--yes", cwd=tmp_path, wait=False)
        pid = _backend_of(admin, db_url, "wait_event_type = 'Lock'")  # waiting for our lock
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        stdout, stderr = approving.communicate(timeout=60)
    finally:
        holder.rollback()
        holder.close()
    done = subprocess.CompletedProcess(approving.args, approving.returncode, stdout, stderr)
    assert refusal(done) == (
        f"the connection to the PostgreSQL server of the store {db_url} was lost (terminating "
        "connection due to administrator command), so nothing was changed; try again"
    )
    admin.close()
    assert counts(db_url) == before


@postgres_only
def test_a_session_ended_during_commit_says_the_change_may_or_may_not_be_saved(db_url, tmp_path):
    oid = seed(Cli(db_url), tmp_path)
    before = counts(db_url)
    admin = _pg(db_url)
    # A deferred trigger runs at COMMIT: the approval sits inside its COMMIT until terminated.
    admin.execute(
        "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_sleep(60); RETURN NULL; END $$"
    )
    admin.execute(
        "CREATE CONSTRAINT TRIGGER slow_commit AFTER UPDATE ON hw_order DEFERRABLE INITIALLY "
        "DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()"
    )
    approving = run(db_url, "approve", str(oid), "--yes", cwd=tmp_path, wait=False)
    pid = _backend_of(admin, db_url, "wait_event = 'PgSleep' AND query = 'COMMIT'")
    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    stdout, stderr = approving.communicate(timeout=60)
    admin.close()
    done = subprocess.CompletedProcess(approving.args, approving.returncode, stdout, stderr)
    assert refusal(done) == (
        f"the connection to the PostgreSQL server of the store {db_url} was lost while "
        "committing (terminating connection due to administrator command): the change may or "
        "may not have been saved; look (hwctl show, hwctl audit) before trying again"
    )
    assert counts(db_url) == before  # here it was not: the server aborted the COMMIT


@pytest.fixture
def tablespace_fs(small_fs: Path, db_url: str) -> Iterator[Path]:
    """Every hwctl table of the test's database moved to a tablespace on `small_fs`."""
    import pwd

    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no `postgres` account to own a tablespace folder")
    folder = small_fs / "pg"
    folder.mkdir(mode=0o700)
    os.chown(folder, owner.pw_uid, owner.pw_gid)
    name = f"ts_{db_url.rsplit('/', 1)[1]}"
    admin = _pg(db_url)
    try:
        admin.execute(f"CREATE TABLESPACE {name} LOCATION '{folder}'")
    except Exception as e:  # noqa: BLE001 - a server on another machine cannot see the folder
        admin.close()
        pytest.skip(f"cannot create a tablespace in {folder}: {e}")
    tables = [
        r[0] for r in admin.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    ]
    try:
        yield small_fs
    finally:
        from hwctl.store.engine import dispose_all

        dispose_all()
        name_db = db_url.rsplit("/", 1)[1]
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
            "AND pid <> pg_backend_pid()", (name_db,),
        )  # fmt: skip
        for table in tables:
            admin.execute(f'ALTER TABLE "{table}" SET TABLESPACE pg_default')
        admin.execute(f"DROP TABLESPACE {name}")
        admin.close()


@postgres_only
def test_a_full_disk_on_the_server_is_one_line_and_changes_nothing(tablespace_fs, db_url, tmp_path):
    oid = seed(Cli(db_url), tmp_path)
    admin = _pg(db_url)
    name = f"ts_{db_url.rsplit('/', 1)[1]}"
    for (table,) in admin.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"):
        admin.execute(f'ALTER TABLE "{table}" SET TABLESPACE {name}')
    admin.close()
    before = counts(db_url)
    filler = fill(tablespace_fs)
    line = refusal(run(db_url, "submit", str(many_orders(tmp_path)), cwd=tmp_path))
    filler.unlink()
    assert line.startswith(
        f"cannot write to the store {db_url}: the PostgreSQL server's disk is full (could not "
    ), line
    assert line.endswith(": No space left on device), so nothing was changed"), line
    assert counts(db_url) == before
    still_pending(db_url, oid)


# -- a schema behind this release ------------------------------------------------------------------
def _previous_revision() -> tuple[str, str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from hwctl.store.engine import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    head = ScriptDirectory.from_config(cfg).get_revision("head")
    return head.down_revision, head.revision


def _migrate_to(url: str, revision: str) -> None:
    from alembic import command

    from hwctl.config import StoreLocation
    from hwctl.store.engine import Store

    store = Store(StoreLocation(url, "--db", False), auto_migrate=False)
    cfg = store._alembic_config()
    try:
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        store.engine.dispose()


@pytest.mark.postgres
def test_a_postgresql_store_one_schema_behind_is_refused_with_db_upgrade(pg_url, tmp_path):
    older, head = _previous_revision()
    _migrate_to(pg_url, older)
    for args in (("list",), ("approve", "1", "--yes")):
        assert refusal(run(pg_url, *args, cwd=tmp_path)) == (
            f"the store {pg_url} is at schema {older}, this hwctl needs {head}: run "
            "`hwctl db upgrade`"
        )


def test_a_read_only_sqlite_store_one_schema_behind_says_to_upgrade_it_opened_for_writing(tmp_path):
    older, head = _previous_revision()
    db = tmp_path / "old.db"
    _migrate_to(f"sqlite:///{db}", older)
    content = db.read_bytes()
    url = f"sqlite:///{db}?mode=ro"
    assert refusal(run(url, "list", cwd=tmp_path)) == (
        f"the store {url} is read-only and is at schema {older}, this hwctl needs {head}: run "
        "`hwctl db upgrade` on it opened for writing"
    )
    assert db.read_bytes() == content
