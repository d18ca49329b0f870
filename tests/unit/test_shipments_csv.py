"""Reading distributor shipment CSVs into rows (hwctl.io.shipments), from real (fake-fs) files."""

from __future__ import annotations

import pytest
from pyfakefs.fake_filesystem import FakeFilesystem

from hwctl.errors import InvalidInput
from hwctl.io.shipments import ShipmentRow, column_kind, read_shipments

PATH = "/data/shipment.csv"


def shipped(
    identifier: str,
    column: str,
    *,
    line: int = 2,
    unit: int | None = None,
    sku: str | None = None,
    models: tuple[tuple[str, str], ...] = (),
    kind: str | None = None,
) -> ShipmentRow:
    """The row the reader should give; the kind defaults to what the column's name promises."""
    return ShipmentRow(
        line=line,
        unit=unit,
        sku=sku,
        models=models,
        identifier=identifier,
        column=column,
        kind=kind if kind is not None else column_kind(column),  # type: ignore[arg-type]
    )


def read_file(
    fs: FakeFilesystem, content: bytes | str, source: str = "shipment.csv"
) -> list[ShipmentRow]:
    """Write `content` to a file, read the bytes back as the CLI would, and parse them."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    fs.create_file(PATH, contents=data)
    with open(PATH, "rb") as handle:
        return read_shipments(handle.read(), source=source)


def refusal(fs: FakeFilesystem, content: bytes | str) -> str:
    """The one-line message a file is refused with."""
    with pytest.raises(InvalidInput) as caught:
        read_file(fs, content)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- dialects -------------------------------------------------------------------------------------


def test_a_plain_comma_file_gives_one_row_per_unit(fs: FakeFilesystem) -> None:
    rows = read_file(fs, "Unit,SKU,MAC\n1,SIP-T54W,001565abcdef\n2,SIP-T54W,00:15:65:ab:cd:ee\n")
    assert rows == [
        shipped("001565abcdef", "MAC", line=2, unit=1, sku="SIP-T54W"),
        shipped("00:15:65:ab:cd:ee", "MAC", line=3, unit=2, sku="SIP-T54W"),
    ]
    assert [r.kind for r in rows] == ["mac", "mac"]


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_header(fs: FakeFilesystem) -> None:
    rows = read_file(fs, b"\xef\xbb\xbfMAC,SKU\r\n001565abcdef,SIP-T54W\r\n")
    assert rows[0].column == "MAC"
    assert rows[0].identifier == "001565abcdef"


def test_semicolons_separate_fields_in_european_excel_exports(fs: FakeFilesystem) -> None:
    content = "ItemNumber;SerialNumber;Description\nW73H;0DEADBEEF4;Handset, black\n"
    rows = read_file(fs, content)
    assert rows == [
        shipped("0DEADBEEF4", "SerialNumber", models=(("ItemNumber", "W73H"),), kind=None)
    ]


def test_tabs_separate_fields(fs: FakeFilesystem) -> None:
    rows = read_file(fs, "MAC Address\tModel\n0004f200106c\tVVX 450\n")
    assert rows == [shipped("0004f200106c", "MAC Address", models=(("Model", "VVX 450"),))]


def test_crlf_line_ends_are_read_and_lines_counted(fs: FakeFilesystem) -> None:
    rows = read_file(fs, b"MAC;SKU\r\n001565abcdef;T54W\r\n001565abcdee;T54W\r\n")
    assert [(r.line, r.identifier) for r in rows] == [(2, "001565abcdef"), (3, "001565abcdee")]


def test_quoted_fields_may_hold_separators_and_quotes(fs: FakeFilesystem) -> None:
    content = 'MAC;Description;SKU\n"001565abcdef";"Desk phone; ""T54W"", black";"SIP-T54W"\n'
    rows = read_file(fs, content)
    assert (rows[0].identifier, rows[0].sku) == ("001565abcdef", "SIP-T54W")


def test_a_quoted_field_spanning_lines_keeps_physical_line_numbers(fs: FakeFilesystem) -> None:
    content = (
        "MAC,Notes\n"
        '001565abcdef,"first line\nsecond line"\n'  # lines 2 and 3
        "001565abcdee,\n"  # line 4
    )
    rows = read_file(fs, content)
    assert [(r.line, r.identifier) for r in rows] == [(2, "001565abcdef"), (4, "001565abcdee")]


def test_blank_and_trailing_blank_lines_are_skipped_but_counted(fs: FakeFilesystem) -> None:
    content = "MAC\r\n001565abcdef\r\n\r\n   \r\n001565abcdee\r\n\r\n\r\n"
    rows = read_file(fs, content)
    assert [(r.line, r.identifier) for r in rows] == [(2, "001565abcdef"), (5, "001565abcdee")]


def test_a_row_of_empty_cells_is_skipped(fs: FakeFilesystem) -> None:
    rows = read_file(fs, "MAC;SKU;Unit\n001565abcdef;T54W;1\n;;\n ; ; \n")
    assert len(rows) == 1


def test_extra_columns_are_ignored(fs: FakeFilesystem) -> None:
    content = (
        "OrderNumber,PONumber,ManufacturerItemNumber,SerialNumber,ShipDate,Carrier\n"
        "SO-1001,PO-77,SIP-T54W,001565ABCDEF,2024-03-01,DHL\n"
    )
    assert read_file(fs, content) == [
        shipped("001565ABCDEF", "SerialNumber", models=(("ManufacturerItemNumber", "SIP-T54W"),))
    ]


def test_cells_are_stripped_and_short_rows_leave_blanks(fs: FakeFilesystem) -> None:
    rows = read_file(fs, "MAC,SKU,Unit,Model\n  001565abcdef  \n")
    assert rows == [shipped("001565abcdef", "MAC")]


def test_a_file_with_a_single_column_needs_no_separator(fs: FakeFilesystem) -> None:
    rows = read_file(fs, "IPUI\n0DEADBEEF4\n0DEADBEEF5\n")
    assert [r.identifier for r in rows] == ["0DEADBEEF4", "0DEADBEEF5"]


def test_text_input_is_read_like_bytes() -> None:
    rows = read_shipments("\ufeffMAC\n001565abcdef\n")
    assert rows == [shipped("001565abcdef", "MAC")]


def test_commas_inside_a_semicolon_file_do_not_confuse_the_separator(fs: FakeFilesystem) -> None:
    content = "MAC;Description\n001565abcdef;Yealink, black, 2 lines\n001565abcdee;a, b\n"
    rows = read_file(fs, content)
    assert [r.identifier for r in rows] == ["001565abcdef", "001565abcdee"]


# --- headers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "MAC",
        "mac",
        "MAC Address",
        "mac_address",
        "Mac-Address",
        "IPEI",
        "IPUI",
        "Identifier",
        "Serial",
        "Serial Number",
        "SerialNumber",
        "serial_number",
    ],
)
def test_identifier_header_aliases_are_recognised(fs: FakeFilesystem, header: str) -> None:
    rows = read_file(fs, f"Notes,{header}\nx,0DEADBEEF4\n")
    assert (rows[0].identifier, rows[0].column) == ("0DEADBEEF4", header)


@pytest.mark.parametrize("header", ["SKU", "sku", " Sku ", "S.K.U."])
def test_only_a_column_named_sku_binds_strictly(fs: FakeFilesystem, header: str) -> None:
    (row,) = read_file(fs, f"MAC;{header}\n001565abcdef;SIP-T54W\n")
    assert (row.sku, row.models) == ("SIP-T54W", ())


@pytest.mark.parametrize(
    "header",
    [
        "Part Number",
        "Part-Number",
        "PartNumber",
        "Item Number",
        "item_number",
        "ItemNumber",
        "ManufacturerItemNumber",
        "Manufacturer Part Number",
        "Model",
    ],
)
def test_part_and_item_numbers_are_models_not_skus(fs: FakeFilesystem, header: str) -> None:
    # Which of them names the order's SKU is the placement's call, with the catalog.
    (row,) = read_file(fs, f"MAC;{header}\n001565abcdef;SIP-T54W\n")
    assert (row.sku, row.models) == (None, ((header, "SIP-T54W"),))


def test_the_manufacturers_and_the_distributors_numbers_are_both_kept(fs: FakeFilesystem) -> None:
    content = (
        "ItemNumber,ManufacturerItemNumber,SerialNumber\n"
        "DIST-4711,SIP-T54W,001565abcdef\n"
        "DIST-4712,,001565abcdee\n"
    )
    assert [r.models for r in read_file(fs, content)] == [
        (("ItemNumber", "DIST-4711"), ("ManufacturerItemNumber", "SIP-T54W")),
        (("ItemNumber", "DIST-4712"),),
    ]


def test_a_unit_column_takes_numbers_with_or_without_a_hash(fs: FakeFilesystem) -> None:
    rows = read_file(fs, "Unit,MAC\n7,001565abcdef\n#8,001565abcdee\n,001565abcded\n")
    assert [r.unit for r in rows] == [7, 8, None]


def test_without_a_unit_column_units_are_none(fs: FakeFilesystem) -> None:
    assert read_file(fs, "MAC\n001565abcdef\n")[0].unit is None


def test_mac_and_ipei_columns_each_row_uses_the_filled_one(fs: FakeFilesystem) -> None:
    content = (
        "Unit;SKU;MAC;IPEI\n"
        "1;W70B;805ec0abcdef;\n"
        "2;W73H;;57005 0782068 7\n"
        "3;W73H;0DEADBEEF5;0deadbeef5\n"  # the same value twice is no conflict
    )
    rows = read_file(fs, content)
    assert [(r.unit, r.identifier, r.column) for r in rows] == [
        (1, "805ec0abcdef", "MAC"),
        (2, "57005 0782068 7", "IPEI"),
        (3, "0DEADBEEF5", "MAC/IPEI"),
    ]
    # A value under both names promises neither kind: it is classified by its shape.
    assert [r.kind for r in rows] == ["mac", "ipei", None]


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("MAC", "mac"),
        ("mac_address", "mac"),
        ("MAC Address", "mac"),
        ("IPEI", "ipei"),
        ("ipui", "ipei"),
        ("Identifier", None),
        ("Serial", None),
        ("SerialNumber", None),
        ("serial number", None),
    ],
)
def test_a_columns_name_says_which_kind_of_identifier_it_holds(
    fs: FakeFilesystem, header: str, kind: str | None
) -> None:
    (row,) = read_file(fs, f"{header}\n001565abcdef\n")
    assert (row.column, row.kind) == (header, kind)
    assert column_kind(header) == kind


def test_an_rfpi_column_is_never_read_as_an_identifier(fs: FakeFilesystem) -> None:
    content = "SKU,RFPI,IPEI\nW73H,0123456789,0DEADBEEF4\nW73H,0123456789,\n"
    assert refusal(fs, content) == "shipment.csv line 3: no identifier"


def test_an_rfpi_column_next_to_an_ipei_column_is_ignored(fs: FakeFilesystem) -> None:
    rows = read_file(fs, "RFPI,IPEI\n0123456789,0DEADBEEF4\n")
    assert (rows[0].identifier, rows[0].column) == ("0DEADBEEF4", "IPEI")


# --- refusals -------------------------------------------------------------------------------------


def test_a_file_in_no_known_encoding_is_refused(fs: FakeFilesystem) -> None:
    # 0x81 is undefined in Windows-1252, and no UTF-8 either.
    content = b"MAC;Beschreibung\n001565abcdef;Ger\x81t\n"
    assert refusal(fs, content) == (
        "shipment.csv line 2: not UTF-8, UTF-16 or Windows-1252 text (byte 0x81)"
    )


@pytest.mark.parametrize("content", ["", "\n\n", "\ufeff", "MAC,SKU\n", "MAC,SKU\r\n\r\n,\r\n"])
def test_a_file_without_rows_is_refused(fs: FakeFilesystem, content: str) -> None:
    assert refusal(fs, content) == "shipment.csv: no rows"


def test_a_file_without_an_identifier_column_names_the_accepted_ones(fs: FakeFilesystem) -> None:
    message = refusal(fs, "SKU;Description\nT54W;Desk phone\n")
    assert message.startswith("shipment.csv: no identifier column")
    for name in ("MAC", "MAC Address", "IPEI", "IPUI", "Identifier", "Serial", "Serial Number"):
        assert name in message
    assert "'SKU', 'Description'" in message


def test_a_file_with_only_an_rfpi_column_is_told_why(fs: FakeFilesystem) -> None:
    message = refusal(fs, "RFPI,Model\n0123456789,W70B\n")
    assert message.startswith("shipment.csv: no identifier column")
    assert "RFPI names a base's radio" in message


def test_a_row_without_an_identifier_is_refused_with_its_line(fs: FakeFilesystem) -> None:
    content = "Unit,SKU,MAC\n1,T54W,001565abcdef\n\n\n2,T54W,\n"
    assert refusal(fs, content) == "shipment.csv line 5: no identifier"


def test_two_different_identifiers_in_one_row_are_refused(fs: FakeFilesystem) -> None:
    content = "MAC;IPEI\n001565abcdef;\n805ec0abcdef;0DEADBEEF4\n"
    assert refusal(fs, content) == (
        "shipment.csv line 3: two different identifiers, MAC '805ec0abcdef' and IPEI '0DEADBEEF4'"
    )


@pytest.mark.parametrize("unit", ["0", "-1", "x", "7.0", "#", "##7", "# 7", "\u0667"])
def test_a_unit_that_is_not_a_positive_integer_is_refused(fs: FakeFilesystem, unit: str) -> None:
    message = refusal(fs, f"Unit;MAC\n1;001565abcdef\n{unit};001565abcdee\n")
    assert message == f"shipment.csv line 3: unit {unit!r} is not a positive whole number"


def test_the_source_defaults_to_a_dash() -> None:
    with pytest.raises(InvalidInput, match=r"^-: no rows$"):
        read_shipments(b"")
