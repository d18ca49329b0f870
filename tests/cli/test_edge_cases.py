"""Edge cases found in review: names that would split a line, malformed edit syntax, a store
file that is not a database, per-unit CSV of one order, the first-admin race, --limit 0."""

from __future__ import annotations

import csv
import io
import json
import threading

import pytest

from hwctl.app import admins
from hwctl.errors import Conflict, NotAuthorised
from tests.conftest import (
    DIRECTORY,
    act,
    load_directory,
    make_order,
    order_doc,
    rename_in_store,
)
from tests.contention import contest

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


@sqlite_only
def test_an_account_name_with_a_newline_and_tab_stays_on_one_line(store, cli) -> None:  # noqa: ANN001
    doc = json.loads(json.dumps(DIRECTORY))
    doc["platforms"][0]["accounts"].append({"name": "Evil Corp Ltd", "users": []})
    load_directory(store, json.dumps(doc), "d.json")
    oid = make_order(store, account="Evil Corp Ltd")
    rename_in_store(store, "account", "Evil Corp Ltd", "Evil\nCorp\tLtd")
    result = cli("approve", str(oid), "--yes")
    assert result.exit_code == 0
    result = cli("list", "--status", "all")
    row = [line for line in result.stdout.splitlines() if f"#{oid}" in line]
    assert len(row) == 1 and "Evil Corp Ltd" in row[0]


@sqlite_only
@pytest.mark.parametrize("args", [["--set", "x=1"], ["--set", "1"], ["--add", "T54W=two"]])
def test_malformed_edit_syntax_is_a_usage_error_and_changes_nothing(seeded, cli, args) -> None:  # noqa: ANN001
    oid = make_order(seeded)
    before = cli.json("show", str(oid), "--format", "json")
    result = cli("review", str(oid), *args, "--yes")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert cli.json("show", str(oid), "--format", "json") == before


def test_a_store_file_that_is_not_a_database_is_one_line(tmp_path) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from hwctl.cli.app import app

    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database\n")
    result = CliRunner().invoke(app, ["--db", str(bogus), "list"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"hwctl: error: cannot use the store sqlite:///{bogus}: file is not a database"
    ]
    assert bogus.read_text() == "not a database\n"


@sqlite_only
def test_show_as_csv_has_one_row_per_unit_with_the_order_fields(seeded, cli) -> None:  # noqa: ANN001
    oid = make_order(seeded, items=[{"sku": "T54W", "quantity": 2}, {"sku": "W73H", "quantity": 1}])
    result = cli("show", str(oid), "--format", "csv")
    assert result.exit_code == 0 and result.stderr == ""
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["order"], r["unit"], r["sku"], r["kind"]) for r in rows] == [
        (str(oid), "1", "T54W", "deskphone"),
        (str(oid), "2", "T54W", "deskphone"),
        (str(oid), "3", "W73H", "dect_handset"),
    ]
    assert {r["status"] for r in rows} == {"pending"}


@sqlite_only
def test_a_table_with_limit_zero_says_how_many_match(seeded, cli) -> None:  # noqa: ANN001
    make_order(seeded)
    result = cli("list", "--limit", "0")
    assert result.exit_code == 0 and result.stdout == ""
    assert "1 pending orders match, none shown" in result.stderr


def test_two_people_racing_to_be_the_first_admin_leave_exactly_one(store) -> None:  # noqa: ANN001
    """No timing: whoever adds a name first is held at its insert until the other has tried to
    take the admins' lock (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's advisory lock, and there
    until the server shows it waiting). Both saw a store without admins; one is added, the
    other is then refused as not a super-admin."""
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def claim(name: str) -> None:
        barrier.wait()
        try:
            admins.add(act(store, name), name)
            outcomes[name] = "added"
        except (NotAuthorised, Conflict) as e:
            outcomes[name] = type(e).__name__

    lock = ("BEGIN IMMEDIATE", "PG_ADVISORY_XACT_LOCK(HASHTEXT('HWCTL.SUPER_ADMIN'))")
    with contest(store, hold="INSERT INTO super_admin", takes=lock) as c:
        threads = [threading.Thread(target=claim, args=(n,)) for n in ("ann", "bob")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert c.contended
    assert sorted(outcomes.values()) == ["NotAuthorised", "added"]
    (first,) = [n for n, outcome in outcomes.items() if outcome == "added"]
    assert [a.name for a in admins.list_admins(act(store))] == [first]


def test_a_password_in_the_url_query_is_masked_everywhere(tmp_path) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from hwctl.cli.app import app

    url = "postgresql+psycopg://127.0.0.1:1/x?user=postgres&password=qsecret"
    runner = CliRunner()
    path = runner.invoke(app, ["--db", url, "db", "path"])
    failing = runner.invoke(app, ["--db", url, "list"])
    check = runner.invoke(app, ["--db", url, "report", "pending", "--warn", "1"])
    assert path.exit_code == 0 and "password=***" in path.stdout
    assert failing.exit_code == 1 and check.exit_code == 3
    for result in (path, failing, check):
        assert "qsecret" not in result.stdout + result.stderr


@sqlite_only
def test_import_refuses_to_change_the_kind_of_a_sku_in_use(seeded, cli) -> None:  # noqa: ANN001
    make_order(seeded, items=[{"sku": "W70B", "quantity": 1}])
    change = {"platforms": [{"name": "Acme Voice", "catalog": [
        {"sku": "W70B", "name": "now a handset?", "kind": "dect_handset"}]}]}  # fmt: skip
    result = cli("import", "-", input=json.dumps(change))
    assert result.exit_code == 1
    assert "SKU 'W70B' is a dect_base used by orders or devices" in result.stderr
    (order,) = cli.json("list", "--format", "json")
    assert order["items"][0]["kind"] == "dect_base"
    assert order["items"][0]["name"] == "Yealink W70B DECT base"


def submitted_line(cli, platform: str, account: str, sku: str) -> dict:  # noqa: ANN001
    """The line of a new order of one `sku`, as `submit --format json` shows it: the catalog
    item as stored (name, kind) at the time of the order."""
    doc = order_doc(platform=platform, account=account, items=[{"sku": sku, "quantity": 1}])
    (order,) = cli.json("submit", "-", "--format", "json", input=json.dumps(doc))
    (line,) = order["items"]
    return line


def imports(cli) -> list[dict]:  # noqa: ANN001
    return [e["details"] for e in cli.json("audit", "--action", "import", "--format", "json")]


def test_import_may_change_the_kind_of_an_unused_sku(seeded, cli) -> None:  # noqa: ANN001
    change = {"platforms": [{"name": "Blue Sky", "catalog": [
        {"sku": "M900", "name": "snom M900 handset", "kind": "dect_handset"}]}]}  # fmt: skip
    result = cli("import", "-", input=json.dumps(change))
    assert result.exit_code == 0, result.stderr
    assert imports(cli)[-1]["updated"] == {"catalog items": 1}
    line = submitted_line(cli, "Blue Sky", "Umbrella Ltd", "M900")
    assert (line["sku"], line["name"], line["kind"]) == (
        "M900",
        "snom M900 handset",
        "dect_handset",
    )
    # the other platform's items are left as they were
    assert submitted_line(cli, "Acme Voice", "Initech", "W70B")["kind"] == "dect_base"


def test_import_refuses_to_change_the_kind_of_a_sku_only_a_device_uses(seeded, cli) -> None:  # noqa: ANN001
    # T54W is in no order, but the standard directory registers a T54W on Globex.
    change = {"platforms": [{"name": "Acme Voice", "catalog": [
        {"sku": "T54W", "name": "now a base?", "kind": "dect_base"}]}]}  # fmt: skip
    before = imports(cli)
    result = cli("import", "-", input=json.dumps(change))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.strip().splitlines() == [
        "hwctl: error: <stdin>: platform 'Acme Voice': SKU 'T54W' is a deskphone used by orders or "
        "devices; its kind cannot change to dect_base"
    ]
    assert imports(cli) == before
    (device,) = cli.json("devices", "--format", "json")
    assert (device["sku"], device["kind"]) == ("T54W", "deskphone")
    line = submitted_line(cli, "Acme Voice", "Initech", "T54W")
    assert (line["name"], line["kind"]) == ("Yealink T54W desk phone", "deskphone")


@sqlite_only
@pytest.mark.parametrize("args", [["--add", "T54W=9999"], ["--set", "1=500000"]])
def test_review_keeps_the_submit_cap_of_10000_units_per_line(seeded, cli, args) -> None:  # noqa: ANN001
    oid = make_order(seeded)
    result = cli("review", str(oid), *args, "--yes")
    assert result.exit_code == 1
    assert "at most 10000 per line" in result.stderr
    assert cli.json("show", str(oid), "--format", "json")["items"][0]["quantity"] == 2


@sqlite_only
@pytest.mark.parametrize(
    "args",
    [["show", "99999999999999999999"], ["audit", "--order", "2147483648"],
     ["devices", "--order", "99999999999999999999"]],
)  # fmt: skip
def test_an_order_id_too_large_for_the_store_is_a_usage_error(cli, args) -> None:  # noqa: ANN001
    result = cli(*args)
    assert result.exit_code == 2
    assert "is not an order id (ids go up to 2147483647)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@sqlite_only
def test_an_explicit_limit_raises_the_table_cap_and_the_audit_table_shows_the_newest(
    seeded, cli
) -> None:  # noqa: ANN001
    ids = [make_order(seeded) for _ in range(55)]
    table = cli("list", "--limit", "53")
    assert sum(1 for line in table.stdout.splitlines() if line.startswith("│ #")) == 53
    assert "… and 2 more" in table.stdout
    audit = cli("audit")
    shown = [line for line in audit.stdout.splitlines() if line.startswith("│ ")]
    assert f"#{ids[-1]}" in shown[-1]
    assert "earlier entries not shown" in audit.stdout
    assert len(cli.json("audit", "--format", "json")) == 57  # admin_add, import, 55 submits
    assert [e["order"] for e in cli.json("audit", "--limit", "2", "--format", "json")] == ids[-2:]


def test_a_sqlite_file_of_another_application_is_refused_and_left_alone(tmp_path) -> None:  # noqa: ANN001
    import sqlite3

    from typer.testing import CliRunner

    from hwctl.cli.app import app

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    result = CliRunner().invoke(app, ["--db", str(other), "list"])
    assert result.exit_code == 1
    assert "is not an hwctl store: it holds other tables (t)" in result.stderr
    with sqlite3.connect(other) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["t"]


@sqlite_only
def test_a_global_option_after_the_command_says_where_it_belongs(cli) -> None:  # noqa: ANN001
    result = cli("list", "--db", "x")
    assert result.exit_code == 2
    assert "--db is a global option: put it before the command" in result.stderr


def test_a_config_file_named_in_hwctl_config_must_exist(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from hwctl.cli.app import app

    monkeypatch.setenv("HWCTL_CONFIG", str(tmp_path / "typo.toml"))
    result = CliRunner().invoke(app, ["db", "path"])
    assert result.exit_code == 1
    assert "typo.toml, which does not exist" in result.stderr


@sqlite_only
def test_a_nul_character_in_a_name_is_refused_on_every_backend(store, cli) -> None:  # noqa: ANN001
    doc = {"platforms": [{"name": "Bad\u0000Name"}]}
    result = cli("import", "-", input=json.dumps(doc))
    assert result.exit_code == 1
    assert "must not contain NUL characters" in result.stderr


@sqlite_only
def test_devices_limit_caps_json_and_the_table_says_how_many_more(seeded, cli) -> None:  # noqa: ANN001
    doc = {"platforms": [{"name": "Acme Voice", "accounts": [{"name": "Initech", "devices": [
        {"sku": "T54W", "mac": f"00:15:65:00:01:{i:02x}"} for i in range(3)]}]}]}  # fmt: skip
    assert cli("import", "-", input=json.dumps(doc)).exit_code == 0
    assert len(cli.json("devices", "--format", "json")) == 4
    assert len(cli.json("devices", "--limit", "1", "--format", "json")) == 1
    table = cli("devices", "--limit", "2")
    assert "… and 2 more" in table.stdout
