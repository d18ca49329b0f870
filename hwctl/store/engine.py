"""Engines and sessions: one engine per store URL, SQLite set up for several admins on one file,
schema checks and migrations, and the session scope every service uses (commit or roll back).

SQLite: WAL, foreign keys on, a busy timeout, and write transactions that start with
`BEGIN IMMEDIATE` (SQLAlchemy's "Enabling Non-Legacy SQLite Transactional Modes" recipe), so a
read-then-write use case holds the write lock from its first statement instead of failing halfway
with "database is locked". The embedded store file is created 0600 in a 0700 folder.
PostgreSQL: psycopg 3; never migrated implicitly.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlmodel import Session

from hwctl.config import StoreLocation, mask_password
from hwctl.errors import HwctlError, SchemaBehind, StoreError

BUSY_TIMEOUT_MS = 10_000
_MIGRATION_LOCK = threading.RLock()
MIGRATIONS = "hwctl.store:migrations"


def _prepare_sqlite_file(path: Path) -> None:
    """Create the folder 0700 and the file 0600 before sqlite3 creates it 0644."""
    if path.exists():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        return
    except OSError as e:
        raise StoreError(f"cannot create the store {path}: {e.strerror}") from e


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy's begin event emit BEGIN itself (pysqlite's own is lazy and deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # SQLite's lower() folds ASCII only; --search lowers both sides, as PostgreSQL does.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        # A read-only file cannot switch modes; reads still work without WAL.
        with suppress(sqlite3.OperationalError):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = "IMMEDIATE" if conn.get_execution_options().get("hwctl_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def _engine_for(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except exc.ArgumentError as e:
        raise StoreError(f"not a database URL: {mask_password(url)}") from e
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            _setup_sqlite(engine)
        elif backend == "postgresql":
            engine = create_engine(url, pool_pre_ping=False, connect_args={"connect_timeout": 5})
        else:
            raise StoreError(
                f"unsupported store {parsed.drivername!r}: use a SQLite path or a "
                "postgresql+psycopg:// URL"
            )
    except ModuleNotFoundError as e:
        raise StoreError(
            f"the driver for {parsed.drivername} is not installed ({e.name}); "
            "install hwctl[postgres] for PostgreSQL"
        ) from e
    except exc.NoSuchModuleError as e:
        raise StoreError(f"unknown database driver in {mask_password(url)}") from e
    return engine


def describe_db_error(location: StoreLocation, err: BaseException) -> str:
    """One line for a failure to reach or read the store, password masked."""
    text = str(getattr(err, "orig", None) or err).strip().splitlines()
    first = text[0] if text else type(err).__name__
    return mask_password(f"cannot use the store {location.masked}: {first}")


class Store:
    """A resolved store: its engine, schema checks and sessions."""

    def __init__(self, location: StoreLocation, *, auto_migrate: bool | None = None) -> None:
        self.location = location
        self.auto_migrate = location.is_sqlite if auto_migrate is None else auto_migrate
        self._checked = False
        if location.sqlite_path is not None and "mode=ro" not in location.url:
            _prepare_sqlite_file(location.sqlite_path)
        self.engine = _engine_for(location.url)

    # -- schema -----------------------------------------------------------------------------
    def _alembic_config(self):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", MIGRATIONS)
        return cfg

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self._guard(), self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def upgrade(self) -> tuple[str | None, str | None]:
        """Migrate to the newest schema; returns (before, after). Idempotent."""
        from alembic import command

        cfg = self._alembic_config()
        # One migration at a time: threads here share Alembic's module globals, and on SQLite
        # BEGIN IMMEDIATE makes a second process wait for the first, then find nothing to do.
        with _MIGRATION_LOCK, self._guard():
            before = self.current_revision()
            with self.engine.execution_options(hwctl_write=True).connect() as conn:
                sqlite = conn.dialect.name == "sqlite"
                if sqlite:
                    # Batch migrations rebuild tables; with foreign keys enforced, ON DELETE
                    # CASCADE would empty child tables. The pragma only works outside a
                    # transaction, so set it on the driver connection before BEGIN.
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
                try:
                    with conn.begin():
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

    def ensure_schema(self) -> None:
        """SQLite: create and migrate on first use. Others: refuse when behind."""
        if self._checked:
            return
        current, head = self.current_revision(), self.head_revision()
        if current != head:
            if self.auto_migrate:
                if current is None:
                    self._refuse_foreign_database()
                self.upgrade()
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
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except HwctlError:
            raise
        except exc.IntegrityError:
            raise  # a constraint: the use case turns it into a Conflict
        except (exc.DatabaseError, exc.InterfaceError) as e:
            # Server down, wrong URL, not a database file, permissions, missing tables...
            raise StoreError(describe_db_error(self.location, e)) from e
        except ModuleNotFoundError as e:
            raise StoreError(
                f"the database driver is not installed ({e.name}); "
                "install hwctl[postgres] for PostgreSQL"
            ) from e

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction: commit when the block ends, roll back on any exception."""
        self.ensure_schema()
        with self._guard():
            bind = self.engine.execution_options(hwctl_write=True) if write else self.engine
            with Session(bind, expire_on_commit=False) as session:
                with session.begin():
                    yield session


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
