"""Input the core refuses, end to end: one line on stderr, exit 1 (bad input) or 2 (bad command
line), nothing written, on both backends. Times the store cannot hold, JSON the decoder chokes
on, control characters in names, and order ids that are not ASCII digits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlmodel import SQLModel

from hwctl.store import models
from tests.conftest import Cli, make_order, order_doc

RANGE = "is out of range: between 2000-01-01 and a day from now"


def row_counts(store) -> dict[str, int]:  # noqa: ANN001
    """Rows in every table of the store: what "nothing written" is checked against."""
    with store.session() as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def refused(result, code: int = 1) -> str:  # noqa: ANN001
    """The one stderr line of a refusal; stdout empty, no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return lines[0]


# -- ordered_at ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "when",
    ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00", "1999-12-31T23:59:59Z",
     "2999-01-01T00:00:00Z"],
)  # fmt: skip
def test_an_ordered_at_the_store_cannot_hold_is_one_line_and_nothing_is_written(
    seeded, cli: Cli, when: str
) -> None:  # noqa: ANN001
    before = row_counts(seeded)
    result = cli("submit", "-", input=json.dumps(order_doc(ordered_at=when)))
    assert refused(result) == f"hwctl: error: <stdin>: ordered_at: {when!r} {RANGE}"
    assert row_counts(seeded) == before


def test_one_bad_time_in_a_list_writes_none_of_the_orders(seeded, cli: Cli) -> None:  # noqa: ANN001
    before = row_counts(seeded)
    docs = [order_doc(), order_doc(ordered_at="9999-12-31T23:59:59-05:00")]
    line = refused(cli("submit", "-", input=json.dumps(docs)))
    assert line.startswith("hwctl: error: <stdin>: order 2: ordered_at: ")
    assert row_counts(seeded) == before


def a_base_with(**fields: object) -> dict:
    base = {"sku": "W70B", "name": "Yealink W70B", "kind": "dect_base", **fields}
    return {"platforms": [{"name": "Acme Voice", "catalog": [base]}]}


# -- JSON the decoder chokes on -----------------------------------------------------------------
@pytest.mark.parametrize("command", ["import", "submit"])
def test_deeply_nested_json_is_one_line(seeded, cli: Cli, tmp_path: Path, command: str) -> None:  # noqa: ANN001
    before = row_counts(seeded)
    assert refused(cli(command, "-", input="[" * 100_000)) == (
        "hwctl: error: <stdin>: too deeply nested"
    )
    deep = tmp_path / "deep.json"
    deep.write_text('{"platforms": ' + "[" * 100_000)
    assert refused(cli(command, str(deep))) == f"hwctl: error: {deep}: too deeply nested"
    assert row_counts(seeded) == before


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("1e999", "the number '1e999' is out of range"),
        ("1" * 5000, "a number of 5000 digits is out of range"),
        ("NaN", "NaN is not a number JSON allows"),
        ("-Infinity", "-Infinity is not a number JSON allows"),
    ],
)
def test_numbers_hwctl_cannot_hold_are_one_line_on_submit_and_import(
    seeded, cli: Cli, number: str, message: str
) -> None:  # noqa: ANN001
    before = row_counts(seeded)
    order = json.dumps(order_doc()).replace('"quantity": 2', f'"quantity": {number}')
    assert refused(cli("submit", "-", input=order)) == f"hwctl: error: <stdin>: {message}"
    directory = json.dumps(a_base_with(max_handsets=1)).replace(
        '"max_handsets": 1', f'"max_handsets": {number}'
    )
    assert refused(cli("import", "-", input=directory)) == f"hwctl: error: <stdin>: {message}"
    assert row_counts(seeded) == before


def test_max_handsets_beyond_the_store_s_integer_is_refused(seeded, cli: Cli) -> None:  # noqa: ANN001
    before = row_counts(seeded)
    doc = a_base_with(max_handsets=2**63)
    assert refused(cli("import", "-", input=json.dumps(doc))) == (
        "hwctl: error: <stdin>: platforms[0].catalog[0].max_handsets: must be at most 10000"
    )
    assert row_counts(seeded) == before


# -- names are data -----------------------------------------------------------------------------
def test_a_control_character_in_an_imported_name_is_one_line_naming_the_field(
    store, cli: Cli
) -> None:  # noqa: ANN001
    doc = {"platforms": [{"name": "Acme Voice", "accounts": [
        {"name": "Initech"}, {"name": "Evil\x1b[2JCorp", "users": ["ann"]}]}]}  # fmt: skip
    assert refused(cli("import", "-", input=json.dumps(doc))) == (
        "hwctl: error: <stdin>: platforms[0].accounts[1].name: must not contain control characters"
    )
    assert set(row_counts(store).values()) == {0}


@pytest.mark.parametrize(
    ("char", "named"),
    [("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"), ("\u2069", "U+2069 POP DIRECTIONAL ISOLATE"),
     ("\u200d", "U+200D ZERO WIDTH JOINER"), ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE")],
)  # fmt: skip
def test_an_invisible_formatting_character_in_an_imported_name_is_refused_naming_it(
    store, cli: Cli, char: str, named: str
) -> None:  # noqa: ANN001
    doc = {"platforms": [{"name": "Acme Voice", "accounts": [
        {"name": "Initech"}, {"name": f"Evil{char}Corp", "users": ["ann"]}]}]}  # fmt: skip
    assert refused(cli("import", "-", input=json.dumps(doc))) == (
        "hwctl: error: <stdin>: platforms[0].accounts[1].name: "
        f"must not contain invisible formatting characters ({named})"
    )
    assert set(row_counts(store).values()) == {0}


def test_a_control_character_in_a_submitted_name_is_one_line(seeded, cli: Cli) -> None:  # noqa: ANN001
    before = row_counts(seeded)
    doc = order_doc(items=[{"sku": "T54W", "quantity": 1, "units": [{"user": "ann\n@globex"}]}])
    assert refused(cli("submit", "-", input=json.dumps(doc))) == (
        "hwctl: error: <stdin>: items[0].units[0].user: must not contain control characters"
    )
    assert row_counts(seeded) == before


def test_a_name_over_the_cap_says_the_cap(store, cli: Cli) -> None:  # noqa: ANN001
    doc = {"platforms": [{"name": "Acme Voice", "catalog": [
        {"sku": "S" * 101, "name": "x", "kind": "deskphone"}]}]}  # fmt: skip
    assert refused(cli("import", "-", input=json.dumps(doc))) == (
        "hwctl: error: <stdin>: platforms[0].catalog[0].sku: must be at most 100 characters"
    )
    assert set(row_counts(store).values()) == {0}


def test_a_name_with_a_line_break_already_in_the_store_still_prints_on_one_line(
    seeded, cli: Cli
) -> None:  # noqa: ANN001
    # Import refuses such names now; a store written by an older hwctl may still hold one.
    oid = make_order(seeded, account="Initech")
    with seeded.session(write=True) as session:
        session.execute(
            update(models.Account)
            .where(models.Account.name == "Initech")
            .values(name="Evil\nCorp\tLtd\x1b[31m")
        )
    result = cli("list", "--status", "all")
    assert result.exit_code == 0
    row = [line for line in result.stdout.splitlines() if f"#{oid}" in line]
    assert len(row) == 1 and "Evil Corp Ltd" in row[0] and "\x1b" not in result.stdout


# -- order ids are ASCII digits -----------------------------------------------------------------
def _arabic_indic(number: int) -> str:
    return "".join(chr(0x0660 + int(d)) for d in str(number))


def _fullwidth(number: int) -> str:
    return "".join(chr(0xFF10 + int(d)) for d in str(number))


NOT_AN_ID = "is not an order id (use the number, e.g. 7 or #7)"


@pytest.mark.parametrize(
    "spell", [_arabic_indic, _fullwidth, lambda n: f"##{n}", lambda n: f"-{n}", lambda n: f"-#{n}"],
    ids=["arabic-indic", "fullwidth", "double-hash", "negative", "negative-hash"],
)  # fmt: skip
def test_an_order_id_that_is_not_ascii_digits_is_a_usage_error(seeded, cli: Cli, spell) -> None:  # noqa: ANN001
    oid = make_order(seeded)  # the id the lookalike would have named
    word = spell(oid)
    assert refused(cli("show", word), 2) == (
        f"hwctl: error: Invalid value for 'ORDER': {word!r} {NOT_AN_ID}"
    )
    before = row_counts(seeded)
    for args in (["approve", word, "--yes"], ["cancel", str(oid), word, "--yes"],
                 ["fulfill", word], ["review", word, "--set", "1=1", "--yes"],
                 ["audit", "--order", word], ["devices", "--order", word]):  # fmt: skip
        line = refused(cli(*args), 2)
        assert line.endswith(f"{word!r} {NOT_AN_ID}"), (args, line)
    assert row_counts(seeded) == before
    assert cli.json("show", str(oid), "--format", "json")["status"] == "pending"


@pytest.mark.parametrize("word", ["7", "#7", " 7 ", "007"])
def test_order_ids_as_printed_still_work(seeded, cli: Cli, word: str) -> None:  # noqa: ANN001
    while make_order(seeded) < 7:
        pass
    assert cli.json("show", word, "--format", "json")["id"] == 7


@pytest.mark.parametrize("backend", ["sqlite"])
def test_options_that_are_not_numbers_are_still_options(seeded, cli: Cli) -> None:  # noqa: ANN001
    oid = make_order(seeded)
    assert refused(cli("show", str(oid), "--bogus"), 2) == "hwctl: error: No such option: --bogus"
    assert refused(cli("show", "-x", str(oid)), 2) == "hwctl: error: No such option: -x"
    assert cli("show", str(oid), "-f", "json").exit_code == 0
    # Commands without ORDER are untouched: `list -1` is an unknown option there.
    assert refused(cli("list", "-1"), 2) == "hwctl: error: No such option: -1"


def test_a_real_hwctl_process_says_minus_one_is_not_an_order_id(db_url: str) -> None:
    hwctl = Path(sys.executable).parent / "hwctl"
    for word in ("-1", _arabic_indic(2)):
        proc = subprocess.run(
            [str(hwctl), "--db", db_url, "show", word],
            capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == ""
        assert proc.stderr.splitlines() == [
            f"hwctl: error: Invalid value for 'ORDER': {word!r} {NOT_AN_ID}"
        ]


# -- bytes that are not UTF-8, limits the stores cannot hold, hwctl's own words -----------------
NOT_UTF8 = "not valid UTF-8 text (check the terminal's encoding)"


def _hwctl_bytes(db_url: str, *argv: bytes) -> subprocess.CompletedProcess[bytes]:
    """A real hwctl process given raw bytes in argv, as a shell passes `$'bad\\xff'`."""
    hwctl = Path(sys.executable).parent / "hwctl"
    return subprocess.run(
        [str(hwctl).encode(), b"--db", db_url.encode(), *argv],
        capture_output=True, timeout=30, stdin=subprocess.DEVNULL,
        env={**os.environ, "HWCTL_ADMIN": "dana"},
    )  # fmt: skip


def test_bytes_that_are_not_utf8_in_a_text_option_are_a_usage_error_naming_it(
    seeded, db_url: str
) -> None:  # noqa: ANN001
    oid = str(make_order(seeded)).encode()
    before = row_counts(seeded)
    for argv, option in [
        ((b"reject", oid, b"--reason", b"bad\xff", b"--yes"), "'--reason' / '-r'"),
        ((b"approve", oid, b"--note", b"PO \xff", b"--yes"), "'--note'"),
        ((b"list", b"-q", b"bad\xff"), "'--search' / '-q'"),
        ((b"devices", b"-a", b"Glo\xffbex"), "'--account' / '-a'"),
        ((b"--as", b"d\xffna", b"approve", oid, b"--yes"), "'--as'"),
        ((b"review", oid, b"--add", b"T54W\xff=1", b"--yes"), "'--add'"),
        ((b"admins", b"add", b"\xfferin"), "'NAME'"),
    ]:
        proc = _hwctl_bytes(db_url, *argv)
        assert proc.returncode == 2, (argv, proc.stderr)
        assert proc.stdout == b""
        assert proc.stderr.decode().splitlines() == [
            f"hwctl: error: Invalid value for {option}: {NOT_UTF8}"
        ], argv
    assert row_counts(seeded) == before


def test_hwctl_admin_with_bytes_that_are_not_utf8_is_a_usage_error(seeded, db_url: str) -> None:  # noqa: ANN001
    oid = str(make_order(seeded))
    before = row_counts(seeded)
    hwctl = Path(sys.executable).parent / "hwctl"
    proc = subprocess.run(
        [str(hwctl), "--db", db_url, "approve", oid, "--yes"],
        capture_output=True, timeout=30, stdin=subprocess.DEVNULL,
        env={**os.environ, "HWCTL_ADMIN": os.fsdecode(b"d\xffna")},
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.decode().splitlines() == [f"hwctl: error: $HWCTL_ADMIN is {NOT_UTF8}"]
    assert row_counts(seeded) == before


def test_a_file_name_that_is_not_utf8_is_still_a_file_name(seeded, db_url: str) -> None:  # noqa: ANN001
    proc = _hwctl_bytes(db_url, b"import", b"/nonexistent/dir\xff.json")
    assert proc.returncode == 1, proc.stderr
    assert b"no such file" in proc.stderr and b"UTF-8" not in proc.stderr


BEYOND = "99999999999999999999"


@pytest.mark.parametrize("command", ["list", "devices", "audit"])
def test_a_limit_beyond_what_the_stores_hold_is_a_usage_error_naming_limit(
    seeded, cli: Cli, command: str
) -> None:  # noqa: ANN001
    make_order(seeded)
    before = row_counts(seeded)
    assert refused(cli(command, "-n", BEYOND), 2) == (
        f"hwctl: error: Invalid value for '--limit' / '-n': {BEYOND} is more than "
        "9223372036854775807, the most it takes"
    )
    assert row_counts(seeded) == before
    # The largest is taken, on both stores (PostgreSQL's LIMIT is a bigint).
    most = cli(command, "--limit", str(2**63 - 1), "--format", "json")
    assert most.exit_code == 0, most.stderr
    assert len(json.loads(most.stdout)) >= 1


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("list", "--status", "bogus"), "Invalid value for '--status' / '-s': 'bogus' is not one "
         "of pending, approved, fulfilled, rejected, cancelled, all"),
        (("list", "-f", "xml"), "Invalid value for '--format' / '-f': 'xml' is not one of "
         "table, json, csv"),
        (("reject", "1", "--reason", "x", "--code", "bogus", "--yes"), "Invalid value for "
         "'--code' / '-c': 'bogus' is not one of duplicate, out_of_stock, not_in_catalog, "
         "needs_customer_confirmation, other"),
        (("completion", "tcsh"), "Invalid value for 'SHELL': 'tcsh' is not one of bash, zsh, "
         "fish"),
        (("list", "-n", "abc"), "Invalid value for '--limit' / '-n': 'abc' is not a whole number"),
        (("list", "-n", "-1"), "Invalid value for '--limit' / '-n': -1 is less than 0"),
        (("list", "-n", "٣"), "Invalid value for '--limit' / '-n': '٣' is not a whole number"),
        (("webhooks", "deliver", "--interval", "soon"), "Invalid value for '--interval': 'soon' "
         "is not a number"),
    ],
)  # fmt: skip
def test_bad_option_values_are_worded_by_hwctl_not_by_pydantic(
    seeded, cli: Cli, args: tuple[str, ...], line: str
) -> None:  # noqa: ANN001
    message = refused(cli(*args), 2)
    assert message == f"hwctl: error: {line}"
    assert "Value error" not in message and "Input should" not in message
