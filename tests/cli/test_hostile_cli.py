"""Hostile files at the command line's doors, as properties, end to end on both backends:
`hwctl submit`, `hwctl import` and `hwctl fulfill ORDER --csv` given random bytes, broken CSV
and JSON, wrong encodings, wrong types, huge fields and deep nesting. Every one ends in exit 1
or 2 with exactly one line on stderr (never a traceback or "internal error"), nothing on stdout,
and the store as it was: every table's row count (the audit log's included) is compared after
each example. The store is built once per test: nothing is ever written, so that is valid.

The examples are the in-process strategies of tests/unit/test_hostile_input.py, fewer of them
(fewer still on PostgreSQL); the hypothesis profile in tests/conftest.py makes them the same on
every run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hwctl.domain.identifiers import shapes
from tests.cli.test_input_edges import row_counts
from tests.conftest import DIRECTORY, Cli, make_order
from tests.unit.test_hostile_input import (
    CELLS,
    ENCODINGS,
    ORDER,
    broken_documents,
    csv_files,
    dumps,
    identifier_like,
    json_values,
    shipping_bytes,
)

EXAMPLES = {"sqlite": 40, "postgres": 12}


def examples(backend: str) -> settings:
    return settings(
        max_examples=EXAMPLES[backend],
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


def refused_once(result) -> str:  # noqa: ANN001
    """Exit 1 or 2, one line on stderr, nothing on stdout, no traceback: the line."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (1, 2), (result.exit_code, result.stdout[:300], result.stderr[:300])
    assert result.stdout == "", result.stdout[:300]
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), result.stderr[:600]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, lines[0]
    assert lines[0].startswith("hwctl: error: "), lines[0][:300]
    return lines[0]


# -- hwctl submit / hwctl import ----------------------------------------------------------------
def json_inputs(doc: Any) -> st.SearchStrategy[bytes]:  # noqa: ANN401
    return st.one_of(
        st.binary(max_size=300),
        json_values.map(lambda v: json.dumps(v).encode()),
        broken_documents(doc).map(lambda d: dumps(d).encode()),
        # A valid document in another encoding, or with its bytes broken at one place.
        st.tuples(broken_documents(doc), ENCODINGS).map(
            lambda t: dumps(t[0]).encode(t[1], errors="replace")
        ),
    )


@pytest.mark.parametrize(
    ("command", "doc"), [("submit", ORDER), ("import", DIRECTORY)], ids=["submit", "import"]
)
def test_a_hostile_document_is_one_line_and_writes_nothing(
    seeded,
    cli: Cli,
    backend: str,
    tmp_path: Path,
    command: str,
    doc: Any,  # noqa: ANN001, ANN401
) -> None:
    before = row_counts(seeded)
    wrong_order = {**ORDER, "items": [{"sku": "NOPE", "quantity": 1}]}
    path = tmp_path / "input.json"

    @examples(backend)
    @given(json_inputs(doc), st.booleans())
    @example(b"\x00", False)
    @example(b"[" * 10_000, True)
    @example(json.dumps({**doc, "a\nb": 1}).encode(), False)  # an unknown field's name
    @example(json.dumps(wrong_order if command == "submit" else {"platforms": [{}]}).encode(), True)
    def check(data: bytes, from_file: bool) -> None:
        if from_file:
            path.write_bytes(data)
            result = cli(command, str(path))
        else:
            result = cli(command, "-", input=data)
        refused_once(result)
        assert row_counts(seeded) == before

    check()


# -- hwctl fulfill --------------------------------------------------------------------------------
# Cells that can never be an identifier, so no example can fulfil the order: each one must be
# refused, wherever in the file and the plan that happens.
NOT_AN_IDENTIFIER = st.one_of(CELLS, identifier_like).filter(lambda t: not shapes(t))


@st.composite
def shipping_files(draw: st.DrawFn) -> bytes:
    """A well-formed shipping CSV with the order's columns and hostile cells: identifiers that
    are none, huge units, SKUs and models the order does not have."""
    header = ["MAC", "SKU", "Unit", "Model", draw(st.sampled_from(["IPEI", "Serial", "Notes"]))]
    rows = draw(
        st.lists(
            st.tuples(
                NOT_AN_IDENTIFIER,
                st.sampled_from(["T54W", "t54w", "W73H", ""]) | CELLS,
                st.sampled_from(["1", "2", "3", "#1", "0", "9" * 5000]) | CELLS,
                st.sampled_from(["SIP-T54W", "T54W", ""]) | CELLS,
                NOT_AN_IDENTIFIER,
            ),
            min_size=1,
            max_size=4,
        )
    )
    sep = draw(st.sampled_from([";", ","]))

    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    lines = [sep.join(map(cell, header)), *(sep.join(map(cell, row)) for row in rows)]
    return "\r\n".join(lines).encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])))


def test_a_hostile_shipping_file_is_one_line_and_writes_nothing(
    seeded,
    cli: Cli,
    backend: str,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    order = make_order(seeded, "approved")  # two T54W desk phones
    before = row_counts(seeded)
    path = tmp_path / "parcel.csv"

    @examples(backend)
    @given(
        st.one_of(
            shipping_bytes.filter(lambda b: b"00:15:65" not in b),
            shipping_files(),
            csv_files(),
        ),
        st.booleans(),
        st.booleans(),
    )
    @example(b"MAC;Unit\n00:15:65:ab:cd:ef;" + b"9" * 5000 + b"\n", False, False)
    @example(b'"M\nAC";IPEI\n00:15:65:ab:cd:ef;0DEADBEEF4\n', True, False)
    @example(b"MAC;SKU\n00:15:65:ab:cd:ef;" + b"X" * 100_000 + b"\n", False, True)
    @example(b"MAC\n" + b"1" * 100_000 + b"\n", False, False)
    def check(data: bytes, from_file: bool, dry_run: bool) -> None:
        if from_file:
            path.write_bytes(data)
            source = str(path)
        else:
            source = "-"
        args = ["fulfill", str(order), "--csv", source, "--yes"]
        if dry_run:
            args.append("--dry-run")
        line = refused_once(cli(*args, input=None if from_file else data))
        assert len(line) <= 1000, line[:300]
        assert row_counts(seeded) == before

    check()


# -- a few through the real program ------------------------------------------------------------
@pytest.mark.parametrize(
    ("command", "data"),
    [
        ("submit", b"\xff\xfe{\x00\x00"),
        ("import", b'{"platforms": ' + b"[" * 100_000),
        ("fulfill", b"MAC;Unit\r\n00:15:65:ab:cd:ef;" + b"9" * 5000 + b"\r\n"),
    ],
    ids=["submit-utf16-nul", "import-deep", "fulfill-huge-unit"],
)
def test_the_real_program_refuses_hostile_files_in_one_line(
    seeded,
    db_url: str,
    tmp_path: Path,
    command: str,
    data: bytes,  # noqa: ANN001
) -> None:
    args = [command, "-"]
    if command == "fulfill":
        args = ["fulfill", str(make_order(seeded, "approved")), "--csv", "-", "--yes"]
    before = row_counts(seeded)
    done = subprocess.run(
        [sys.executable, "-m", "hwctl", "--db", db_url, "--as", "dana", *args],
        input=data,
        capture_output=True,
        timeout=120,
    )
    stderr = done.stderr.decode()
    assert done.returncode == 1, (done.returncode, stderr)
    assert done.stdout == b""
    assert len(stderr.splitlines()) == 1 and stderr.startswith("hwctl: error: "), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert row_counts(seeded) == before


# Rows that look right (valid MACs, a model column) in a file the plan still refuses: the first
# row's MAC is another order's device already.
TAKEN = "80:5E:C0:00:00:11"
GOOD_LOOKING = st.lists(
    st.tuples(
        st.sampled_from([TAKEN, "80:5E:C0:00:00:12", "02:5E:C0:00:00:13", "00:04:F2:00:00:14"]),
        st.sampled_from(["SIP-T54W", "T54W", "Foo", "", "W73H"]) | CELLS,
        st.sampled_from(["", "1", "2", "3"]),
    ),
    max_size=3,
).map(lambda rows: [(TAKEN, "Foo", ""), *rows])


def test_a_refused_file_of_good_looking_rows_is_its_refusal_alone_without_warnings(
    seeded,  # noqa: ANN001
    cli: Cli,
    backend: str,
) -> None:
    order = make_order(seeded, "approved")  # two T54W desk phones
    other = make_order(seeded, "approved", items=[{"sku": "T54W", "quantity": 1}])
    assert cli("fulfill", str(other), "--csv", "-", "--yes", input=f"MAC\n{TAKEN}\n").exit_code == 0
    before = row_counts(seeded)

    @examples(backend)
    @given(GOOD_LOOKING, st.sampled_from([[], ["--dry-run"], ["--format", "json"], ["--partial"]]))
    # A model column that names no SKU was warned about before the refusal: two lines.
    @example([(TAKEN, "Foo", ""), ("80:5E:C0:00:00:12", "Foo", "")], [])
    def check(rows: list[tuple[str, str, str]], flags: list[str]) -> None:
        text = "MAC;Model;Unit\r\n" + "".join(
            ";".join('"' + c.replace('"', '""') + '"' for c in row) + "\r\n" for row in rows
        )
        result = cli("fulfill", str(order), "--csv", "-", "--yes", *flags, input=text.encode())
        refused_once(result)
        assert row_counts(seeded) == before

    check()


@pytest.mark.parametrize("command", ["submit", "import", "fulfill"])
def test_an_endless_device_is_refused_without_being_read_in_one_line(
    seeded,  # noqa: ANN001
    cli: Cli,
    command: str,
) -> None:
    args = [command, "/dev/zero"]
    if command == "fulfill":
        args = ["fulfill", str(make_order(seeded, "approved")), "--csv", "/dev/zero", "--yes"]
    before = row_counts(seeded)
    line = refused_once(cli(*args))
    # Not a regular file: refused after a stat (a file past 256 MiB: test_special_files.py).
    assert line == "hwctl: error: /dev/zero: is not a regular file (a character device)"
    assert row_counts(seeded) == before
