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
A driver error becomes one line by `faults.describe`; a SQLite store's file is checked and
created by `sqlite_file` before SQLite opens it.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import sqlite3
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
from hwctl.store import faults, sqlite_file
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
            sqlite_file.refuse_what_is_no_store(location.sqlite_path, read_only=location.read_only)
        if (
            location.sqlite_path is not None
            and not location.read_only
            and location.sqlite_query.get("mode") != "rw"  # rw: open an existing file only
        ):
            sqlite_file.prepare_sqlite_file(location.sqlite_path, create_folder=location.is_default)
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
        return faults.describe(
            err,
            self.location,
            dialect=self.engine.dialect.name,
            busy_timeout_ms=BUSY_TIMEOUT_MS,
            connect_timeout_s=CONNECT_TIMEOUT_S,
            committing=committing,
        )

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
