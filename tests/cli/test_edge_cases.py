"""Edge cases found in review: names that would split a line, malformed edit syntax, a store
file that is not a database, per-unit CSV of one order, the first-admin race, --limit 0."""

from __future__ import annotations

import csv
import io
import json
import threading

import pytest

from hwctl.errors import Conflict, NotAuthorised
from hwctl.services import admins, directory
from tests.conftest import DIRECTORY, make_order

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


@sqlite_only
def test_an_account_name_with_a_newline_and_tab_stays_on_one_line(store, cli) -> None:  # noqa: ANN001
    doc = json.loads(json.dumps(DIRECTORY))
    doc["platforms"][0]["accounts"].append({"name": "Evil\nCorp\tLtd", "users": []})
    directory.import_directory(store, json.dumps(doc), "d.json")
    admins.add(store, "dana", "dana")
    oid = make_order(store, account="Evil\nCorp\tLtd")
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
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(name: str) -> None:
        barrier.wait()
        try:
            admins.add(store, name, name)
            outcomes.append("added")
        except (NotAuthorised, Conflict) as e:
            outcomes.append(type(e).__name__)

    threads = [threading.Thread(target=claim, args=(n,)) for n in ("ann", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["NotAuthorised", "added"]
    assert len(admins.list_admins(store)) == 1
