"""Exit codes, one-line errors, refusals without a terminal, and output hygiene (names from
the store shown literally, no ANSI codes in piped output)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import hwctl
from hwctl.cli.app import app
from tests.conftest import ADMIN, DIRECTORY, act, make_order, rename_in_store

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])
COMMANDS = {
    "approve": ["approve"],
    "reject": ["reject", "--reason", "duplicate"],
    "cancel": ["cancel"],
    "review": ["review", "--set", "1=3"],
}
# Every command on SQLite, one of them on PostgreSQL too.
ON_BACKENDS = [pytest.param("sqlite", c, id=f"{c}-sqlite") for c in COMMANDS] + [
    pytest.param("postgres", "approve", id="approve-postgres", marks=pytest.mark.postgres)
]


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# -- arguments -----------------------------------------------------------------------------------
def test_version_prints_the_package_version():
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"hwctl {hwctl.__version__}\n")


@sqlite_only
def test_order_ids_are_accepted_as_printed_with_a_hash(seeded, cli):
    oid = make_order(seeded)
    assert cli.json("show", f"#{oid}", "--format", "json")["id"] == oid
    assert cli("approve", f"#{oid}", "--yes").stdout.strip() == f"order {oid}: approved"


@sqlite_only
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["show", "abc"], "'abc' is not an order id"),
        (["show", "0"], "'0' is not an order id"),
        (["approve", "7x", "--yes"], "'7x' is not an order id"),
        (["show"], "Missing argument 'ORDER'"),
        (["list", "--status", "waiting"], "--status"),
        (["list", "--limit", "-1"], "--limit"),
        (["list", "--format", "xml"], "--format"),
        (["audit", "--action", "delete"], "'delete' is not one of"),
        (["audit", "--order", "x"], "'x' is not an order id"),
        (["review", "1", "--remove", "two"], "--remove 'two': expected a line number"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_a_usage_error_is_exit_2_with_one_line(seeded, cli, args, needle):
    result = cli(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    line = one_line(result.stderr)
    assert line.startswith("hwctl: error: ")
    assert needle in line
    assert result.stdout == ""


@sqlite_only
def test_a_missing_order_is_exit_1_with_one_line(seeded, cli):
    result = cli("show", "99")
    assert result.exit_code == 1
    assert one_line(result.stderr) == "hwctl: error: order 99 does not exist"


def test_a_malformed_config_file_is_one_line(isolated_env):
    config = isolated_env / ".config/hwctl/config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("database_url = [\n")
    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 1
    assert one_line(result.stderr).startswith(
        f"hwctl: error: config file {config} is not valid TOML"
    )


@sqlite_only
def test_an_unexpected_failure_is_one_line_and_a_traceback_only_with_debug(
    seeded, cli, monkeypatch
):
    from hwctl.app import orders

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("boom")

    monkeypatch.setattr(orders, "list_orders", broken)
    result = cli("list")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        "hwctl: error: internal error: RuntimeError: boom (run with --debug for details)"
    )
    debug = cli("--debug", "show", "99")
    assert debug.exit_code == 1
    assert "Traceback" in debug.stderr
    assert debug.stderr.strip().endswith("hwctl: error: order 99 does not exist")


# -- who may act ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("backend", "name"), ON_BACKENDS)
def test_someone_who_is_not_a_super_admin_is_refused_naming_them_and_how_to_register(
    seeded, cli, name
):
    command = COMMANDS[name]
    oid = make_order(seeded)
    before = cli.json("show", str(oid), "--format", "json")
    result = cli(command[0], str(oid), *command[1:], "--yes", as_="mallory")
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert "'mallory' is not a super-admin" in line
    assert "`hwctl admins add mallory`" in line
    assert cli.json("show", str(oid), "--format", "json") == before


def test_a_name_that_only_looks_like_a_registered_admin_is_told_which_not_to_register_it(
    seeded, cli
):
    import unicodedata

    from hwctl.app import admins

    jose = unicodedata.normalize("NFC", "José")
    admins.add(act(seeded, ADMIN), jose)
    oid = make_order(seeded)
    before = cli.json("show", str(oid), "--format", "json")
    for acting, registered in [
        ("Dana", ADMIN),
        (f"{ADMIN}\u200b", ADMIN),
        (unicodedata.normalize("NFD", jose), jose),  # looks the same on a terminal
    ]:
        result = cli("approve", str(oid), "--yes", as_=acting)
        assert result.exit_code == 1
        line = one_line(result.stderr)
        assert line == (
            f"hwctl: error: {acting!r} is not a super-admin, but {registered!r} is: a name must "
            "match exactly (case, accents, invisible characters): act as that name with "
            "--as / HWCTL_ADMIN"
        )
        assert "admins add" not in line
    assert cli.json("show", str(oid), "--format", "json") == before
    # A name nobody has is still told how to register, quoted as a shell reads it.
    stranger = one_line(cli("approve", str(oid), "--yes", as_="eve smith").stderr)
    assert "`hwctl admins add 'eve smith'`" in stranger
    # A name `admins add` would refuse is not suggested for registering.
    hidden = one_line(cli("approve", str(oid), "--yes", as_="eve\u202e").stderr)
    assert hidden == (
        "hwctl: error: 'eve\\u202e' is not a super-admin, and no name with control or "
        "invisible characters can be one: check --as / HWCTL_ADMIN"
    )


@sqlite_only
def test_the_acting_admin_comes_from_hwctl_admin_when_there_is_no_as(seeded, cli):
    oid = make_order(seeded)
    result = cli("approve", str(oid), "--yes", as_=None, env={"HWCTL_ADMIN": ADMIN})
    assert result.exit_code == 0
    assert cli.json("show", str(oid), "--format", "json")["decided_by"] == ADMIN
    refused = cli("approve", str(oid), "--yes", as_=None, env={"HWCTL_ADMIN": "mallory"})
    assert "'mallory' is not a super-admin" in refused.stderr


# -- confirmations without a terminal ------------------------------------------------------------
@pytest.mark.parametrize(("backend", "name"), ON_BACKENDS)
def test_a_confirmation_without_a_terminal_and_without_yes_is_exit_2_naming_yes(seeded, cli, name):
    command = COMMANDS[name]
    oid = make_order(seeded)
    before = cli.json("show", str(oid), "--format", "json")
    result = cli(command[0], str(oid), *command[1:])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("hwctl: error: ")
    assert "pass --yes" in result.stderr
    assert cli.json("show", str(oid), "--format", "json") == before


@sqlite_only
def test_approve_s_confirmation_says_nothing_is_ordered(seeded, cli):
    oid = make_order(seeded)
    result = cli("approve", str(oid))
    assert "already placed the order with the distributor yourself" in result.stderr
    assert "hwctl orders nothing" in result.stderr


# -- output hygiene ------------------------------------------------------------------------------
HOSTILE = "[red]APPROVED[/red]\x1b[31m Corp"
SHOWN = "[red]APPROVED[/red][31m Corp"


@pytest.fixture
def hostile(seeded):  # noqa: ANN001, ANN201
    from hwctl.app import directory

    doc = {
        "platforms": [
            {
                "name": "[bold]Acme Voice[/bold]",
                "catalog": DIRECTORY["platforms"][0]["catalog"],
                "accounts": [{"name": "Hostile Corp", "users": ["[link=x]ann[/link]"]}],
            }
        ]
    }
    directory.import_directory(act(seeded), json.dumps(doc), "hostile.json")
    order = make_order(
        seeded,
        platform="[bold]Acme Voice[/bold]",
        account="Hostile Corp",
        items=[{"sku": "T54W", "quantity": 1, "units": [{"user": "[link=x]ann[/link]"}]}],
    )
    rename_in_store(seeded, "account", "Hostile Corp", HOSTILE)
    return order


@sqlite_only
def test_names_from_the_store_are_shown_literally_without_control_characters(hostile, cli):
    table = cli("list")
    assert table.exit_code == 0
    assert SHOWN in table.stdout
    assert "[bold]Acme Voice[/bold]" in table.stdout
    assert "\x1b" not in table.stdout
    detail = cli("show", str(hostile))
    assert SHOWN in detail.stdout
    assert "[link=x]ann[/link]" in detail.stdout
    assert "\x1b" not in detail.stdout
    decided = cli("approve", str(hostile), "--yes")
    assert "\x1b" not in decided.stdout + decided.stderr


@sqlite_only
def test_json_keeps_the_name_as_data(hostile, cli):
    result = cli("list", "--format", "json")
    assert "\x1b" not in result.stdout
    assert json.loads(result.stdout)[0]["account"] == HOSTILE


@sqlite_only
@pytest.mark.parametrize("env", [{}, {"FORCE_COLOR": "1"}, {"TERM": "xterm-256color"}])
def test_piped_output_has_no_ansi_codes(seeded, cli, env):
    oid = make_order(seeded)
    for args in (["list"], ["show", str(oid)], ["audit"], ["admins", "list"]):
        result = cli(*args, env=env)
        assert result.exit_code == 0
        assert "\x1b[" not in result.stdout + result.stderr, args
