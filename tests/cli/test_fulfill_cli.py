"""`hwctl fulfill` and `hwctl devices` through the real command tree (CliRunner): CSV files as
distributors write them (on a pyfakefs file system; the store stays a real SQLite file or
PostgreSQL database), dry runs, what happens without a terminal, exit codes, one-line errors
and the JSON contract."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from pyfakefs.fake_filesystem import FakeFilesystem

from hwctl.cli import prompts
from tests.conftest import ADMIN, make_order

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])
DEVICE_KEYS = ["id", "platform", "account", "kind", "sku", "mac", "ipei", "ipui", "user",
               "location", "base", "order"]  # fmt: skip
CSV_PATH = "/shipping/shipped.csv"

# T54W x2 (intents), W70B x1, W73H x2: five units.
ITEMS = [
    {"sku": "T54W", "quantity": 2,
     "units": [{"user": "ann@globex.example", "location": "HQ Floor 2"},
               {"user": "bob@globex.example", "location": "HQ Floor 2"}]},
    {"sku": "W70B", "quantity": 1, "units": [{"location": "Warehouse"}]},
    {"sku": "W73H", "quantity": 2, "units": [{"user": "ann@globex.example"}]},
]  # fmt: skip
SHIPPED = (
    "SKU,MAC,IPEI\n"
    "T54W,00:15:65:00:00:01,\n"
    "T54W,0015.6500.0002,\n"
    "W70B,80-5E-C0-12-34-56,\n"
    "W73H,,0x0deadbeef4\n"
    "W73H,,57005 0782069 8\n"
)


def approved(store, items: list[dict] | None = None, **kw) -> int:  # noqa: ANN001
    return make_order(store, status="approved", items=items or ITEMS, **kw)


def one_error_line(result) -> str:  # noqa: ANN001
    """The single stderr line of a refused command, without its prefix."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hwctl: error: ")
    return lines[0].removeprefix("hwctl: error: ")


def devices_json(cli, *args: str) -> list[dict]:  # noqa: ANN001
    return cli.json("devices", "--format", "json", *args)


def fulfil_entries(cli, order: int) -> list[dict]:  # noqa: ANN001
    return [e for e in cli.json("show", str(order), "--format", "json")["audit"]
            if e["action"] == "fulfill"]  # fmt: skip


def write_csv(fs: FakeFilesystem, content: str | bytes) -> str:
    fs.create_file(CSV_PATH, contents=content.encode() if isinstance(content, str) else content)
    return CSV_PATH


# --- both backends --------------------------------------------------------------------------------


def test_fulfilling_from_a_csv_on_stdin_creates_the_devices_and_says_what_it_did(
    seeded, cli
) -> None:  # noqa: ANN001
    oid = approved(seeded)
    result = cli("fulfill", str(oid), "--csv", "-", "--yes", input=SHIPPED.encode())
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"order {oid}: fulfilled · 5 created, 0 linked, 0 skipped, 2 handset(s) paired\n"
    )
    assert result.stderr == ""
    made = devices_json(cli, "--order", str(oid))
    assert sorted(d["mac"] or d["ipei"] for d in made) == sorted(
        ["001565000001", "001565000002", "805ec0123456", "5700507820687", "5700507820698"]
    )
    assert cli.json("show", str(oid), "--format", "json")["status"] == "fulfilled"
    (entry,) = fulfil_entries(cli, oid)
    assert entry["actor"] == "dana"
    assert {k: entry["details"][k] for k in ("created", "linked", "skipped", "paired")} == {
        "created": 5,
        "linked": 0,
        "skipped": 0,
        "paired": 2,
    }


def test_show_gives_each_unit_its_device_in_the_device_shape(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded)
    assert cli("fulfill", str(oid), "--csv", "-", "--yes", input=SHIPPED.encode()).exit_code == 0
    units = cli.json("show", str(oid), "--format", "json")["units"]
    by_unit = {u["unit"]: u["device"] for u in units}
    assert all(list(d) == DEVICE_KEYS for d in by_unit.values())
    assert by_unit[1] | {"id": 0} == {
        "id": 0,
        "platform": "Acme Voice",
        "account": "Globex Corporation",
        "kind": "deskphone",
        "sku": "T54W",
        "mac": "001565000001",
        "ipei": None,
        "ipui": None,
        "user": "ann@globex.example",
        "location": "HQ Floor 2",
        "base": None,
        "order": oid,
    }
    assert (by_unit[3]["kind"], by_unit[3]["location"]) == ("dect_base", "Warehouse")
    assert by_unit[4] | {"id": 0} == {
        "id": 0,
        "platform": "Acme Voice",
        "account": "Globex Corporation",
        "kind": "dect_handset",
        "sku": "W73H",
        "mac": None,
        "ipei": "5700507820687",
        "ipui": "0DEADBEEF4",
        "user": "ann@globex.example",
        "location": None,
        "base": "805ec0123456",
        "order": oid,
    }
    assert device_ids_unique(by_unit.values())


def device_ids_unique(devices) -> bool:  # noqa: ANN001
    ids = [d["id"] for d in devices]
    return len(ids) == len(set(ids))


def test_fulfil_as_json_gives_the_plan_and_the_devices(seeded, cli) -> None:  # noqa: ANN001
    items = [{"sku": "T54W", "quantity": 2}]
    oid = approved(seeded, items)
    data = cli.json(
        "fulfill", str(oid), "--csv", "-", "--yes", "--format", "json",
        input=b"MAC Address\n80:5E:C0:00:00:99\n00-15-65-00-00-02\n",
    )  # fmt: skip
    assert data["status"] == "fulfilled"
    assert (data["order"], data["created"], data["linked"], data["skipped"]) == (oid, 1, 1, 0)
    # Within one SKU, units are filled in identifier order, not file order.
    assert [(u["unit"], u["action"]) for u in data["units"]] == [(1, "create"), (2, "link")]
    assert [list(d) for d in data["devices"]] == [DEVICE_KEYS, DEVICE_KEYS]
    # The linked phone now names the order it was fulfilled for, like the new one.
    assert sorted((d["mac"], d["order"]) for d in data["devices"]) == [
        ("001565000002", oid),
        ("805ec0000099", oid),
    ]
    assert len(devices_json(cli)) == 2  # linked, not duplicated


def test_fulfilling_an_order_that_is_not_approved_fails_whatever_the_options(seeded, cli) -> None:  # noqa: ANN001
    option_sets = [
        [],
        ["--yes"],
        ["--dry-run", "--format", "json"],
        ["--csv", "/no/such/file.csv", "--yes"],
        ["--csv", "-"],  # malformed: no identifier column
    ]
    for status in ("pending", "rejected", "cancelled"):
        oid = make_order(seeded, status=status, items=[{"sku": "T54W", "quantity": 1}])
        shown = cli.json("show", str(oid), "--format", "json")
        # who decided and when, as every refusal names them (a pending order: nobody yet)
        by = f" (by {shown['decided_by']} at {shown['decided_at']})" if shown["decided_by"] else ""
        assert bool(by) == (status != "pending")
        for options in option_sets:
            result = cli("fulfill", str(oid), *options, input=b"what,ever\n1,2\n")
            assert result.exit_code == 1, (status, options, result.stderr)
            assert one_error_line(result) == (
                f"order {oid} is {status}{by}, only approved orders can be fulfilled"
            )
            assert result.stdout == ""
    assert len(devices_json(cli)) == 1


def test_a_retry_with_the_same_file_is_already_fulfilled_and_writes_nothing(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded)
    assert cli("fulfill", str(oid), "--csv", "-", "--yes", input=SHIPPED.encode()).exit_code == 0
    before = devices_json(cli)

    for args in (["--csv", "-", "--yes"], ["--csv", "-"], []):
        result = cli("fulfill", str(oid), *args, input=SHIPPED.encode())
        assert result.exit_code == 0, (args, result.stderr)
        assert result.stdout == f"order {oid}: already fulfilled\n"

    assert devices_json(cli) == before
    assert len(fulfil_entries(cli, oid)) == 1


def test_a_retry_with_other_identifiers_is_a_conflict(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded)
    assert cli("fulfill", str(oid), "--csv", "-", "--yes", input=SHIPPED.encode()).exit_code == 0
    before = devices_json(cli)
    other = SHIPPED.replace("0015.6500.0002", "0015.6500.0099")
    result = cli("fulfill", str(oid), "--csv", "-", "--yes", input=other.encode())
    assert result.exit_code == 1
    done = cli.json("show", str(oid), "--format", "json")
    assert one_error_line(result) == (
        f"order {oid} is fulfilled (by {done['fulfilled_by']} at {done['fulfilled_at']}): "
        "unit 2 (T54W) already has the device 00:15:65:00:00:02; 00:15:65:00:00:99 differs"
    )
    assert devices_json(cli) == before
    assert len(fulfil_entries(cli, oid)) == 1


def test_an_identifier_on_another_account_is_one_line_and_nothing_is_written(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 2}], account="Initech")
    result = cli(
        "fulfill", str(oid), "--csv", "-", "--yes",
        input=b"Serial Number\n001565000001\n80:5E:C0:00:00:99\n",
    )  # fmt: skip
    assert result.exit_code == 1
    assert one_error_line(result) == (
        "unit 2 (T54W): MAC 80:5e:c0:00:00:99 is registered on another account: "
        "'Globex Corporation' of 'Acme Voice'"
    )
    assert len(devices_json(cli)) == 1
    assert cli.json("show", str(oid), "--format", "json")["status"] == "approved"
    assert fulfil_entries(cli, oid) == []


def test_devices_lists_by_account_platform_and_order_as_json_and_csv(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded)
    assert cli("fulfill", str(oid), "--csv", "-", "--yes", input=SHIPPED.encode()).exit_code == 0

    everything = devices_json(cli)
    assert len(everything) == 6
    assert devices_json(cli, "--account", "Globex Corporation") == everything
    assert devices_json(cli, "--platform", "Acme Voice") == everything
    assert devices_json(cli, "--platform", "Blue Sky") == []
    for_order = devices_json(cli, "--order", f"#{oid}")
    assert [d for d in everything if d["order"] == oid] == for_order
    assert len(for_order) == 5

    result = cli("devices", "--order", str(oid), "--format", "csv")
    assert result.exit_code == 0
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(table[0]) == DEVICE_KEYS
    handset = next(r for r in table if r["ipei"] == "5700507820687")
    assert (handset["ipui"], handset["base"], handset["order"], handset["location"]) == (
        "0DEADBEEF4",
        "805ec0123456",
        str(oid),
        "",
    )

    result = cli("devices", "--account", "Nope")
    assert (result.exit_code, one_error_line(result)) == (1, "unknown account 'Nope'")


# --- CSV files as they come (SQLite; the file on pyfakefs) ----------------------------------


@SQLITE_ONLY
def test_an_excel_export_with_bom_semicolons_crlf_and_aliases_is_read(
    seeded, cli, fs: FakeFilesystem
) -> None:  # noqa: ANN001
    oid = approved(seeded)
    path = write_csv(
        fs,
        "\ufeffOrderNumber;Part Number;Serial Number;RFPI;Carrier\r\n"
        "SO-1;T54W;00:15:65:00:00:01;;DHL\r\n"
        "SO-1;T54W;001565000002;;DHL\r\n"
        "SO-1;W70B;80:5E:C0:12:34:56;0123456789;DHL\r\n"
        "SO-1;W73H;5700507820687;;DHL\r\n"
        "SO-1;W73H;0DEADBEEF5;;DHL\r\n"
        "\r\n",
    )
    result = cli("fulfill", str(oid), "--csv", path, "--yes")
    assert result.exit_code == 0, result.stderr
    made = devices_json(cli, "--order", str(oid))
    assert sorted(d["mac"] or d["ipei"] for d in made) == sorted(
        ["001565000001", "001565000002", "805ec0123456", "5700507820687", "5700507820698"]
    )
    # The RFPI is the base's radio: it is read as nothing at all.
    assert all("0123456789" not in json.dumps(d) for d in made)


@SQLITE_ONLY
def test_a_file_with_a_unit_column_fills_the_units_it_names(
    seeded, cli, fs: FakeFilesystem
) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 2}])
    path = write_csv(fs, 'Unit,"MAC Address",Note\r\n2,00:15:65:00:00:02,"box 1, top"\r\n'
                         '#1,00:15:65:00:00:01,\r\n')  # fmt: skip
    assert cli("fulfill", str(oid), "--csv", path, "--yes").exit_code == 0
    units = cli.json("show", str(oid), "--format", "json")["units"]
    assert [u["device"]["mac"] for u in units] == ["001565000001", "001565000002"]


@SQLITE_ONLY
def test_a_bad_identifier_in_the_file_names_the_file_line_and_unit(
    seeded, cli, fs: FakeFilesystem
) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 2}])
    path = write_csv(fs, "SKU;MAC\nT54W;00:15:65:00:00:01\nT54W;00:15:65:00:00:0G\n")
    result = cli("fulfill", str(oid), "--csv", path, "--yes")
    assert result.exit_code == 1
    assert one_error_line(result).startswith(
        f"{CSV_PATH} line 3: unit 2 (T54W): '00:15:65:00:00:0G' is not a MAC address"
    )
    assert len(devices_json(cli)) == 1


@SQLITE_ONLY
def test_a_file_that_cannot_tell_phones_from_bases_asks_for_a_sku_or_unit_column(
    seeded, cli, fs: FakeFilesystem
) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 1}, {"sku": "W70B", "quantity": 1}])
    path = write_csv(fs, "MAC\n00:15:65:00:00:01\n00:15:65:00:00:02\n")
    result = cli("fulfill", str(oid), "--csv", path, "--yes")
    assert result.exit_code == 1
    assert one_error_line(result) == (
        f"{path}: lines 2, 3 could be T54W or W70B: nothing in the file says which model; add a "
        "SKU, model or unit column (or the vendor's model names as catalog aliases)"
    )


@SQLITE_ONLY
def test_the_same_identifier_twice_in_a_file_is_refused(seeded, cli, fs: FakeFilesystem) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 2}])
    path = write_csv(fs, "Serial\n00:15:65:00:00:01\n0015.6500.0001\n")
    result = cli("fulfill", str(oid), "--csv", path, "--yes")
    assert result.exit_code == 1
    assert one_error_line(result) == (
        f"{path}: MAC 00:15:65:00:00:01 is listed twice, on lines 2 and 3"
    )
    assert len(devices_json(cli)) == 1


@pytest.mark.parametrize(
    "content",
    [
        "SKU,MAC\nT54W,00:15:65:00:00:01\nT54W,00-15-65-00-00-01\n",
        "Model;MAC Address\nSIP-T54W;001565000001\n\nSIP-T54W;0015.6500.0001\n",
    ],
    ids=["sku", "model"],
)
def test_a_mac_listed_twice_for_one_unit_names_the_duplicate_and_its_two_lines(
    seeded, cli, content: str
) -> None:  # noqa: ANN001
    # Not "more T54W rows than the order's 1 T54W units": the file's mistake is the repeat.
    oid = approved(seeded, [{"sku": "T54W", "quantity": 1}])
    result = cli("fulfill", str(oid), "--csv", "-", "--yes", input=content.encode())
    assert result.exit_code == 1
    second = 3 if content.startswith("SKU") else 4
    assert one_error_line(result) == (
        f"<stdin>: MAC 00:15:65:00:00:01 is listed twice, on lines 2 and {second}"
    )
    assert cli.json("show", str(oid), "--format", "json")["status"] == "approved"
    assert len(devices_json(cli)) == 1
    assert fulfil_entries(cli, oid) == []


@SQLITE_ONLY
def test_a_missing_file_is_one_line(seeded, cli, fs: FakeFilesystem) -> None:  # noqa: ANN001
    oid = approved(seeded)
    result = cli("fulfill", str(oid), "--csv", "/shipping/nope.csv", "--yes")
    assert (result.exit_code, one_error_line(result)) == (1, "/shipping/nope.csv: no such file")


@SQLITE_ONLY
def test_the_worked_example_goes_from_its_hex_label_to_ipei_and_ipui(
    seeded, cli, fs: FakeFilesystem
) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "W73H", "quantity": 1}])
    path = write_csv(fs, "IPUI\n0x0deadbeef4\n")
    assert cli("fulfill", str(oid), "--csv", path, "--yes").exit_code == 0
    (handset,) = devices_json(cli, "--order", str(oid))
    assert (handset["ipei"], handset["ipui"], handset["mac"]) == (
        "5700507820687",
        "0DEADBEEF4",
        None,
    )
    table = cli("devices", "--order", str(oid)).stdout
    assert "57005 0782068 7" in table


# --- dry runs and no terminal (SQLite) ------------------------------------------------------------


@SQLITE_ONLY
def test_a_dry_run_prints_the_plan_and_writes_nothing(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded)
    result = cli("fulfill", str(oid), "--csv", "-", "--dry-run", input=SHIPPED.encode())
    assert result.exit_code == 0, result.stderr
    expected = [
        "dry run",
        "00:15:65:00:00:01",
        "new device",
        "ann@globex.example",
        "HQ Floor 2",
        "Warehouse",
        "57005 0782068 7",
        "unit 3 (80:5e:c0:12:34:56)",
    ]
    for text in expected:
        assert text in result.stdout, text
    assert len(devices_json(cli)) == 1
    assert cli.json("show", str(oid), "--format", "json")["status"] == "approved"
    assert fulfil_entries(cli, oid) == []


@SQLITE_ONLY
def test_a_dry_run_as_json_gives_each_units_plan(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded)
    data = cli.json(
        "fulfill", str(oid), "--csv", "-", "--dry-run", "--format", "json", input=SHIPPED.encode()
    )
    assert (data["order"], data["pairing"], data["created"], data["paired"]) == (oid, "base", 5, 2)
    assert data["units"][0] == {
        "unit": 1,
        "sku": "T54W",
        "kind": "deskphone",
        "action": "create",
        "identifier": "00:15:65:00:00:01",
        "mac": "001565000001",
        "ipei": None,
        "ipui": None,
        "user": "ann@globex.example",
        "location": "HQ Floor 2",
        "base_unit": None,
        "warnings": [],
    }
    assert data["dry_run"] is True
    handset = data["units"][3]
    assert (handset["mac"], handset["ipei"], handset["ipui"]) == (
        None,
        "5700507820687",
        "0DEADBEEF4",
    )
    assert [u["base_unit"] for u in data["units"]] == [None, None, None, 3, 3]
    assert data["units"][3]["location"] is None  # a handset never gets a location
    assert len(devices_json(cli)) == 1


@SQLITE_ONLY
def test_a_file_leaving_units_empty_without_a_terminal_lists_them_and_writes_nothing(
    seeded, cli
) -> None:  # noqa: ANN001
    oid = approved(seeded)
    partial = "SKU,MAC\nT54W,00:15:65:00:00:01\nW70B,80-5E-C0-12-34-56\n"
    result = cli("fulfill", str(oid), "--csv", "-", "--yes", input=partial.encode())
    assert result.exit_code == 1
    assert one_error_line(result) == (
        "the CSV leaves 3 unit(s) without an identifier: unit 2 (T54W), unit 4 (W73H), "
        "unit 5 (W73H); pass --partial to fulfil only the units it covers"
    )
    assert len(devices_json(cli)) == 1
    assert cli.json("show", str(oid), "--format", "json")["status"] == "approved"


@SQLITE_ONLY
def test_without_a_file_or_a_terminal_fulfil_asks_for_csv(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded)
    result = cli("fulfill", str(oid))
    assert result.exit_code == 2
    assert "--csv" in one_error_line(result)
    assert len(devices_json(cli)) == 1


@SQLITE_ONLY
def test_without_yes_or_a_terminal_fulfil_asks_for_yes_and_writes_nothing(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded)
    for fmt in ("table", "json"):
        result = cli("fulfill", str(oid), "--csv", "-", "--format", fmt, input=SHIPPED.encode())
        assert result.exit_code == 2
        assert "pass --yes" in one_error_line(result)
        assert result.stdout == ""
    assert len(devices_json(cli)) == 1
    assert cli.json("show", str(oid), "--format", "json")["status"] == "approved"


@SQLITE_ONLY
def test_warnings_go_to_stderr_and_do_not_stop_the_fulfilment(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 1}])
    result = cli("fulfill", str(oid), "--csv", "-", "--yes", input=b"MAC\n02:00:00:12:34:56\n")
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: unit 1 (T54W): MAC 02:00:00:12:34:56 is locally administered, not a "
        "vendor-assigned address\n"
    )
    assert result.stdout.startswith(f"order {oid}: fulfilled")


@SQLITE_ONLY
def test_a_retry_as_json_answers_in_json(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded)
    first = cli.json("fulfill", str(oid), "--csv", "-", "--yes", "--format", "json",
                     input=SHIPPED.encode())  # fmt: skip
    for args in (["--csv", "-", "--yes"], []):
        again = cli.json("fulfill", str(oid), *args, "--format", "json", input=SHIPPED.encode())
        assert again["status"] == "already fulfilled"
        assert {u["action"] for u in again["units"]} == {"skip"}
        assert (again["created"], again["skipped"]) == (0, 5)
        key = lambda d: d["id"]  # noqa: E731
        assert sorted(again["devices"], key=key) == sorted(first["devices"], key=key)
    assert len(fulfil_entries(cli, oid)) == 1


@SQLITE_ONLY
def test_an_unknown_order_is_one_line(seeded, cli) -> None:  # noqa: ANN001
    result = cli("fulfill", "99", "--csv", "-", "--yes", input=SHIPPED.encode())
    assert (result.exit_code, one_error_line(result)) == (1, "order 99 does not exist")


# --- what a partial file gives is checked before what it lacks (SQLite) ---------------------------


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator:  # noqa: ANN201
    """A terminal: `terminal(keys)` queues keystrokes for the prompts (prompt_toolkit pipe)."""
    with create_pipe_input() as pipe:
        monkeypatch.setattr(prompts, "PROMPT_KWARGS", {"input": pipe, "output": DummyOutput()})
        yield pipe.send_text


# ITEMS without intents (Initech has no ann or bob): units 1-2 T54W, 3 W70B, 4-5 W73H.
INITECH_ITEMS = [{"sku": sku, "quantity": n} for sku, n in (("T54W", 2), ("W70B", 1), ("W73H", 2))]
# Some units are left out of each file below.
PARTIAL_BAD = {
    "check": (
        "SKU,MAC,IPEI\nT54W,00:15:65:00:00:01,\nW70B,80-5E-C0-12-34-56,\nW73H,,57005 0782068 3\n",
        "<stdin> line 4: unit 4 (W73H): '57005 0782068 3' is not a valid IPEI: the check "
        "character does not match",
    ),
    "twice": (
        "SKU,MAC\nT54W,00:15:65:00:00:01\nW70B,0015.6500.0001\n",
        "<stdin>: MAC 00:15:65:00:00:01 is listed twice, on lines 2 and 3",
    ),
    "other account": (
        "SKU,MAC\nT54W,80:5E:C0:00:00:99\n",
        "unit 1 (T54W): MAC 80:5e:c0:00:00:99 is registered on another account: "
        "'Globex Corporation' of 'Acme Voice'",
    ),
}


@SQLITE_ONLY
@pytest.mark.parametrize("case", sorted(PARTIAL_BAD))
@pytest.mark.parametrize("options", [["--yes"], ["--dry-run"], ["--dry-run", "--format", "json"]])
def test_a_partial_file_with_a_bad_row_reports_that_row_not_the_missing_units(
    seeded, cli, case: str, options: list[str]
) -> None:  # noqa: ANN001
    content, error = PARTIAL_BAD[case]
    oid = approved(seeded, INITECH_ITEMS, account="Initech")
    result = cli("fulfill", str(oid), "--csv", "-", *options, input=content.encode())
    assert result.exit_code == 1
    assert one_error_line(result) == error
    assert result.stdout == ""
    assert len(devices_json(cli)) == 1
    assert cli.json("show", str(oid), "--format", "json")["status"] == "approved"


@SQLITE_ONLY
def test_a_partial_file_with_a_bad_row_is_refused_before_any_prompt(seeded, cli, terminal) -> None:  # noqa: ANN001
    oid = approved(seeded, INITECH_ITEMS, account="Initech")
    terminal("\x03")  # a prompt would be interrupted: exit 130, not the row error
    content, error = PARTIAL_BAD["check"]
    result = cli("fulfill", str(oid), "--csv", "-", input=content.encode())
    assert result.exit_code == 1
    assert one_error_line(result) == error
    assert len(devices_json(cli)) == 1


@SQLITE_ONLY
def test_a_big_order_names_ten_missing_units_and_counts_the_rest(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 15}])
    result = cli("fulfill", str(oid), "--csv", "-", "--dry-run", input=b"MAC\n001565000001\n")
    assert result.exit_code == 1
    named = ", ".join(f"unit {n} (T54W)" for n in range(2, 12))
    assert one_error_line(result) == (
        f"the CSV leaves 14 unit(s) without an identifier: {named} and 4 more; pass --partial "
        "to fulfil only the units it covers"
    )


# --- the column's name says the kind (SQLite) -----------------------------------------------------


@SQLITE_ONLY
def test_zeros_in_a_mac_column_are_refused_as_a_mac(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "W70B", "quantity": 1}])
    result = cli("fulfill", str(oid), "--csv", "-", "--yes", input=b"MAC\n000000000000\n")
    assert result.exit_code == 1
    assert one_error_line(result) == "<stdin> line 2: '000000000000' is not a device MAC: all zeros"
    assert len(devices_json(cli)) == 1


@SQLITE_ONLY
def test_a_mac_column_value_for_a_handset_is_refused_naming_line_column_and_unit(
    seeded, cli
) -> None:  # noqa: ANN001
    oid = approved(seeded)
    shipped = SHIPPED.replace("W73H,,57005 0782069 8", "W73H,5700507820698,")
    result = cli("fulfill", str(oid), "--csv", "-", "--yes", input=shipped.encode())
    assert result.exit_code == 1
    assert one_error_line(result) == (
        "<stdin> line 6: '5700507820698' is in the MAC column, but unit 5 (W73H) is a DECT "
        "handset and needs an IPEI"
    )
    assert len(devices_json(cli)) == 1


# --- retries, JSON on a terminal, Ctrl-C at the confirmation (SQLite) -----------------------------


@SQLITE_ONLY
def test_a_no_op_retry_prints_no_pairing_warnings(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "W73H", "quantity": 2}])
    shipped = b"IPEI\n0DEADBEEF4\n0DEADBEEF5\n"
    first = cli("fulfill", str(oid), "--csv", "-", "--yes", input=shipped)
    assert first.exit_code == 0, first.stderr
    assert "the order has no base" in first.stderr
    for args in (["--csv", "-", "--yes"], ["--csv", "-"], []):
        again = cli("fulfill", str(oid), *args, input=shipped)
        assert (again.exit_code, again.stdout, again.stderr) == (
            0,
            f"order {oid}: already fulfilled\n",
            "",
        ), args


@SQLITE_ONLY
def test_json_on_a_terminal_without_a_file_names_csv_not_a_missing_terminal(
    seeded, cli, terminal
) -> None:  # noqa: ANN001
    oid = approved(seeded)
    result = cli("fulfill", str(oid), "--format", "json")
    assert result.exit_code == 2
    assert one_error_line(result) == (
        "5 unit(s) need an identifier: pass --csv FILE (or --csv - for stdin); "
        "--format json never prompts"
    )
    assert result.stdout == ""
    assert len(devices_json(cli)) == 1


@SQLITE_ONLY
def test_without_a_terminal_or_a_file_the_error_counts_the_units(seeded, cli) -> None:  # noqa: ANN001
    oid = approved(seeded)
    result = cli("fulfill", str(oid))
    assert result.exit_code == 2
    assert one_error_line(result) == (
        "5 unit(s) need an identifier: pass --csv FILE (or --csv - for stdin); "
        "no terminal to ask on"
    )


@SQLITE_ONLY
def test_ctrl_c_at_the_confirmation_says_the_typed_identifiers_are_kept(
    seeded, cli, terminal
) -> None:  # noqa: ANN001
    from hwctl.config import StoreLocation
    from hwctl.io import drafts

    store = StoreLocation(cli.db_url, "--db", False)
    oid = approved(seeded, [{"sku": "T54W", "quantity": 1}])
    terminal("001565000001\r\x03")
    result = cli("fulfill", str(oid))
    assert result.exit_code == 130
    assert (
        f"interrupted, nothing written: 1 identifier(s) kept as a draft "
        f"({drafts.draft_path(store, oid, ADMIN)}); run `hwctl fulfill {oid}` again to resume"
    ) in result.stderr.splitlines()
    assert drafts.draft_path(store, oid, ADMIN).exists()
    assert devices_json(cli, "--order", str(oid)) == []
