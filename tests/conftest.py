"""Shared fixtures: an isolated environment, a real store on each backend (a SQLite file in a
temporary folder, and a fresh database on the PostgreSQL server), a CLI runner, and factories.

PostgreSQL: set HWCTL_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
Without it the PostgreSQL variants skip with a reason, except under CI=true, where they fail.
Each test gets its own database with a unique name, dropped afterwards.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# hwctl imports Rich lazily. Loaded for the first time inside a pyfakefs test, Rich would be
# half-unloaded when that test ends, leaving two `Style` classes behind for later tests: load
# the parts the renderer uses before any test runs.
import rich.cells  # noqa: F401
import rich.console  # noqa: F401
import rich.progress  # noqa: F401
import rich.table  # noqa: F401
import rich.text  # noqa: F401
from hypothesis import settings

PG_ENV = "HWCTL_TEST_POSTGRES_URL"

# Property tests run the same examples on every run (derandomize), so CI never fails on an
# example no one has seen before; a failure prints its example. HYPOTHESIS_PROFILE=dev explores.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DIRECTORY: dict[str, Any] = {
    "platforms": [
        {
            "name": "Acme Voice",
            "catalog": [
                {"sku": "T54W", "name": "Yealink T54W desk phone", "kind": "deskphone"},
                {"sku": "W70B", "name": "Yealink W70B DECT base", "kind": "dect_base",
                 "max_handsets": 10},
                {"sku": "W73H", "name": "Yealink W73H DECT handset", "kind": "dect_handset"},
            ],
            "accounts": [
                {"name": "Globex Corporation",
                 "users": ["ann@globex.example", "bob@globex.example"],
                 "locations": ["HQ Floor 2", "Warehouse"],
                 "devices": [{"sku": "T54W", "mac": "80:5E:C0:00:00:99"}]},
                {"name": "Initech", "users": ["peter@initech.example"], "locations": ["Main"]},
            ],
        },
        {
            "name": "Blue Sky",
            "catalog": [
                {"sku": "D385", "name": "snom D385 desk phone", "kind": "deskphone"},
                {"sku": "M900", "name": "snom M900 DECT base", "kind": "dect_base",
                 "max_handsets": 2},
                {"sku": "M85", "name": "snom M85 DECT handset", "kind": "dect_handset"},
            ],
            "accounts": [{"name": "Umbrella Ltd", "users": ["alice@umbrella.example"],
                          "locations": ["Lab 1"]}],
        },
    ]
}  # fmt: skip


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test sees the developer's config, store, admin or colour settings."""
    home = tmp_path_factory.mktemp("home")
    for var in ("HWCTL_DATABASE_URL", "HWCTL_ADMIN", "HWCTL_CONFIG", "NO_COLOR", "FORCE_COLOR",
                "GITHUB_ACTIONS", "TERM", "COLUMNS"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    return home


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_ENV} is not set under CI=true: the PostgreSQL tests must run")
        pytest.skip(
            f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1/postgres)"
        )
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database; dropped after the test."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = _pg_admin_url()
    name = f"hwctl_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:  # noqa: BLE001
        engine.dispose()
        pytest.fail(f"PostgreSQL at {PG_ENV} is unreachable: {e}".splitlines()[0])
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        from hwctl.store.engine import dispose_all

        dispose_all()
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A store URL on the test's backend, with the schema in place."""
    if backend == "sqlite":
        (tmp_path / "store").mkdir()
        url = f"sqlite:///{tmp_path / 'store' / 'hwctl.db'}"
        yield url
        from hwctl.store.engine import dispose_all

        dispose_all()
        return
    url = request.getfixturevalue("pg_url")
    from hwctl.config import StoreLocation
    from hwctl.store.engine import Store

    upgrader = Store(StoreLocation(url, "--db", False), auto_migrate=False)
    upgrader.upgrade()
    upgrader.engine.dispose()
    yield url


@pytest.fixture
def store(db_url: str):  # noqa: ANN201
    from hwctl.config import StoreLocation
    from hwctl.store.engine import open_store

    return open_store(StoreLocation(db_url, "--db", False))


ADMIN = "dana"


def act(store, name: str = ADMIN, *, now=None, platform: str | None = None):  # noqa: ANN001, ANN201
    """The use cases' context on `store`: acted on by the super-admin `name` (or by the
    platform `platform`), with the clock stopped at `now` when given."""
    from hwctl.app.context import Context, system_clock
    from hwctl.domain.access import Principal

    principal = Principal.platform(platform) if platform else Principal.super_admin(name)
    return Context(store, principal, (lambda: now) if now is not None else system_clock)


def load_directory(store, doc=None, source: str = "directory.json"):  # noqa: ANN001, ANN201
    """Import a directory document (the standard one by default) as `dana`, registering her
    first on a store that has no super-admin yet (an import is a super-admin's act)."""
    from hwctl.app import admins, directory

    if not admins.list_admins(act(store)):
        admins.add(act(store), ADMIN)
    data = doc if isinstance(doc, (str, bytes)) else json.dumps(DIRECTORY if doc is None else doc)
    return directory.import_directory(act(store), data, source)


@pytest.fixture
def seeded(store):  # noqa: ANN001, ANN201
    """The store with the standard directory and one super-admin (`dana`)."""
    load_directory(store)
    return store


def order_doc(
    *,
    platform: str = "Acme Voice",
    account: str = "Globex Corporation",
    items: list[dict[str, Any]] | None = None,
    ordered_at: str | None = "2026-11-20T09:30:00Z",
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "platform": platform,
        "account": account,
        "items": items if items is not None else [{"sku": "T54W", "quantity": 2}],
    }
    if ordered_at is not None:
        doc["ordered_at"] = ordered_at
    return doc


def make_order(store, status: str = "pending", **kw: Any) -> int:  # noqa: ANN001
    """Submit one order and walk it to `status`; returns its id."""
    from hwctl.app import orders
    from hwctl.domain.status import Action

    (view,) = orders.submit(act(store, ADMIN), json.dumps(order_doc(**kw)), "test")
    steps = {
        "pending": [],
        "approved": [Action.APPROVE],
        "rejected": [Action.REJECT],
        "cancelled": [Action.CANCEL],
    }[status]
    for action in steps:
        (outcome,) = orders.decide(act(store, ADMIN), [view.id], action, reason="test reason")
        assert outcome.ok, outcome.message
    return view.id


class Cli:
    """Runs the real command tree in-process against the test's store."""

    def __init__(self, db_url: str) -> None:
        from typer.testing import CliRunner

        self.db_url = db_url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | bytes | None = None, as_: str | None = ADMIN,
                 env: dict[str, str] | None = None):  # noqa: ANN204  # fmt: skip
        from hwctl.cli.app import app

        argv = ["--db", self.db_url]
        if as_ is not None:
            argv += ["--as", as_]
        return self.runner.invoke(app, [*argv, *args], input=input, env=env)

    def json(self, *args: str, **kw: Any) -> Any:
        result = self(*args, **kw)
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
        return json.loads(result.stdout)


@pytest.fixture
def cli(db_url: str) -> Cli:
    return Cli(db_url)


def rename_in_store(store, table: str, old: str, new: str) -> None:  # noqa: ANN001
    """Rename a platform, account or user behind hwctl's back, as an older release or another
    tool could have stored it: the import now refuses control characters in names, but what is
    already in a store must still be shown safely."""
    from sqlalchemy import text

    assert table in ("platform", "account", "account_user", "location")
    with store.engine.begin() as conn:
        done = conn.execute(
            text(f"UPDATE {table} SET name = :new WHERE name = :old"), {"new": new, "old": old}
        )
        assert done.rowcount == 1, (table, old)


def directory_rows(store) -> dict[str, int]:  # noqa: ANN001
    """Rows per table of the schema, leaving out the super-admin an import needs (registered by
    `load_directory`) and its `admin_add` entry: all zero when an import stored nothing."""
    from sqlalchemy import func, select
    from sqlmodel import SQLModel

    from hwctl.store.models import AuditEntry

    with store.session() as session:
        counts = {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
            if table.name != "super_admin"
        }
        counts["audit_entry"] = session.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action != "admin_add")
        ).scalar_one()
    return counts
