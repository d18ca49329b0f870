"""Engines and sessions: one engine per store URL, SQLite set up for several admins on one file,
schema checks and migrations, and the session scope every service uses (commit or roll back).

SQLite: WAL (switched on in hwctl's own files only), foreign keys on, a busy timeout, and write
transactions that start with `BEGIN IMMEDIATE` (SQLAlchemy's "Enabling Non-Legacy SQLite
Transactional Modes" recipe), so a read-then-write use case holds the write lock from its first
statement instead of failing halfway with "database is locked". The default store file is
created 0600 in a 0700 folder; any other path needs its folder to exist. SQLite URI arguments
(`?mode=ro`) imply `uri=true`.
PostgreSQL: psycopg 3 only; never migrated implicitly; a `lock_timeout` as long as SQLite's busy
timeout, so a locked order is "busy, try again" on either backend, never an endless wait.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, Engine, Executable, Row, create_engine, event, exc, text
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session

from hwctl.config import StoreLocation, mask_password
from hwctl.errors import HwctlError, SchemaBehind, StoreError, TokenRevoked
from hwctl.reading import file_kind
from hwctl.store.backup import Backup

BUSY_TIMEOUT_MS = 10_000  # SQLite's busy timeout and PostgreSQL's lock_timeout
CONNECT_TIMEOUT_S = 5  # how long a PostgreSQL server may take to answer a new connection
# Connections kept open per process: at least as many as the API server's worker runs requests
# at once (hwctl/api/server.py), so none is opened and closed per request (SQLAlchemy's default
# keeps 5 and closes the overflow on return: a new PostgreSQL backend, or a new SQLite
# connection that reads the schema again, for every request past the fifth). The CLI opens one.
POOL_SIZE = 16
_MIGRATION_LOCK = threading.RLock()
MIGRATIONS = "hwctl.store:migrations"
INSTALL_POSTGRES = "pip install 'hwctl[postgres]'"
# Query arguments pysqlite takes itself; any other (mode, cache, immutable...) is a SQLite URI one.
_PYSQLITE_ARGS = {"uri", "timeout", "isolation_level", "detect_types", "check_same_thread",
                  "cached_statements"}  # fmt: skip


def _not_a_folder(folder: Path) -> Path | None:
    """The first of `folder` and its parents that exists but is not a folder (ENOTDIR)."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return None if candidate.is_dir() else candidate
    return None


def _refuse_what_is_no_store(path: Path, *, read_only: bool) -> None:
    """A SQLite store's path names a regular file (a symlink is followed) or nothing. Anything
    else (/dev/null, a FIFO, a folder) is refused before SQLite opens it: it would read it as an
    empty database and write a `-journal` beside it (`/dev/null-journal`). Nothing is created
    for a store named read-only (`?mode=ro`, `?immutable=1`): a missing one is refused."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if read_only:
            raise StoreError(
                f"cannot open the store {path}: the file does not exist (the store is named "
                "read-only, so hwctl does not create it)"
            ) from None
        return
    except OSError:
        return  # a folder that cannot be entered...: said when the file is opened
    if stat.S_ISDIR(info.st_mode):
        raise StoreError(f"cannot open the store {path}: it is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise StoreError(
            f"cannot open the store {path}: it is not a regular file ({file_kind(info.st_mode)})"
        )


def _prepare_sqlite_file(path: Path, *, create_folder: bool) -> None:
    """Create the file 0600 before sqlite3 creates it 0644. Only the default store's folder is
    created (0700): any other path is what the user typed, and a missing folder is a typo."""
    try:
        exists = path.exists()
    except PermissionError as e:
        raise StoreError(f"cannot open the store {path}: permission denied") from e
    if exists:
        return
    try:
        folder = path.parent
        blocker = _not_a_folder(folder)
        if blocker is not None:
            raise StoreError(f"cannot create the store {path}: {blocker} is not a folder")
        if create_folder:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        elif not folder.is_dir():
            raise StoreError(
                f"cannot create the store {path}: the folder {folder} does not exist "
                "(hwctl creates only the folder of its default store)"
            )
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        return
    except PermissionError as e:
        raise StoreError(f"cannot create the store {path}: permission denied") from e
    except OSError as e:
        raise StoreError(f"cannot create the store {path}: {e.strerror}") from e


def _sqlite_connect_url(url: URL) -> URL:
    """SQLite URI arguments (`?mode=ro`) take effect only with `uri=true` and a `file:` name:
    without them pysqlite ignores `mode` with a warning (and would write), or, with `uri=true`
    alone, opens a file literally named `hwctl.db?mode=ro`."""
    database = url.database or ""
    uri_args = set(url.query) - _PYSQLITE_ARGS
    uri = str(url.query.get("uri", "")).lower() in ("1", "true")
    if not (uri_args or uri or database.startswith("file:")):
        return url
    if not database.startswith("file:"):
        database = "file:" + quote(database, safe="/:~@!$&'()*+,;=- ")
    return url.set(database=database).update_query_dict({"uri": "true"})


def _setup_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        # Wait for a locked row (an order another admin is deciding) no longer than SQLite waits
        # for its write lock; then the statement fails with SQLSTATE 55P03 ("busy, try again").
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {int(BUSY_TIMEOUT_MS)}")
        dbapi_connection.commit()


_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy's begin event emit BEGIN itself (pysqlite's own is lazy and deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # WAL is kept in the file, after hwctl exits: switch only hwctl's own store (or a new,
        # empty file), never another application's database, which hwctl refuses untouched. A
        # file that cannot be read or cannot switch (read-only) stays as it is; the command's
        # own statement then fails, or reads, as the file allows.
        with suppress(sqlite3.Error):
            tables = {row[0] for row in cursor.execute(_TABLES)}
            if not tables or "alembic_version" in tables:
                cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = "IMMEDIATE" if conn.get_execution_options().get("hwctl_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


# scheme://[user[:password]@]host:port, the host a name, an IPv4 address or an [IPv6] one
_PORT_RE = re.compile(r"^[^:/?#]+://(?:[^/?#@]*@)?(?:\[[^\]/?#]*\]|[^/?#:\[]*):(?P<port>[^/?#]*)")


def _engine_for(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except exc.ArgumentError as e:
        raise StoreError(f"not a database URL: {mask_password(url)}") from e
    except ValueError as e:  # SQLAlchemy's int() of the port
        port = _PORT_RE.match(url)
        what = f"the port {port['port']!r} is not a number" if port else str(e)
        raise StoreError(f"not a database URL: {mask_password(url)}: {what}") from e
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            engine = create_engine(
                _sqlite_connect_url(parsed),
                connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
                pool_size=POOL_SIZE,
            )
            _setup_sqlite(engine)
        elif backend == "postgresql":
            driver = parsed.get_driver_name()
            if driver != "psycopg":
                raise StoreError(
                    f"hwctl reaches PostgreSQL through psycopg 3, not {driver}: write the URL "
                    f"as postgresql+psycopg://… ({INSTALL_POSTGRES})"
                )
            engine = create_engine(
                parsed,
                pool_pre_ping=False,
                connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
                pool_size=POOL_SIZE,
            )
            _setup_postgresql(engine)
        else:
            raise StoreError(
                f"unsupported store {parsed.drivername!r}: use a SQLite path or a "
                "postgresql+psycopg:// URL"
            )
    except ModuleNotFoundError as e:
        raise StoreError(
            f"PostgreSQL needs psycopg 3, which is not installed ({e.name}): {INSTALL_POSTGRES}"
        ) from e
    except exc.NoSuchModuleError as e:
        raise StoreError(f"unknown database driver in {mask_password(url)}") from e
    return engine


# The key of the advisory lock that lets one `db upgrade` at a time migrate a PostgreSQL store.
MIGRATION_LOCK_KEY = "hwctl.migrations"
# How long a second `db upgrade` waits for the first to finish migrating (the migration's own
# statements keep the short lock_timeout: an ALTER TABLE queued behind a long transaction would
# block every query behind it).
MIGRATION_WAIT = "600s"


def _take_migration_lock(conn: Connection) -> None:
    """PostgreSQL: wait (up to MIGRATION_WAIT) for the advisory lock of migrations, held until
    the migration's transaction ends."""
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{MIGRATION_WAIT}'")
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": MIGRATION_LOCK_KEY})
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(BUSY_TIMEOUT_MS)}")


def _sqlstate(err: BaseException) -> str | None:
    return getattr(getattr(err, "orig", None), "sqlstate", None)


def _sqlite_error(err: BaseException) -> str:
    """SQLITE_BUSY, SQLITE_READONLY_..., SQLITE_CANTOPEN (Python 3.11+), or ""."""
    return str(getattr(getattr(err, "orig", None), "sqlite_errorname", "") or "")


# Free space below which a SQLite I/O error on the store's file system is taken to be a full disk
# (SQLite reports ENOSPC as SQLITE_FULL when writing pages, but as SQLITE_IOERR_SHMSIZE, _WRITE or
# _TRUNCATE when it grows the -shm or -wal file beside the store).
_NEARLY_FULL = 1 << 20
# A PostgreSQL session the server ended: an administrator (pg_terminate_backend), a shutdown, a
# crash; and psycopg's words when the socket closed without a message.
_PG_GONE_STATES = {"57P01", "57P02", "57P03"}
_PG_GONE_WORDS = ("server closed the connection", "consuming input failed", "connection is lost",
                  "the connection is closed", "terminating connection")  # fmt: skip


def _first_line(err: BaseException) -> str:
    text = str(getattr(err, "orig", None) or err).strip().splitlines()
    return text[0].strip() if text else type(err).__name__


def _free_bytes(folder: Path) -> int | None:
    """Bytes this process may still write on the file system of `folder` (root may use the
    blocks reserved for it), or None when it cannot be told."""
    try:
        fs = os.statvfs(folder)
    except OSError:
        return None
    blocks = fs.f_bfree if os.geteuid() == 0 else fs.f_bavail
    return blocks * fs.f_frsize


def _read_only_file_system(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _file_size_limit(path: Path) -> int | None:
    """This process's file size limit (`ulimit -f`, RLIMIT_FSIZE) when it is what stopped a
    write: finite, and the store or a file beside it has grown to within 64 KiB of it. Python
    ignores SIGXFSZ, so the write fails with EFBIG, which SQLite reports as SQLITE_IOERR_WRITE."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft == resource.RLIM_INFINITY:
        return None
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            if path.with_name(path.name + suffix).stat().st_size >= soft - 65536:
                return soft
        except OSError:
            continue
    return None


def describe_db_error(location: StoreLocation, err: BaseException) -> str:
    """One line for a failure to reach or read the store, password masked."""
    text = str(getattr(err, "orig", None) or err).strip().splitlines()
    first = text[0] if text else type(err).__name__
    return mask_password(f"cannot use the store {location.masked}: {first}")


def _writable(path: Path) -> bool:
    try:
        return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)
    except OSError:
        return False


def _folder_denied(path: Path) -> bool:
    """The store's folder is not writable and the -wal/-shm files SQLite needs are not there."""
    sides = (path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm"))
    try:
        return not os.access(path.parent, os.W_OK | os.X_OK) and not all(
            side.exists() for side in sides
        )
    except OSError:
        return False


def _why_cannot_open(path: Path, read_only: bool) -> str | None:
    """Why SQLite said "unable to open database file", when the file system can tell."""
    try:
        exists = path.exists()
    except PermissionError:
        return f"permission denied on the folder {path.parent}"
    if not exists:
        return "the file does not exist"
    if not os.access(path, os.R_OK):
        return "permission denied"
    for side in (path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        if side.exists() and not os.access(side, os.R_OK):
            return f"permission denied on {side}"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        # WAL needs the -wal and -shm files beside the store.
        return (
            f"permission denied on the folder {path.parent} (SQLite needs to create "
            f"{path.name}-wal and {path.name}-shm there)"
        )
    if not read_only and not os.access(path, os.W_OK):
        return "permission denied (the file is not writable)"
    return None


def _begin_as(platform: str, token_id: int | None = None) -> str:
    """`SELECT set_config('hwctl.platform', <platform>, true); BEGIN`: one simple query, one
    round trip instead of two, the platform a literal quoted by the driver (a simple query
    takes no parameters). The statements before a BEGIN in one simple query are part of the
    transaction it opens (PostgreSQL's protocol, "Multiple Statements in a Simple Query"), so
    the setting lasts until its COMMIT; the SELECT's row is the query's first result, which the
    driver returns. With `token_id`, the platform is set, and the row returned, only while that
    API token is not revoked: its check costs no round trip of its own."""
    from psycopg import sql

    from hwctl.store.models import ApiToken

    literal = sql.Literal(platform).as_string(None)
    setting = f"SELECT set_config('hwctl.platform', {literal}, true)"
    if token_id is not None:
        token = f"id = {int(token_id)} AND revoked_at IS NULL"
        setting += f" FROM {ApiToken.__tablename__} WHERE {token}"
    # SQLAlchemy hands the driver an empty parameter list, so psycopg reads the text for
    # placeholders (then sends it as a simple query): a literal % is written %%.
    return f"{setting}; BEGIN".replace("%", "%%")


class Store:
    """A resolved store: its engine, schema checks and sessions."""

    def __init__(self, location: StoreLocation, *, auto_migrate: bool | None = None) -> None:
        self.location = location
        self.auto_migrate = location.is_sqlite if auto_migrate is None else auto_migrate
        self._checked = False
        self._tenants: dict[tuple[str, int | None], Store] = {}
        if location.sqlite_path is not None:
            _refuse_what_is_no_store(location.sqlite_path, read_only=location.read_only)
        if (
            location.sqlite_path is not None
            and not location.read_only
            and location.sqlite_query.get("mode") != "rw"  # rw: open an existing file only
        ):
            _prepare_sqlite_file(location.sqlite_path, create_folder=location.is_default)
        self.engine = _engine_for(location.url)
        # The same pool, each connection lent in autocommit and reset when it comes back: for
        # reads that need no transaction and for a tenant's (see `first_row`, `session`).
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    # -- schema -----------------------------------------------------------------------------
    def _alembic_config(self):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", MIGRATIONS)
        return cfg

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def _refuse_newer_schema(self, current: str | None) -> None:
        """A store stamped by a newer hwctl: neither use it nor try to migrate it."""
        from alembic.script import ScriptDirectory

        if current is None:
            return
        script = ScriptDirectory.from_config(self._alembic_config())
        if current not in {rev.revision for rev in script.walk_revisions()}:
            raise StoreError(
                f"the store {self.location.masked} is at schema {current}, newer than this "
                f"hwctl (which knows up to {script.get_current_head()}): upgrade hwctl"
            )

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self._guard(), self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def upgrade(self) -> tuple[str | None, str | None]:
        """Migrate to the newest schema; returns (before, after). Idempotent.

        One migration at a time, across processes: on SQLite the migration's transaction starts
        with BEGIN IMMEDIATE, on PostgreSQL it first takes a transaction-level advisory lock;
        either way a second `db upgrade` waits for the first, then reads the revision it left
        and finds nothing to do. A SQLite store that holds rows and is behind is backed up
        beside itself first (`backup_before_upgrade`); when that fails nothing is migrated."""
        from alembic import command
        from alembic.runtime.migration import MigrationContext

        cfg = self._alembic_config()
        head = self.head_revision()
        # Threads here share Alembic's module globals: one at a time within a process too.
        with _MIGRATION_LOCK, self._guard():
            with self.engine.execution_options(hwctl_write=True).connect() as conn:
                sqlite = conn.dialect.name == "sqlite"
                if sqlite:
                    # Batch migrations rebuild tables; with foreign keys enforced, ON DELETE
                    # CASCADE would empty child tables. The pragma only works outside a
                    # transaction, so set it on the driver connection before BEGIN.
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
                try:
                    with conn.begin():
                        if not sqlite:
                            _take_migration_lock(conn)
                        before = MigrationContext.configure(conn).get_current_revision()
                        self._refuse_newer_schema(before)
                        if before is None and sqlite:
                            self._refuse_foreign_database()
                        if sqlite and before is not None and before != head:
                            self._backup_before_upgrade(conn, before, head)
                        cfg.attributes["connection"] = conn
                        command.upgrade(cfg, "head")
                        if sqlite:
                            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                            if broken:
                                raise StoreError(
                                    f"migration left {len(broken)} broken reference(s) (first in "
                                    f"table {broken[0][0]}); nothing was changed"
                                )
                finally:
                    if sqlite:
                        conn.connection.driver_connection.execute("PRAGMA foreign_keys = ON")
        self._checked = True
        return before, self.current_revision()

    # Who hears of a backup taken before an upgrade (a door sets it: the CLI prints the line on
    # stderr, `db upgrade` on stdout); without one, a warning on the `hwctl.store` logger.
    notify: Callable[[str], None] | None = None

    def _backup_before_upgrade(self, conn: Connection, before: str, head: str | None) -> None:
        """Inside the migration's write transaction (no one else can write any more): copy a
        store that holds rows to `<store>.schema-<before>.<UTC time>.bak` beside it, through a
        second connection (the migration's own holds the write lock, which SQLite's backup
        would wait on). A new, empty store is not copied."""
        from hwctl.store.backup import write_backup

        path = self.location.sqlite_path
        if path is None or self.location.in_memory or not self._holds_rows(conn):
            return
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = path.with_name(f"{path.name}.schema-{before}.{stamp}.bak")
        for n in range(2, 100):
            if not os.path.lexists(target):
                break
            target = path.with_name(f"{path.name}.schema-{before}.{stamp}-{n}.bak")
        reader = self.engine.raw_connection()
        try:
            try:
                done = write_backup(reader.driver_connection, target)
            except StoreError as e:
                reason = e.fields.get("reason", e.message)
                raise StoreError(
                    f"the store {path} was not upgraded: the backup hwctl takes first could not "
                    f"be written to {target} ({reason})",
                    target=str(target),
                ) from e
        finally:
            reader.close()
        message = (
            f"backed up the store {path} (schema {before}, {done.orders} orders) to {done.path} "
            f"before upgrading it to {head}"
        )
        if self.notify is not None:
            self.notify(message)
        else:
            logging.getLogger("hwctl.store").warning(message)

    @staticmethod
    def _holds_rows(conn: Connection) -> bool:
        names = [
            row[0]
            for row in conn.exec_driver_sql(_TABLES)
            if row[0] != "alembic_version" and not row[0].startswith("sqlite_")
        ]
        return any(
            conn.exec_driver_sql(f'SELECT EXISTS (SELECT 1 FROM "{name}")').scalar()  # noqa: S608
            for name in names
        )

    def backup(self, target: Path) -> Backup:
        """Copy this SQLite store to the new file `target`: a consistent snapshot while others
        write, published atomically, never over an existing file (`hwctl.store.backup`)."""
        from hwctl.store.backup import check_target, write_backup

        path = self.location.sqlite_path
        assert path is not None, "only a SQLite file is backed up"
        check_target(target, path)
        with self._guard():
            with self.engine.connect() as conn:
                tables = {row[0] for row in conn.exec_driver_sql(_TABLES)}
                conn.rollback()
                if tables and "alembic_version" not in tables:
                    self._refuse_foreign_database()
                return write_backup(conn.connection.driver_connection, target)

    def ensure_schema(self) -> None:
        """SQLite: create and migrate on first use. Others: refuse when behind."""
        if self._checked:
            return
        current, head = self.current_revision(), self.head_revision()
        if current != head:
            self._refuse_newer_schema(current)
            if self.auto_migrate and self.location.read_only:
                # Migrating would write: say what is missing rather than "needs to write".
                if current is None:
                    self._refuse_foreign_database()
                where = "has no hwctl schema" if current is None else f"is at schema {current}"
                raise SchemaBehind(
                    f"the store {self.location.masked} is read-only and {where}, this hwctl needs "
                    f"{head}: run `hwctl db upgrade` on it opened for writing"
                )
            if self.auto_migrate:
                self.upgrade()  # refuses a SQLite file that holds another application's tables
            elif current is None:
                raise SchemaBehind(
                    f"the store {self.location.masked} has no hwctl schema yet: "
                    "run `hwctl db upgrade` first"
                )
            else:
                raise SchemaBehind(
                    f"the store {self.location.masked} is at schema {current}, this hwctl needs "
                    f"{head}: run `hwctl db upgrade`"
                )
        self._checked = True

    def _refuse_foreign_database(self) -> None:
        """Never add hwctl's tables to a database that holds someone else's."""
        from sqlalchemy import inspect

        with self._guard(), self.engine.connect() as conn:
            tables = inspect(conn).get_table_names()
        if tables:
            raise StoreError(
                f"{self.location.masked} is not an hwctl store: it holds other tables "
                f"({', '.join(sorted(tables)[:3])}{', …' if len(tables) > 3 else ''}) "
                "and no hwctl schema"
            )

    # -- sessions ---------------------------------------------------------------------------
    @contextmanager
    def _guard(self, committing: list[bool] | None = None) -> Iterator[None]:
        """Database errors inside as one StoreError line. `committing`, when given, is set to
        [True] by the block once only its COMMIT is left (see `session`)."""
        try:
            yield
        except HwctlError:
            raise
        except exc.IntegrityError:
            raise  # a constraint: the use case turns it into a Conflict
        except (exc.DatabaseError, exc.InterfaceError) as e:
            # Server down, wrong URL, not a database file, permissions, missing tables...
            raise StoreError(
                self._describe(e, committing=bool(committing and committing[0]))
            ) from e
        except exc.ArgumentError as e:  # a URL SQLAlchemy accepts but its dialect does not
            raise StoreError(f"not a database URL: {self.location.masked}") from e
        except ModuleNotFoundError as e:
            raise StoreError(
                f"PostgreSQL needs psycopg 3, which is not installed ({e.name}): {INSTALL_POSTGRES}"
            ) from e

    def _describe(self, err: BaseException, *, committing: bool = False) -> str:
        """One line for a database error: busy, read-only, full, damaged stores, SQLite files
        hwctl cannot open and PostgreSQL connections lost, in words; anything else as the driver
        says it. `committing`: the error came from COMMIT, whose outcome a lost connection
        leaves unknown."""
        masked = self.location.masked
        sqlstate, sqlite = _sqlstate(err), _sqlite_error(err)
        text = str(getattr(err, "orig", None) or err)
        if sqlstate == "55P03" or sqlite.startswith("SQLITE_BUSY") or "database is locked" in text:
            return (
                f"the store {masked} is busy: another session held the lock this command needs "
                f"for {BUSY_TIMEOUT_MS / 1000:g} s; try again"
            )
        if sqlstate in _PG_GONE_STATES or (
            sqlstate is None
            and self.engine.dialect.name == "postgresql"
            and any(words in text for words in _PG_GONE_WORDS)
        ):
            if committing and getattr(err, "statement", None) is None:  # COMMIT itself
                return (
                    f"the connection to the PostgreSQL server of the store {masked} was lost "
                    f"while committing ({_first_line(err)}): the change may or may not have been "
                    "saved; look (hwctl show, hwctl audit) before trying again"
                )
            return (
                f"the connection to the PostgreSQL server of the store {masked} was lost "
                f"({_first_line(err)}), so nothing was changed; try again"
            )
        if sqlstate == "53100":
            return (
                f"cannot write to the store {masked}: the PostgreSQL server's disk is full "
                f"({_first_line(err)}), so nothing was changed"
            )
        path = self.location.sqlite_path
        if path is not None and sqlite.startswith(("SQLITE_FULL", "SQLITE_IOERR")):
            free = _free_bytes(path.parent)
            if sqlite.startswith("SQLITE_FULL") or (free is not None and free < _NEARLY_FULL):
                return (
                    f"cannot use the store {masked}: the disk is full (no space left on device "
                    f"in {path.parent}), so nothing was changed; free some space and try again"
                )
            limit = _file_size_limit(path)
            if limit is not None:
                return (
                    f"cannot write to the store {masked}: the file would grow beyond this "
                    f"process's file size limit (ulimit -f, {limit} bytes), so nothing was "
                    "changed"
                )
        if path is not None and sqlite.startswith("SQLITE_CORRUPT"):
            return (
                f"the store {masked} is damaged ({_first_line(err)}), so nothing was changed: "
                "restore it from a backup"
            )
        if (
            path is not None
            and (
                sqlite.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN"))
                or "unable to open" in text
            )
            and self.location.sqlite_query.get("immutable", "0") in ("0", "false")
            and _read_only_file_system(path.parent)
        ):
            # A WAL store is read through -wal and -shm files beside it; on read-only media
            # only `immutable=1` (no locks, no -shm) reads it.
            return (
                f"cannot use the store {path}: it is on a read-only file system (SQLite needs "
                f"to create {path.name}-wal and {path.name}-shm beside it); to read it there, "
                f"name it as sqlite:///{path}?immutable=1"
            )
        if path is not None and (
            sqlite == "SQLITE_READONLY_DIRECTORY"
            or (
                sqlite.startswith("SQLITE_READONLY")
                and not self.location.read_only
                and _folder_denied(path)
            )
        ):
            # A WAL store is read through -wal and -shm files beside it, even by a reader.
            return (
                f"cannot use the store {path}: permission denied on its folder {path.parent} "
                f"(SQLite needs to create {path.name}-wal and {path.name}-shm there)"
            )
        if (
            sqlstate == "25006"
            or sqlite.startswith("SQLITE_READONLY")
            or ("readonly database" in text)
        ):
            if path is not None and not self.location.read_only and not _writable(path):
                return (
                    f"cannot write to the store {path}: permission denied, so nothing was changed"
                )
            return (
                f"the store {masked} is read-only: this command needs to write, so nothing was "
                "changed"
            )
        if path is not None and (sqlite.startswith("SQLITE_CANTOPEN") or "unable to open" in text):
            problem = _why_cannot_open(path, self.location.read_only)
            if problem:
                return f"cannot open the store {path}: {problem}"
        if sqlstate is None and "connection timeout expired" in text:
            return (
                f"cannot use the store {masked}: connection timeout expired (the server did not "
                f"answer within {CONNECT_TIMEOUT_S} s)"
            )
        return describe_db_error(self.location, err)

    def session_user(self) -> str:
        """The PostgreSQL login this store's connections run as (`session_user`: not changed
        by SET ROLE). SQLite has no database users: a StoreError."""
        if self.engine.dialect.name != "postgresql":
            raise StoreError(f"the store {self.location.masked} is SQLite, which has no users")
        with self._guard(), self.engine.connect() as conn:
            return str(conn.exec_driver_sql("SELECT session_user").scalar_one())

    # The platform whose rows alone a session may see (PostgreSQL row-level security, see
    # migration 0006); None: every row (the super-admins' door).
    tenant: str | None = None
    # PostgreSQL: the simple query that begins each of the tenant's transactions.
    _tenant_begin: str | None = None

    def for_tenant(self, platform: str, token_id: int | None = None) -> Store:
        """This store as seen by `platform`: on PostgreSQL each transaction first sets
        `hwctl.platform`, and the row-level security policies hide every other platform's rows
        (a second wall behind the application's own rule). SQLite has no such thing. With
        `token_id` (the API token the platform acts through), each of its transactions on
        PostgreSQL also checks, in the same round trip, that the token is not revoked, and
        raises TokenRevoked when it is (`rechecks_tokens`)."""
        key = (platform, token_id)
        scoped = self._tenants.get(key)
        if scoped is None:
            scoped = copy.copy(self)  # the same engine and pool; its own tenant
            scoped.tenant = platform
            if self.engine.dialect.name == "postgresql":
                scoped._tenant_begin = _begin_as(platform, token_id)
            self._tenants[key] = scoped
        return scoped

    @property
    def rechecks_tokens(self) -> bool:
        """Whether a tenant's transactions check its token (`for_tenant`): PostgreSQL's do."""
        return self.engine.dialect.name == "postgresql"

    def first_row(self, statement: Executable, params: dict[str, object]) -> Row | None:
        """The first row of one read that needs no transaction of its own (a lookup by a unique
        key), on a plain connection: no ORM session. On PostgreSQL it is sent alone, in
        autocommit: one round trip, not three (BEGIN, the SELECT, COMMIT); every API
        request's token lookup is one. A tenant's reads run in its transactions (`session`),
        which set its platform first."""
        if self.tenant is not None:
            with self.session() as session:
                return session.connection().execute(statement, params).first()
        self.ensure_schema()
        postgresql = self.engine.dialect.name == "postgresql"
        with self._guard(), (self._autocommit if postgresql else self.engine).connect() as c:
            return c.execute(statement, params).first()

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction: commit when the block ends, roll back on any exception."""
        self.ensure_schema()
        committing = [False]
        tenant = self._tenant_begin
        with self._guard(committing):
            if tenant is not None:
                # The driver in autocommit sends no BEGIN of its own: the transaction's first
                # round trip both begins it and sets the platform (`_begin_as`); the
                # driver's commit and rollback still end it (psycopg acts on the server's
                # transaction status), and the pool rolls back whatever is left open.
                bind = self._autocommit
            elif write:
                bind = self.engine.execution_options(hwctl_write=True)
            else:
                bind = self.engine
            with Session(bind, expire_on_commit=False) as session:
                with session.begin():
                    if (
                        tenant is not None
                        and session.connection().exec_driver_sql(tenant).first() is None
                    ):
                        raise TokenRevoked("the token is unknown or revoked")
                    yield session
                    committing[0] = True  # the block is done: leaving `begin()` commits


_stores: dict[str, Store] = {}


def open_store(location: StoreLocation) -> Store:
    """The Store for a location (cached per URL within the process)."""
    store = _stores.get(location.url)
    if store is None:
        store = Store(location)
        _stores[location.url] = store
    return store


def dispose_all() -> None:
    """Close every pooled connection (tests, and before a PostgreSQL database is dropped)."""
    for store in _stores.values():
        store.engine.dispose()
    _stores.clear()
