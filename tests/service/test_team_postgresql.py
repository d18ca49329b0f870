"""PostgreSQL shared by a team, set up exactly as the README's "Sharing one store" says: the SQL
files in examples/ run through psql on the local server (a fresh database and unique role
names, all dropped afterwards), `hwctl db upgrade` as the owner, and the whole workflow run by
real `hwctl` processes as one super-admin's login role, reached through a pg_service.conf
service and a ~/.pgpass file instead of a password in the URL, with `identity = "database"`:
the audit log names the login role, `--as` / $HWCTL_ADMIN cannot claim another name, and the
role cannot change the audit log."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SETUP_SQL = EXAMPLES / "postgresql-team.sql"
GRANTS_SQL = EXAMPLES / "postgresql-team-grants.sql"
ADMIN_SQL = EXAMPLES / "postgresql-team-admin.sql"
SQL_FILES = (SETUP_SQL, GRANTS_SQL, ADMIN_SQL)
PG_ENV = "HWCTL_TEST_POSTGRES_URL"
SECRET = "correct horse battery staple"
SERVICE_URL = "postgresql+psycopg:///?service=hwctl"
ONE_LINE = re.compile(r"hwctl: error: [^\n]+\n")


def _superuser_libpq() -> str:
    """The test server's superuser URL as libpq (psql, psycopg) takes it."""
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_ENV} is not set under CI=true: the PostgreSQL tests must run")
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _psql() -> str:
    found = shutil.which("psql")
    if found is None:
        pytest.fail("psql is not installed: the team setup runs the README's SQL through it")
    return found


@dataclass
class Team:
    su: str  # superuser libpq URL (database postgres)
    host: str
    port: int
    database: str
    owner: str
    app: str
    admin: str
    folder: Path
    env: dict[str, str]  # for processes acting as the admin (service file, pgpass, config)

    def psql(self, conninfo: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        run = subprocess.run(
            [_psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", *args, conninfo],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
        )
        if check:
            assert run.returncode == 0, run.stderr
        return run

    def url(self, user: str) -> str:
        """A URL without a password (libpq finds it in the pgpass file)."""
        return f"postgresql://{user}@{self.host}:{self.port}/{self.database}"

    def hwctl(
        self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "hwctl", *args],
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            input=stdin,
            cwd=ROOT,
            timeout=120,
        )

    def hwctl_ok(self, *args: str, env: dict[str, str] | None = None) -> str:
        run = self.hwctl(*args, env=env)
        assert run.returncode == 0, (args, run.stderr)
        return run.stdout

    def config(self, text: str) -> Path:
        path = self.folder / f"config-{uuid.uuid4().hex[:6]}.toml"
        path.write_text(text)
        return path

    def as_role(self, sql: str) -> subprocess.CompletedProcess:
        """One statement by the admin's login role, through the service."""
        return self.psql("service=hwctl", "-c", sql, check=False)


def _clean_env(folder: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("HWCTL_", "PG"))}
    for var in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "TERM"):
        keep.pop(var, None)
    home = folder / "home"
    home.mkdir(exist_ok=True)
    return {**keep, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_STATE_HOME": str(home / ".local/state")}  # fmt: skip


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    """The README's setup on the local server, with unique names: the database, the owner, the
    application role and one super-admin's login role; the schema upgraded by the owner; the
    admin registered and the examples' directory imported by the admin's role."""
    su = _superuser_libpq()
    parsed = make_url(su)
    suffix = uuid.uuid4().hex[:8]
    folder = tmp_path_factory.mktemp("team")
    t = Team(
        su=su,
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        database=f"hwctl_team_{suffix}",
        owner=f"hwctl_owner_{suffix}",
        app=f"hwctl_app_{suffix}",
        admin=f"admin_{suffix}",
        folder=folder,
        env=_clean_env(folder),
    )
    # Passwords in ~/.pgpass (0600), connection settings in a service file: no URL holds one.
    pgpass = folder / "pgpass"
    pgpass.write_text(
        f"{t.host}:{t.port}:{t.database}:{t.owner}:{SECRET}\n"
        f"{t.host}:{t.port}:{t.database}:{t.admin}:{SECRET}\n"
    )
    pgpass.chmod(0o600)
    services = folder / "pg_service.conf"
    services.write_text(
        f"[hwctl]\nhost={t.host}\nport={t.port}\ndbname={t.database}\nuser={t.admin}\n"
    )
    t.env.update(PGPASSFILE=str(pgpass), PGSERVICEFILE=str(services))
    config = t.config(f'database_url = "{SERVICE_URL}"\nidentity = "database"\n')
    try:
        t.psql(su, "-v", f"database={t.database}", "-v", f"owner={t.owner}", "-v", f"app={t.app}",
               "-f", str(SETUP_SQL))  # fmt: skip
        t.psql(su, "-v", f"admin={t.admin}", "-v", f"app={t.app}", "-f", str(ADMIN_SQL))
        for role in (t.owner, t.admin):  # what the pgpass lines are for on a password server
            t.psql(su, "-c", f"ALTER ROLE \"{role}\" PASSWORD '{SECRET}'")
        upgraded = t.hwctl("--db", f"postgresql+psycopg://{t.owner}@{t.host}:{t.port}/{t.database}",
                           "db", "upgrade")  # fmt: skip
        assert upgraded.returncode == 0, upgraded.stderr
        t.psql(t.url(t.owner), "-v", f"app={t.app}", "-f", str(GRANTS_SQL))
        t.env["HWCTL_CONFIG"] = str(config)
        t.hwctl_ok("admins", "add", t.admin)  # the first admin registers themselves
        t.hwctl_ok("import", "examples/directory.json")
        yield t
    finally:
        _drop(t)


def _drop(t: Team) -> None:
    """Drop what the setup made, each statement on its own, and say what could not be dropped
    (roles are cluster-wide: a leak must not pass unnoticed)."""
    failed = []
    for sql in (f'DROP DATABASE IF EXISTS "{t.database}" WITH (FORCE)',
                f'DROP ROLE IF EXISTS "{t.admin}"', f'DROP ROLE IF EXISTS "{t.app}"',
                f'DROP ROLE IF EXISTS "{t.owner}"'):  # fmt: skip
        run = subprocess.run([_psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", t.su, "-c", sql],
                             capture_output=True, text=True, env=t.env, timeout=120)  # fmt: skip
        if run.returncode != 0:
            failed.append(f"{sql}: {run.stderr.strip()}")
    assert not failed, failed


def _audit(team: Team, *args: str) -> list[dict]:
    return json.loads(team.hwctl_ok("audit", "--format", "json", *args))


def _audit_rows(team: Team) -> str:
    """The audit log's rows as psql prints them (quicker than an `hwctl audit` process)."""
    run = team.psql("service=hwctl", "-At", "-c", "SELECT * FROM audit_entry ORDER BY id")
    assert run.stdout.strip()
    return run.stdout


@pytest.mark.postgres
def test_the_workflow_as_an_admins_login_role_names_that_role_in_the_audit_log(team: Team):
    assert team.hwctl_ok("db", "path").strip() == "postgresql+psycopg:///?service=hwctl"
    submitted = json.loads(team.hwctl_ok("submit", "examples/orders.json", "--format", "json"))
    ids = [o["id"] for o in submitted]
    assert len(ids) == 4
    team.hwctl_ok("review", str(ids[0]), "--set", "1=3", "--add", "W73H=2", "--yes")
    team.hwctl_ok("approve", str(ids[0]), "--note", "PO 4711", "--yes")
    team.hwctl_ok("reject", str(ids[1]), "--reason", "duplicate", "--code", "duplicate", "--yes")
    team.hwctl_ok("cancel", str(ids[2]), "--reason", "withdrawn", "--yes")
    team.hwctl_ok("fulfill", str(ids[0]), "--csv", "examples/shipped.csv", "--yes")
    shown = json.loads(team.hwctl_ok("show", str(ids[0]), "--format", "json"))
    assert shown["status"] == "fulfilled"
    entries = _audit(team)
    actions = {e["action"] for e in entries}
    assert {"admin_add", "import", "submit", "edit", "approve", "reject", "cancel",
            "fulfill"} <= actions, actions  # fmt: skip
    by_admin = [e for e in entries if e["actor_kind"] == "super_admin"]
    assert by_admin and {e["actor"] for e in by_admin} == {team.admin}
    devices = json.loads(team.hwctl_ok("devices", "--format", "json"))
    assert devices


@pytest.mark.postgres
def test_the_application_role_cannot_change_the_audit_log_or_the_schema_version(team: Team):
    before = _audit_rows(team)
    for sql in ("UPDATE audit_entry SET reason = 'x'", "DELETE FROM audit_entry",
                "TRUNCATE audit_entry", "UPDATE alembic_version SET version_num = 'x'",
                "DELETE FROM alembic_version", "CREATE TABLE intruder (id int)"):  # fmt: skip
        run = team.as_role(sql)
        assert run.returncode != 0, sql
        assert "permission denied" in run.stderr, (sql, run.stderr)
    assert _audit_rows(team) == before
    # What it may do: read, write the outbox and take advisory locks.
    allowed = team.as_role(
        "BEGIN; SELECT pg_advisory_xact_lock(hashtext('x')); "
        "UPDATE webhook_event SET id = id; DELETE FROM idempotency_key WHERE false; ROLLBACK"
    )
    assert allowed.returncode == 0, allowed.stderr


@pytest.mark.postgres
def test_row_level_security_still_applies_to_the_application_role(team: Team):
    # A member of the application role is neither the tables' owner nor BYPASSRLS: with
    # hwctl.platform set (as the API sets it), it sees that platform only; without, every row.
    scoped = team.as_role(
        "BEGIN; SELECT set_config('hwctl.platform', 'Acme Voice', true); "
        "SELECT 'seen=' || string_agg(name, ',') FROM platform; ROLLBACK"
    )
    assert "seen=Acme Voice\n" in scoped.stdout, scoped.stderr
    every = team.as_role("SELECT 'seen=' || count(*) FROM platform")
    assert "seen=2\n" in every.stdout, every.stderr


@pytest.mark.postgres
def test_the_pgpass_line_matches_the_service(team: Team):
    # The local server trusts 127.0.0.1, so it never asks for the password; libpq still picks
    # it from the pgpass file for the service's host, port, database and user.
    import psycopg

    env = {k: team.env[k] for k in ("PGPASSFILE", "PGSERVICEFILE")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with psycopg.connect("service=hwctl") as conn:
            assert conn.info.password == SECRET
            assert conn.execute("SELECT session_user").fetchone() == (team.admin,)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("args", "env", "claim"),
    [
        (["--as", "dana"], {}, "--as"),
        ([], {"HWCTL_ADMIN": "dana"}, "$HWCTL_ADMIN"),
    ],
)
def test_with_identity_database_no_other_name_can_be_claimed(team: Team, args, env, claim):
    before = _audit_rows(team)
    run = team.hwctl(*args, "reject", "4", "--reason", "r", "--code", "duplicate", "--yes",
                     env=env)  # fmt: skip
    assert run.returncode == 2
    assert ONE_LINE.fullmatch(run.stderr), run.stderr
    assert run.stderr.startswith(f"hwctl: error: {claim} cannot be used: ")
    assert 'identity = "database"' in run.stderr and f"({team.admin})" in run.stderr
    assert _audit_rows(team) == before


@pytest.mark.postgres
def test_admin_in_the_config_file_cannot_claim_a_name_either(team: Team):
    config = team.config(
        'database_url = "postgresql+psycopg:///?service=hwctl"\nidentity = "database"\n'
        'admin = "dana"\n'
    )
    run = team.hwctl("admins", "add", "eve", env={"HWCTL_CONFIG": str(config)})
    assert run.returncode == 2 and ONE_LINE.fullmatch(run.stderr), run.stderr
    assert f"admin in {config} cannot be used" in run.stderr
    assert "eve" not in team.hwctl_ok("admins", "list")


@pytest.mark.postgres
def test_a_login_role_that_is_not_a_registered_super_admin_is_refused(team: Team):
    stranger = f"stranger_{uuid.uuid4().hex[:8]}"
    team.psql(team.su, "-v", f"admin={stranger}", "-v", f"app={team.app}", "-f", str(ADMIN_SQL))
    try:
        url = f"postgresql+psycopg://{stranger}@{team.host}:{team.port}/{team.database}"
        before = _audit_rows(team)
        run = team.hwctl("--db", url, "reject", "4", "--reason", "r", "--code", "duplicate",
                         "--yes")  # fmt: skip
        assert run.returncode == 1 and ONE_LINE.fullmatch(run.stderr), run.stderr
        assert stranger in run.stderr
        assert _audit_rows(team) == before
    finally:
        team.psql(team.su, "-c", f'DROP ROLE IF EXISTS "{stranger}"')


# -- without a server: the setting's own refusals ---------------------------------------------
def _run(args: list[str], config: str, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "config.toml"
    path.write_text(config)
    env = _clean_env(tmp_path)
    env["HWCTL_CONFIG"] = str(path)
    return subprocess.run([sys.executable, "-m", "hwctl", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60)  # fmt: skip


def test_identity_database_on_sqlite_is_a_usage_error(tmp_path: Path):
    db = tmp_path / "hwctl.db"
    run = _run(["--db", str(db), "list"], 'identity = "database"\n', tmp_path)
    assert run.returncode == 2 and ONE_LINE.fullmatch(run.stderr), run.stderr
    assert "SQLite, which has no database users" in run.stderr
    assert not db.exists()


def test_an_unknown_identity_names_the_allowed_ones(tmp_path: Path):
    run = _run(["list"], 'identity = "os"\n', tmp_path)
    assert run.returncode == 1 and ONE_LINE.fullmatch(run.stderr), run.stderr
    assert "'identity' is 'os'; it must be \"default\" or \"database\"" in run.stderr


def test_commands_that_do_not_act_do_not_connect_to_find_the_identity(tmp_path: Path):
    nowhere = "postgresql+psycopg://nobody@127.0.0.1:1/hwctl"  # nothing listens on port 1
    config = f'database_url = "{nowhere}"\nidentity = "database"\n'
    assert _run(["db", "path"], config, tmp_path).stdout.strip() == nowhere
    assert _run(["--help"], config, tmp_path).returncode == 0
    assert _run(["--as", "dana", "db", "path"], config, tmp_path).returncode == 0


# -- the README quotes the SQL files verbatim -------------------------------------------------
@pytest.mark.parametrize("sql", SQL_FILES, ids=lambda p: p.name)
def test_the_readme_quotes_the_team_sql_files_verbatim(sql: Path):
    """NEEDS the README section "Sharing one store" pasted (from /work/briefs/out-team.md)."""
    readme = (ROOT / "README.md").read_text()
    name = f"examples/{sql.name}"
    block = re.search(
        rf"<!-- BEGIN {re.escape(name)} -->\n```sql\n(.*?)```\n<!-- END {re.escape(name)} -->",
        readme,
        re.DOTALL,
    )
    assert block, f"README.md does not quote {name} between its BEGIN/END markers"
    assert block.group(1) == sql.read_text()
