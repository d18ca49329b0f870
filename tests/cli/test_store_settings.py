"""Store settings that cannot be what was meant, and stores hwctl cannot use as asked, are one
line on stderr and an exit code: never a traceback, never "internal error", and nothing written.

Through the real command line: in-process (typer's CliRunner) where the environment can be set
there, and real subprocesses of the installed hwctl where it cannot (no HOME; another user, since
root ignores file modes). Subprocesses import the same hwctl as these tests (PYTHONPATH), so a
patched copy of the tree can be tested. Setup goes through the CLI too (the conftest `Cli`).
"""

from __future__ import annotations

import functools
import json
import os
import pwd
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import hwctl
from tests.conftest import DIRECTORY, Cli, order_doc

ADMIN = "dana"
CODE = str(Path(hwctl.__file__).resolve().parent.parent)  # the hwctl these tests import
postgres_only = pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)]
)
NO_HOME = (
    "HOME is not set, so there is no default store: set HOME, or name the store with --db or "
    "$HWCTL_DATABASE_URL"
)
INSTALL = "pip install 'hwctl[postgres]'"


@pytest.fixture(autouse=True)
def released() -> Iterator[None]:
    """Close the pooled connections of every store a test opened in-process."""
    yield
    from hwctl.store.engine import dispose_all

    dispose_all()


# -- running hwctl ---------------------------------------------------------------------------------
def invoke(*args: str, env: dict[str, str | None] | None = None):  # noqa: ANN201
    """The real command tree in-process, with exactly these arguments (no --db added)."""
    from hwctl.cli.app import app

    return CliRunner().invoke(app, list(args), env=env)


def error_line(stderr: str) -> str:
    """The one stderr line of a refusal, without its `hwctl: error: ` prefix."""
    assert "Traceback" not in stderr, stderr
    assert "internal error" not in stderr.lower(), stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("hwctl: error: "), stderr
    return lines[0].removeprefix("hwctl: error: ")


def refused(result: Any, code: int) -> str:  # noqa: ANN401 - a Click Result
    """An in-process run that exits `code`, prints nothing on stdout and one line on stderr."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == "", result.stdout
    return error_line(result.stderr)


def hwctl_bin() -> str:
    beside = Path(sys.executable).parent / "hwctl"
    found = str(beside) if beside.exists() else shutil.which("hwctl")
    assert found, "hwctl is not installed next to this Python nor on PATH"
    return found


def unprivileged() -> list[str]:
    """The command prefix that runs a process as a user file modes apply to: `nobody` when the
    tests run as root (root ignores them), else nothing (the tests' own user)."""
    if os.geteuid() != 0:
        return []
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root and there is no `nobody` account to drop privileges to")
    if shutil.which("setpriv"):
        prefix = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                  "--clear-groups"]  # fmt: skip
    elif shutil.which("runuser"):
        prefix = ["runuser", "-u", "nobody", "--"]
    else:
        pytest.skip("running as root and neither setpriv nor runuser can drop privileges")
    if not _reaches_the_checkout(tuple(prefix)):
        # A checkout under a folder only root may enter (a clone in `mktemp -d`, or under
        # /root): `nobody` cannot run this hwctl at all. .ci/run opens such folders for search.
        pytest.skip(f"`nobody` cannot reach {hwctl_bin()} (a parent folder is root's only)")
    return prefix


@functools.cache
def _reaches_the_checkout(prefix: tuple[str, ...]) -> bool:
    probe = subprocess.run([*prefix, hwctl_bin(), "--version"], capture_output=True,
                           stdin=subprocess.DEVNULL, timeout=60, cwd="/")  # fmt: skip
    return probe.returncode == 0


def unprivileged_account() -> pwd.struct_passwd:
    """The account `unprivileged()` runs as."""
    return pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())


def give_to_unprivileged(path: Path) -> None:
    """Make `path` the unprivileged user's own (as root; otherwise it already is)."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(path, nobody.pw_uid, nobody.pw_gid)


def hwctl(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    as_unprivileged: bool = False,
) -> subprocess.CompletedProcess[str]:
    """A real `hwctl ARGS` with no HOME, no XDG_* and no HWCTL_* unless `env` gives them."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HWCTL_", "XDG_"))
        and k not in ("HOME", "NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "PYTHONPATH")
    }
    base.update(PYTHONPATH=CODE, PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8")
    base.update(env or {})
    prefix = unprivileged() if as_unprivileged else []
    return subprocess.run([*prefix, hwctl_bin(), *args], cwd=cwd, env=base, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=60)  # fmt: skip


def refused_run(run: subprocess.CompletedProcess[str], code: int) -> str:
    assert run.returncode == code, (run.returncode, run.stdout, run.stderr)
    assert run.stdout == "", run.stdout
    return error_line(run.stderr)


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder the unprivileged user can reach (pytest's tmp_path is 0700 to root)."""
    reachable = "/tmp" if os.geteuid() == 0 and os.path.isdir("/tmp") else None  # not $TMPDIR
    folder = Path(tempfile.mkdtemp(prefix="hwctl-settings-", dir=reachable)).resolve()
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for root, dirs, files in os.walk(folder):
            for name in dirs + files:
                entry = Path(root, name)
                if not entry.is_symlink():
                    entry.chmod(0o700)
        shutil.rmtree(folder)


# -- stores and their contents ---------------------------------------------------------------------
def ok(result: Any) -> None:  # noqa: ANN401
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)


def seed(cli: Cli, folder: Path) -> int:
    """A super-admin, the standard directory and one pending order (its id), all through the
    CLI; then every pooled connection closed, so the file is complete and nothing holds it."""
    from hwctl.store.engine import dispose_all

    ok(cli("admins", "add", ADMIN, as_=None))
    (folder / "directory.json").write_text(json.dumps(DIRECTORY), encoding="utf-8")
    ok(cli("import", str(folder / "directory.json")))
    (folder / "orders.json").write_text(json.dumps([order_doc()]), encoding="utf-8")
    (created,) = cli.json("submit", str(folder / "orders.json"), "--format", "json")
    dispose_all()
    return created["id"]


def sqlite_store(folder: Path) -> tuple[Path, int]:
    """A seeded SQLite store `folder/store/hwctl.db` with no -wal or -shm left beside it."""
    (folder / "store").mkdir()
    db = folder / "store" / "hwctl.db"
    oid = seed(Cli(str(db)), folder)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()  # the last connection: SQLite removes the -wal and -shm files
    assert sorted(p.name for p in db.parent.iterdir()) == ["hwctl.db"]
    return db, oid


def order_of(url: str, oid: int) -> dict[str, Any]:
    """`show ORDER --format json` on the store, as its owner sees it."""
    return Cli(url).json("show", str(oid), "--format", "json")


def still_pending(url: str, oid: int) -> None:
    from hwctl.store.engine import dispose_all

    dispose_all()
    detail = order_of(url, oid)
    assert (detail["status"], detail["decided_by"]) == ("pending", None), detail
    dispose_all()


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# -- 1. an empty --db; a blank $HWCTL_DATABASE_URL -------------------------------------------------
@pytest.mark.parametrize("value", ["", "   "])
@pytest.mark.parametrize("command", [("list",), ("admins", "add", ADMIN), ("db", "upgrade")])
def test_an_empty_db_flag_is_a_usage_error_and_opens_no_store(value, command, isolated_env):
    line = refused(invoke("--db", value, *command), 2)
    assert line == "--db is empty: name the store (a path or a URL), or leave --db out"
    assert not (isolated_env / ".local" / "share" / "hwctl").exists()  # not the default either


@pytest.mark.parametrize("value", ["", "  "])
def test_a_blank_database_url_variable_counts_as_unset(value, isolated_env):
    result = invoke("db", "path", env={"HWCTL_DATABASE_URL": value})
    ok(result)
    expected = isolated_env / ".local" / "share" / "hwctl" / "hwctl.db"
    assert result.stdout == f"sqlite:///{expected}\n"
    assert result.stderr == "(from default)\n"


# -- 2. in-memory SQLite ---------------------------------------------------------------------------
IN_MEMORY = [
    "sqlite://",
    "sqlite:///:memory:",
    ":memory:",
    "sqlite:///{tmp}/hwctl.db?mode=memory",
    "sqlite:///file:hwctl?mode=memory&cache=shared&uri=true",
    "sqlite:///file::memory:?cache=shared",
]


@pytest.mark.parametrize("spelling", IN_MEMORY)
def test_an_in_memory_store_is_refused(spelling, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    value = spelling.format(tmp=tmp_path)
    line = refused(invoke("--db", value, "admins", "add", ADMIN), 1)
    assert line.startswith("--db names an in-memory SQLite store, which would vanish when hwctl ")
    assert tree(tmp_path) == []


def test_an_in_memory_store_in_the_environment_is_refused_naming_the_variable(tmp_path):
    result = invoke("list", env={"HWCTL_DATABASE_URL": "sqlite:///:memory:"})
    assert refused(result, 1).startswith("$HWCTL_DATABASE_URL names an in-memory SQLite store")


# -- 3. a folder that does not exist, or is not a folder -------------------------------------------
def _missing_folder_store(how: str, tmp_path: Path) -> tuple[list[str], dict[str, str], Path]:
    db = tmp_path / "missing" / "deeper" / "hwctl.db"
    if how == "--db path":
        return ["--db", str(db)], {}, db
    if how == "--db url":
        return ["--db", f"sqlite:///{db}"], {}, db
    if how == "environment":
        return [], {"HWCTL_DATABASE_URL": str(db)}, db
    config = tmp_path / "config.toml"
    config.write_text(f'database_url = "{db}"\n', encoding="utf-8")
    return [], {"HWCTL_CONFIG": str(config)}, db


@pytest.mark.parametrize("how", ["--db path", "--db url", "environment", "config"])
@pytest.mark.parametrize("command", [("list",), ("admins", "add", ADMIN), ("db", "upgrade")])
def test_a_store_in_a_folder_that_does_not_exist_is_refused_and_nothing_is_created(
    how, command, tmp_path, isolated_env
):
    flags, env, db = _missing_folder_store(how, tmp_path)
    before = tree(tmp_path)
    line = refused(invoke(*flags, *command, env=env), 1)
    assert line == (
        f"cannot create the store {db}: the folder {db.parent} does not exist "
        "(hwctl creates only the folder of its default store)"
    )
    assert tree(tmp_path) == before
    assert not (isolated_env / ".local" / "share" / "hwctl").exists()


@pytest.mark.parametrize("below", ["hwctl.db", "sub/hwctl.db"])
def test_a_store_below_a_regular_file_says_it_is_not_a_folder(below, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder\n", encoding="utf-8")
    db = blocker / below
    line = refused(invoke("--db", str(db), "admins", "add", ADMIN), 1)
    assert line == f"cannot create the store {db}: {blocker} is not a folder"
    assert blocker.read_text(encoding="utf-8") == "not a folder\n"
    assert tree(tmp_path) == ["notes.txt"]


def test_only_the_default_store_gets_its_folder_created(isolated_env):
    folder = isolated_env / ".local" / "share" / "hwctl"
    assert not folder.exists()
    ok(invoke("admins", "add", ADMIN))
    assert (folder / "hwctl.db").is_file()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "hwctl.db").stat().st_mode) == 0o600


# -- 4. no HOME ------------------------------------------------------------------------------------
DEFAULT_STORE_COMMANDS = [("list",), ("db", "upgrade"), ("approve", "1", "--yes")]


@pytest.mark.parametrize(
    ("command", "as_unprivileged"),
    [(command, True) for command in DEFAULT_STORE_COMMANDS] + [(("list",), False)],
)
def test_without_home_the_default_store_is_one_line_saying_home_is_not_set(
    command, as_unprivileged, shared
):
    # hwctl must not fall back to the passwd entry's home (for `nobody` /nonexistent, for root
    # /root), let alone create hwctl's folder there.
    account = unprivileged_account() if as_unprivileged else pwd.getpwuid(os.geteuid())
    fallback = Path(account.pw_dir) / ".local" / "share" / "hwctl"
    existed = fallback.exists()
    run = hwctl(*command, cwd=shared, as_unprivileged=as_unprivileged)
    assert refused_run(run, 2) == NO_HOME
    assert fallback.exists() == existed
    assert tree(shared) == []


@pytest.mark.parametrize("home", ["", "relative/home"])
def test_a_home_that_is_empty_or_relative_counts_as_no_home(home, shared):
    run = hwctl("list", cwd=shared, env={"HOME": home})
    assert refused_run(run, 2) == NO_HOME
    assert tree(shared) == []


def test_without_home_an_absolute_store_still_works(shared):
    db = shared / "hwctl.db"
    added = hwctl("--db", str(db), "admins", "add", ADMIN, cwd=shared)
    assert (added.returncode, added.stderr) == (0, ""), added
    listed = hwctl("list", "--format", "json", cwd=shared, env={"HWCTL_DATABASE_URL": str(db)})
    assert (listed.returncode, listed.stderr, json.loads(listed.stdout)) == (0, "", [])
    assert "hwctl.db" in tree(shared)


# -- 5. another application's SQLite file ----------------------------------------------------------
@pytest.mark.parametrize("command", [("db", "upgrade"), ("list",), ("admins", "add", ADMIN)])
def test_a_sqlite_file_of_another_application_is_refused_and_left_exactly_as_it_was(
    command, tmp_path
):
    other = tmp_path / "notes.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("CREATE TABLE tag (name TEXT)")
    conn.execute("INSERT INTO note (body) VALUES ('keep me')")
    conn.commit()
    conn.close()
    content = other.read_bytes()

    def tables() -> list[str]:
        c = sqlite3.connect(f"file:{other}?mode=ro", uri=True)
        try:
            return [r[0] for r in c.execute("SELECT name FROM sqlite_master ORDER BY name")]
        finally:
            c.close()

    before = tables()
    line = refused(invoke("--db", str(other), *command), 1)
    assert line == (
        f"sqlite:///{other} is not an hwctl store: it holds other tables (note, tag) and no "
        "hwctl schema"
    )
    from hwctl.store.engine import dispose_all

    dispose_all()
    assert tables() == before
    # not even its journal mode: the file is byte for byte what it was, with nothing beside it
    assert other.read_bytes() == content
    assert tree(tmp_path) == ["notes.db"]


# -- 6. PostgreSQL drivers -------------------------------------------------------------------------
@pytest.mark.parametrize("driver", ["psycopg2", "pg8000", "asyncpg"])
@pytest.mark.parametrize("command", [("list",), ("db", "upgrade")])
def test_a_postgresql_url_with_another_driver_says_to_use_psycopg_3(driver, command):
    url = f"postgresql+{driver}://hwctl@127.0.0.1:5432/hwctl"
    line = refused(invoke("--db", url, *command), 1)
    assert line == (
        f"hwctl reaches PostgreSQL through psycopg 3, not {driver}: write the URL as "
        f"postgresql+psycopg://… ({INSTALL})"
    )


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_without_psycopg_installed_a_postgresql_url_says_what_to_install(scheme, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` fails as if absent
    line = refused(invoke("--db", f"{scheme}://hwctl@127.0.0.1:5432/hwctl", "list"), 1)
    assert line == f"PostgreSQL needs psycopg 3, which is not installed (psycopg): {INSTALL}"


@postgres_only
@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_postgresql_url_without_a_driver_is_taken_as_psycopg_3(scheme, db_url, tmp_path):
    oid = seed(Cli(db_url), tmp_path)
    bare = f"{scheme}://" + db_url.split("://", 1)[1]
    path = invoke("--db", bare, "db", "path")
    ok(path)
    assert path.stdout == db_url + "\n"
    listed = Cli(bare).json("list", "--format", "json")
    assert [o["id"] for o in listed] == [oid]


# -- 7. a port that is not a number ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://u@127.0.0.1:notaport/db", None),
        ("postgresql://u:s3cret@db.example:notaport/db", "postgresql+psycopg://u:***@db.example"),
        ("postgresql+psycopg://u@[::1]:notaport/db", None),
    ],
)
@pytest.mark.parametrize("command", [("list",), ("db", "upgrade"), ("approve", "1", "--yes")])
def test_a_port_that_is_not_a_number_is_one_line(url, shown, command):
    result = invoke("--db", url, *command)
    line = refused(result, 1)
    masked = f"{shown}:notaport/db" if shown else url
    assert line == f"not a database URL: {masked}: the port 'notaport' is not a number"
    assert "s3cret" not in result.stderr
    assert "ValueError" not in result.stderr


def test_a_port_that_is_not_a_number_in_the_environment_is_one_line():
    env = {"HWCTL_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1:notaport/db"}
    line = refused(invoke("list", env=env), 1)
    assert line.endswith(": the port 'notaport' is not a number")


# -- 8. a config key hwctl does not know -----------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "key", "hint"),
    [
        ('databse_url = "/srv/hwctl/hwctl.db"\n', "databse_url", ", did you mean 'database_url'?"),
        ('admn = "carol"\n', "admn", ", did you mean 'admin'?"),
        ('colour = "auto"\n', "colour", ""),
    ],
)
@pytest.mark.parametrize("where", ["HWCTL_CONFIG", "default"])
@pytest.mark.parametrize("command", [("list",), ("db", "path")])
def test_an_unknown_config_key_names_the_file_and_the_key(
    text, key, hint, where, command, tmp_path, isolated_env
):
    if where == "HWCTL_CONFIG":
        path, env = tmp_path / "hwctl.toml", {"HWCTL_CONFIG": str(tmp_path / "hwctl.toml")}
    else:
        path, env = isolated_env / ".config" / "hwctl" / "config.toml", {}
        path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    line = refused(invoke(*command, env=env), 1)
    assert line == (
        f"config file {path}: unknown key '{key}'{hint} (the keys hwctl knows: database_url, "
        "admin, identity)"
    )
    assert not (isolated_env / ".local" / "share" / "hwctl").exists()


# -- 9. permissions (as a user file modes apply to) ------------------------------------------------
def test_a_config_file_that_cannot_be_read_says_permission_denied(shared):
    config = shared / "config.toml"
    config.write_text('admin = "dana"\n', encoding="utf-8")
    config.chmod(0o000)
    run = hwctl("db", "path", cwd=shared, as_unprivileged=True,
                env={"HOME": str(shared), "HWCTL_CONFIG": str(config)})  # fmt: skip
    assert refused_run(run, 1) == f"cannot read the config file {config}: permission denied"


def test_a_store_file_that_cannot_be_read_says_permission_denied(shared):
    db, oid = sqlite_store(shared)
    db.parent.chmod(0o777)  # only the file is in the way
    db.chmod(0o000)
    run = hwctl("--db", str(db), "--as", ADMIN, "approve", str(oid), "--yes", cwd=shared,
                as_unprivileged=True)  # fmt: skip
    assert refused_run(run, 1) == f"cannot open the store {db}: permission denied"
    db.chmod(0o600)
    still_pending(str(db), oid)


def test_a_store_in_a_folder_that_cannot_be_entered_says_permission_denied(shared):
    db, _ = sqlite_store(shared)
    db.parent.chmod(0o700)  # root's (or, not as root, mode 000 below)
    if os.geteuid() != 0:
        db.parent.chmod(0o000)
    run = hwctl("--db", str(db), "--as", ADMIN, "list", cwd=shared, as_unprivileged=True)
    assert refused_run(run, 1) == f"cannot open the store {db}: permission denied"


@pytest.mark.parametrize("command", [("approve", "1", "--yes"), ("list",)])
def test_a_store_in_a_folder_without_write_permission_names_the_folder(command, shared):
    # The file is the unprivileged user's and writable; its folder is not: SQLite cannot create
    # the -wal and -shm files a WAL store is used through, for a write (and even for a read).
    db, oid = sqlite_store(shared)
    give_to_unprivileged(db)
    db.chmod(0o600)
    db.parent.chmod(0o755 if os.geteuid() == 0 else 0o555)
    content = db.read_bytes()
    run = hwctl("--db", str(db), "--as", ADMIN, *command, cwd=shared, as_unprivileged=True)
    assert refused_run(run, 1) == (
        f"cannot use the store {db}: permission denied on its folder {db.parent} (SQLite needs "
        "to create hwctl.db-wal and hwctl.db-shm there)"
    )
    assert db.read_bytes() == content
    db.parent.chmod(0o755)
    still_pending(str(db), oid)


def test_a_store_file_without_write_permission_serves_reads_and_refuses_a_write(shared):
    db, oid = sqlite_store(shared)
    db.parent.chmod(0o777)  # the -wal and -shm files can be created
    db.chmod(0o444)
    listed = hwctl("--db", str(db), "list", "--format", "json", cwd=shared, as_unprivileged=True)
    assert (listed.returncode, listed.stderr) == (0, ""), listed
    assert [o["id"] for o in json.loads(listed.stdout)] == [oid]
    run = hwctl("--db", str(db), "--as", ADMIN, "approve", str(oid), "--yes", cwd=shared,
                as_unprivileged=True)  # fmt: skip
    assert refused_run(run, 1) == (
        f"cannot write to the store {db}: permission denied, so nothing was changed"
    )
    db.chmod(0o600)
    still_pending(str(db), oid)


def test_a_new_store_in_a_folder_without_write_permission_says_permission_denied(shared):
    folder = shared / "locked"
    folder.mkdir(mode=0o755)
    if os.geteuid() != 0:
        folder.chmod(0o555)
    db = folder / "hwctl.db"
    run = hwctl("--db", str(db), "admins", "add", ADMIN, cwd=shared, as_unprivileged=True)
    assert refused_run(run, 1) == f"cannot create the store {db}: permission denied"
    assert list(folder.iterdir()) == []


# -- 10. a read-only store -------------------------------------------------------------------------
READ_ONLY = ["sqlite:///{db}?mode=ro", "sqlite:///file:{db}?mode=ro&uri=true"]


@pytest.mark.parametrize("spelling", READ_ONLY)
def test_a_read_only_store_serves_reads_without_a_warning(spelling, tmp_path):
    db, oid = sqlite_store(tmp_path)
    cli = Cli(spelling.format(db=db))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        listed = cli("list", "--format", "json")
        shown = cli("show", str(oid), "--format", "json")
    assert [str(w.message) for w in caught] == []
    assert (listed.exit_code, listed.stderr) == (0, ""), listed.stderr
    assert [o["id"] for o in json.loads(listed.stdout)] == [oid]
    assert (shown.exit_code, shown.stderr) == (0, ""), shown.stderr
    assert json.loads(shown.stdout)["status"] == "pending"


def test_a_read_only_store_prints_nothing_on_stderr_in_a_real_process(shared):
    db, oid = sqlite_store(shared)
    url = f"sqlite:///{db}?mode=ro"
    for args in (("list",), ("show", str(oid))):
        run = hwctl("--db", url, *args, cwd=shared)
        assert (run.returncode, run.stderr) == (0, ""), run
        assert "Acme Voice" in run.stdout


@pytest.mark.parametrize("spelling", READ_ONLY)
@pytest.mark.parametrize("command", ["approve", "reject", "cancel"])
def test_a_write_to_a_read_only_store_is_refused_and_changes_nothing(spelling, command, tmp_path):
    db, oid = sqlite_store(tmp_path)
    url = spelling.format(db=db)
    content = db.read_bytes()
    extra = ["--reason", "duplicate"] if command == "reject" else []
    line = refused(Cli(url)(command, str(oid), *extra, "--yes"), 1)
    assert (
        line == f"the store {url} is read-only: this command needs to write, so nothing was changed"
    )
    assert db.read_bytes() == content
    still_pending(str(db), oid)


def test_a_read_only_store_without_the_schema_says_so_instead_of_needing_to_write(tmp_path):
    db = tmp_path / "empty.db"
    db.touch()
    line = refused(invoke("--db", f"sqlite:///{db}?mode=ro", "list"), 1)
    assert line.startswith(f"the store sqlite:///{db}?mode=ro is read-only and has no hwctl schema")
    assert "needs to write" not in line
    assert db.stat().st_size == 0


# -- 11. a store stamped by a newer hwctl ----------------------------------------------------------
def stamp(db_url: str, version: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
    finally:
        engine.dispose()


def version_of(db_url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "command", [("list",), ("db", "upgrade"), ("approve", "1", "--yes"), ("admins", "add", "eve")]
)
def test_a_store_of_a_newer_hwctl_is_refused_without_advising_db_upgrade(command, db_url, tmp_path):
    seed(Cli(db_url), tmp_path)
    stamp(db_url, "0099")
    line = refused(Cli(db_url)(*command), 1)
    assert line.startswith(f"the store {db_url} is at schema 0099, newer than this hwctl (")
    assert line.endswith("): upgrade hwctl")
    assert "db upgrade" not in line
    assert version_of(db_url) == "0099"


# -- 12. a locked order: busy, try again -----------------------------------------------------------
BUSY_MS = 300


def hold(lock: Callable[[], Callable[[], None]]) -> Callable[[], None]:
    """Take the lock; release it in any case after 8 s (a broken timeout must not hang the
    tests). Returns the release."""
    release = lock()
    done = threading.Lock()

    def once() -> None:
        if done.acquire(blocking=False):
            release()

    timer = threading.Timer(8, once)
    timer.start()

    def stop() -> None:
        timer.cancel()
        once()

    return stop


def sqlite_lock(db_url: str) -> Callable[[], None]:
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None,
                           check_same_thread=False)  # fmt: skip
    conn.execute("BEGIN IMMEDIATE")

    def release() -> None:
        conn.execute("ROLLBACK")
        conn.close()

    return release


def postgres_lock(db_url: str, statement: str) -> Callable[[], None]:
    import psycopg

    conn = psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://"))
    conn.execute(statement)  # psycopg 3 opens a transaction and keeps it open

    def release() -> None:
        conn.rollback()
        conn.close()

    return release


LOCKS = {
    "sqlite BEGIN IMMEDIATE": ("sqlite", None),
    "row FOR UPDATE": ("postgres", "SELECT id FROM hw_order WHERE id = {oid} FOR UPDATE"),
    "table ACCESS EXCLUSIVE": ("postgres", "LOCK TABLE hw_order IN ACCESS EXCLUSIVE MODE"),
}


@pytest.mark.parametrize(
    ("backend", "lock"),
    [
        pytest.param(backend, name, marks=[pytest.mark.postgres] if backend == "postgres" else [])
        for name, (backend, _) in LOCKS.items()
    ],
)
@pytest.mark.parametrize("command", ["approve", "cancel"])
def test_a_locked_order_is_busy_try_again_after_the_lock_timeout(
    backend, lock, command, db_url, tmp_path, monkeypatch
):
    oid = seed(Cli(db_url), tmp_path)
    monkeypatch.setattr("hwctl.store.engine.BUSY_TIMEOUT_MS", BUSY_MS)
    statement = LOCKS[lock][1]
    stop = hold(
        (lambda: sqlite_lock(db_url))
        if statement is None
        else (lambda: postgres_lock(db_url, statement.format(oid=oid)))
    )
    try:
        started = time.monotonic()
        result = Cli(db_url)(command, str(oid), "--yes")
        waited = time.monotonic() - started
    finally:
        stop()
    line = refused(result, 1)
    assert line == (
        f"the store {db_url} is busy: another session held the lock this command needs for "
        f"{BUSY_MS / 1000:g} s; try again"
    )
    assert BUSY_MS / 1000 * 0.9 <= waited < 4, waited
    still_pending(db_url, oid)
