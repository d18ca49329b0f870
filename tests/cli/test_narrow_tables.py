"""Tables on a narrow terminal and in a pipe, through the real command tree on SQLite and
PostgreSQL: an identifier, a date or an id is never split across lines (text columns wrap
between words instead), columns a filter fixes are left out, and piped tables have no fixed
width and no trailing spaces."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from hwctl.app import fulfilment
from hwctl.domain.fulfilment import Answer
from tests.conftest import ADMIN, Cli, act, make_order

MACS = ("80:5e:c0:00:00:99", "80:5e:c0:12:34:56")
IPEI = "57005 0782069 8"


@pytest.fixture
def globex(seeded) -> int:  # noqa: ANN001
    """A fulfilled Globex Corporation order: a desk phone with its user and location, a DECT
    base and two handsets (one registered to it); returns the order's id."""
    oid = make_order(seeded, status="approved", items=[
        {"sku": "T54W", "quantity": 1,
         "units": [{"user": "bob@globex.example", "location": "HQ Floor 2"}]},
        {"sku": "W70B", "quantity": 1, "units": [{"location": "Warehouse"}]},
        {"sku": "W73H", "quantity": 2}])  # fmt: skip
    texts = {1: MACS[0], 2: MACS[1], 3: "0x0deadbeef4", 4: IPEI}
    fulfilment.fulfil(act(seeded, ADMIN), oid, {n: Answer(t) for n, t in texts.items()})
    return oid


def narrow(cli: Cli, *args: str, columns: int = 80) -> list[str]:
    result = cli(*args, env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line) <= columns for line in lines), "\n".join(lines)
    assert all(line == line.rstrip() for line in lines)
    return lines


def whole(lines: list[str], *tokens: str) -> None:
    """Each token is printed in one piece, on one line."""
    for token in tokens:
        assert any(token in line for line in lines), (token, "\n".join(lines))


def test_devices_for_an_account_at_80_columns_keep_identifiers_whole_without_fixed_columns(
    cli: Cli, globex: int
) -> None:
    lines = narrow(cli, "devices", "--account", "Globex Corporation")
    assert lines[0] == "Devices · Acme Voice · Globex Corporation"  # the filter, in the title
    header = next(line for line in lines if line.lstrip().startswith("ID"))
    assert header.split() == ["ID", "Kind", "SKU", "Identifier", "User", "Location", "Base",
                              "Order"]  # fmt: skip
    body = "\n".join(lines[1:])
    assert "Acme" not in body and "Corporat" not in body
    whole(lines, *MACS, IPEI, "dect_handset", "Warehouse", "HQ Floor", f"#{globex}")
    # The base's MAC, on the base's row and in the handsets' Base column
    assert sum(line.count(MACS[1]) for line in lines) == 3
    # JSON keeps every field
    data = cli.json("devices", "--account", "Globex Corporation", "--format", "json")
    assert {(d["platform"], d["account"]) for d in data} == {("Acme Voice", "Globex Corporation")}


def test_devices_without_a_filter_keep_platform_and_account(cli: Cli, globex: int) -> None:
    lines = narrow(cli, "devices", columns=160)
    assert lines[0] == "Devices"
    header = next(line for line in lines if "Identifier" in line)
    assert header.replace("┃", " ").split()[:4] == ["ID", "Platform", "Account", "Kind"]
    whole(lines, "Globex Corporation", *MACS, IPEI)


def test_even_at_80_columns_an_unfiltered_device_list_keeps_identifiers_whole(
    cli: Cli, globex: int
) -> None:
    whole(narrow(cli, "devices"), *MACS, IPEI)


def test_the_order_list_at_60_columns_wraps_names_between_words(
    cli: Cli,
    seeded,
    globex: int,  # noqa: ANN001
) -> None:
    make_order(seeded, items=[{"sku": "T54W", "quantity": 2}, {"sku": "W73H", "quantity": 3},
                              {"sku": "W70B", "quantity": 1}])  # fmt: skip
    lines = narrow(cli, "list", "--status", "all", columns=60)
    whole(lines, "Corporation", "2026-11-20 09:30", f"#{globex}", "fulfilled", "pending")
    assert not any(line.rstrip().endswith(("Corporat", "Corpor")) for line in lines)


def test_show_at_80_columns_keeps_devices_and_times_whole(cli: Cli, globex: int) -> None:
    lines = narrow(cli, "show", str(globex))
    whole(lines, *MACS, IPEI, "Globex Corporation", "2026-11-20 09:30")
    audit = cli.json("audit", "--format", "json")
    whole(lines, *(entry["at"] for entry in audit if entry["order"] == globex))


def piped(*args: str, **env: str) -> list[str]:
    """The installed hwctl with stdout on a pipe and no COLUMNS unless given."""
    from tests.cli.test_completion import hwctl_bin

    base = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    run = subprocess.run([str(hwctl_bin()), *args], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL, env={**base, **env})  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout.splitlines()


def test_piped_show_has_no_fixed_width_and_no_trailing_spaces(
    cli: Cli, globex: int, db_url: str
) -> None:
    lines = piped("--db", db_url, "--as", ADMIN, "show", str(globex))
    assert [line for line in lines if line != line.rstrip()] == []
    assert {f"Order #{globex}", "Units", "Audit trail"} <= set(lines)  # titles, not padded
    # Nothing is wrapped in a pipe: each audit entry's details on its own row's one line
    for entry in cli.json("audit", "--format", "json"):
        if entry["order"] == globex and entry["details"]:
            details = json.dumps(entry["details"], ensure_ascii=False, sort_keys=True,
                                 separators=(", ", ": "))  # fmt: skip
            whole(lines, details)
    assert max(map(len, lines)) != 200


def test_piped_tables_take_columns_when_it_is_set(cli: Cli, globex: int, db_url: str) -> None:
    lines = piped("--db", db_url, "--as", ADMIN, "show", str(globex), COLUMNS="100")
    assert max(map(len, lines)) <= 100
    assert [line for line in lines if line != line.rstrip()] == []
    whole(lines, *MACS, IPEI)


def test_on_an_80_column_terminal_identifiers_stay_whole_and_no_line_ends_in_spaces(
    globex: int, db_url: str
) -> None:
    import re

    from tests.cli.test_machine_output import on_a_terminal

    out = on_a_terminal("--db", db_url, "--as", ADMIN, "devices", "--account",
                        "Globex Corporation", COLUMNS="80")  # fmt: skip
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in out.splitlines()]
    assert lines[0] == "Devices · Acme Voice · Globex Corporation"
    assert all(len(line) <= 80 and line == line.rstrip() for line in lines), out
    whole(lines, *MACS, IPEI)
