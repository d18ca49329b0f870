"""Shipping files as vendors and distributors really write them (hwctl.io.shipments).

The contents are made up, modelled on public formats: a Poly Lens device export, a Yeastar
auto-provisioning list, German and French delivery notes, an IP-DECT user import, Excel's
"Unicode Text" and `sep=` files. Each is read from bytes, as the CLI reads a file.
"""

from __future__ import annotations

import codecs

import pytest

from hwctl.domain.shipment import ShipmentRow as DomainShipmentRow
from hwctl.errors import InvalidInput
from hwctl.io.shipments import (
    IDENTIFIER_HEADERS,
    ShipmentRow,
    column_kind,
    header_key,
    read_shipments,
)


def read(data: bytes | str) -> list[ShipmentRow]:
    return read_shipments(data, "delivery.csv")


def refusal(data: bytes | str) -> str:
    """The one-line message a file is refused with."""
    with pytest.raises(InvalidInput) as caught:
        read(data)
    message = str(caught.value)
    assert "\n" not in message
    return message


def summary(rows: list[ShipmentRow]) -> list[tuple[int, str, str, str | None]]:
    """(line, identifier, column, kind) of each row."""
    return [(r.line, r.identifier, r.column, r.kind) for r in rows]


def test_the_row_type_lives_in_the_domain_and_io_re_exports_it() -> None:
    assert ShipmentRow is DomainShipmentRow


# --- vendors' and distributors' files -------------------------------------------------------------


def test_a_poly_lens_device_export_reads_the_mac_and_ignores_the_serial_beside_it() -> None:
    content = (
        "Device Name,Model,MAC Address,Serial Number,Site,Software Version\n"
        "Reception,CCX 400,00:04:F2:A1:B2:C3,0004F2A1B2C3,HQ Berlin,8.1.3.1301\n"
        '"Meeting room ""Spree"", 2nd floor",VVX 450,64:16:7F:12:34:56,64167F123456,'
        "HQ Berlin,6.4.6.2164\n"
    )
    assert read(content.encode()) == [
        ShipmentRow(
            line=2,
            unit=None,
            sku=None,
            models=(("Model", "CCX 400"),),
            identifier="00:04:F2:A1:B2:C3",
            column="MAC Address",
            kind="mac",
        ),
        ShipmentRow(
            line=3,
            unit=None,
            sku=None,
            models=(("Model", "VVX 450"),),
            identifier="64:16:7F:12:34:56",
            column="MAC Address",
            kind="mac",
        ),
    ]


def test_a_yeastar_auto_provisioning_list_keeps_the_vendors_model_names() -> None:
    content = (
        "MAC Address,Model,Extension,Template\n"
        "805EC0123456,SIP-T54W,1001,Yealink T5X default\n"
        "805EC0123457,W70B,1002,Yealink DECT default\n"
    )
    rows = read(content.encode())
    assert summary(rows) == [
        (2, "805EC0123456", "MAC Address", "mac"),
        (3, "805EC0123457", "MAC Address", "mac"),
    ]
    # The extension is a setting, not a unit number; the model is the vendor's, not bound here.
    assert [(r.unit, r.sku, r.models) for r in rows] == [
        (None, None, (("Model", "SIP-T54W"),)),
        (None, None, (("Model", "W70B"),)),
    ]


def test_a_german_delivery_note_with_sep_line_bom_and_crlf() -> None:
    content = (
        "sep=;\r\n"
        "Lieferschein;Artikelnummer;Bezeichnung;Seriennummer;MAC-Adresse;IPEI\r\n"
        "LS-2024-0815;W70B;Yealink W70B DECT-Basisstation, schwarz;"
        "W70B2411000123;80:5E:C0:11:22:33;\r\n"
        "LS-2024-0815;W73H;Yealink W73H Mobilteil „Büro“;W73H2411000456;;0DEADBEEF4\r\n"
        "LS-2024-0815;W73H;Yealink W73H Mobilteil;W73H2411000457;;57005 0782069 8\r\n"
        "\r\n"
    )
    rows = read(codecs.BOM_UTF8 + content.encode("utf-8"))
    # The sep line is line 1 and the header line 2; the serial numbers are the vendor's own.
    assert summary(rows) == [
        (3, "80:5E:C0:11:22:33", "MAC-Adresse", "mac"),
        (4, "0DEADBEEF4", "IPEI", "ipei"),
        (5, "57005 0782069 8", "IPEI", "ipei"),
    ]
    assert [r.models for r in rows] == [
        (("Artikelnummer", "W70B"),),
        (("Artikelnummer", "W73H"),),
        (("Artikelnummer", "W73H"),),
    ]
    assert {r.sku for r in rows} == {None}


def test_a_french_delivery_note_in_windows_1252_is_read() -> None:
    content = (
        "Référence;Désignation;Numéro de série;Adresse MAC\r\n"
        "SIP-T54W;Téléphone de bureau Yealink, écran couleur (89,00 €);"
        "T54W2403000077;00-15-65-AB-CD-EF\r\n"
        "SIP-T46U;Téléphone de bureau Yealink;T46U2403000078;00-15-65-AB-CD-F0\r\n"
    )
    data = content.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the file really is not UTF-8
    rows = read(data)
    assert summary(rows) == [
        (2, "00-15-65-AB-CD-EF", "Adresse MAC", "mac"),
        (3, "00-15-65-AB-CD-F0", "Adresse MAC", "mac"),
    ]
    # The accented header is decoded, matched and kept as written.
    assert [r.models for r in rows] == [(("Référence", "SIP-T54W"),), (("Référence", "SIP-T46U"),)]


def test_an_ip_dect_user_import_reads_the_ipei_ipdi_column() -> None:
    content = (
        "Name,Number,IPEI/IPDI,Model\n"
        "Anna Schmidt,201,00077 0123456 5,D83\n"
        "Jonas Weber,202,0004D1E241,D83\n"
    )
    rows = read(content.encode())
    assert summary(rows) == [
        (2, "00077 0123456 5", "IPEI/IPDI", "ipei"),
        (3, "0004D1E241", "IPEI/IPDI", "ipei"),
    ]
    assert [(r.unit, r.models) for r in rows] == [(None, (("Model", "D83"),))] * 2


@pytest.mark.parametrize(
    ("bom", "codec"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
)
def test_excel_unicode_text_is_utf16_with_a_bom_and_tabs(bom: bytes, codec: str) -> None:
    content = (
        "Unit\tProduct\tDescription\tMAC Address\r\n"
        "1\tT54W\tDesk phone, colour, 16 lines\t001565ABCDEF\r\n"
        "2\tT54W\tDesk phone; spare\t001565ABCDF0\r\n"
    )
    rows = read(bom + content.encode(codec))
    assert summary(rows) == [
        (2, "001565ABCDEF", "MAC Address", "mac"),
        (3, "001565ABCDF0", "MAC Address", "mac"),
    ]
    assert [(r.unit, r.models) for r in rows] == [
        (1, (("Product", "T54W"),)),
        (2, (("Product", "T54W"),)),
    ]


def test_quoted_fields_hold_separators_quotes_and_line_breaks() -> None:
    content = (
        "Item Code;Description;MAC;SKU\n"
        '"T54W";"Yealink SIP-T54W; black, ""Prime Business""";"00:15:65:AB:CD:EF";"T54W"\n'
        '"W70B";"Base station\nwith power supply";"80:5E:C0:11:22:33";"W70B"\n'
        '"T46U";"";"00:15:65:AB:CD:F0";""\n'
    )
    rows = read(content.encode())
    assert summary(rows) == [
        (2, "00:15:65:AB:CD:EF", "MAC", "mac"),
        (3, "80:5E:C0:11:22:33", "MAC", "mac"),
        (5, "00:15:65:AB:CD:F0", "MAC", "mac"),  # the line break inside a field counts
    ]
    assert [(r.sku, r.models) for r in rows] == [
        ("T54W", (("Item Code", "T54W"),)),
        ("W70B", (("Item Code", "W70B"),)),
        (None, (("Item Code", "T46U"),)),
    ]


# --- serial columns -------------------------------------------------------------------------------


def test_a_serial_number_beside_a_mac_is_not_read() -> None:
    # Yealink's serial is not its MAC: read as an identifier it would contradict the MAC.
    content = "Model,Serial Number,MAC\nSIP-T54W,801807D0123456,001565ABCDEF\n"
    assert summary(read(content)) == [(2, "001565ABCDEF", "MAC", "mac")]


def test_a_row_with_only_the_unread_serial_says_why_it_has_no_identifier() -> None:
    content = "Seriennummer;MAC-Adresse\nW70B2411000123;805EC0112233\nW70B2411000124;\n"
    assert refusal(content) == (
        "delivery.csv line 3: no identifier (the Seriennummer column is a vendor's serial "
        "beside MAC-Adresse: not read)"
    )


@pytest.mark.parametrize(
    "header", ["Serial Number", "SN", "S/N", "Seriennummer", "Numéro de série", "Numero de serie"]
)
def test_a_file_with_only_a_serial_column_is_read_by_shape(header: str) -> None:
    # Polycom's serial is its MAC: without another identifier column the serial is the one.
    content = f"Artikel;{header}\nVVX 450;0004F2A1B2C3\nW73H;0DEADBEEF4\n"
    rows = read(content.encode("cp1252"))
    assert summary(rows) == [
        (2, "0004F2A1B2C3", header, None),
        (3, "0DEADBEEF4", header, None),
    ]
    assert [r.models for r in rows] == [(("Artikel", "VVX 450"),), (("Artikel", "W73H"),)]


def test_a_serial_beside_an_identifier_column_is_not_read() -> None:
    content = "Identifier,Serial\n001565ABCDEF,YL-0042\n"
    assert summary(read(content)) == [(2, "001565ABCDEF", "Identifier", None)]


# --- several identifier columns on one row --------------------------------------------------------


def test_the_same_mac_written_two_ways_is_one_identifier() -> None:
    content = "MAC Address,Identifier\n00:15:65:AB:CD:EF,001565abcdef\n,0015.65ab.cdf0\n"
    assert summary(read(content)) == [
        (2, "00:15:65:AB:CD:EF", "MAC Address", "mac"),  # the MAC column names the kind
        (3, "0015.65ab.cdf0", "Identifier", None),
    ]


def test_the_same_ipei_written_two_ways_is_one_identifier() -> None:
    content = "IPUI;Identifier\n0DEADBEEF4;57005 0782068 7\n"
    assert summary(read(content)) == [(2, "0DEADBEEF4", "IPUI", "ipei")]


def test_twelve_digits_under_an_identifier_column_match_a_mac_of_the_same_digits() -> None:
    content = "MAC,Identifier\n00:15:65:12:34:56,001565123456\n"
    assert summary(read(content)) == [(2, "00:15:65:12:34:56", "MAC", "mac")]


def test_two_different_identifiers_are_refused_naming_both() -> None:
    content = "MAC Address;IPEI\n001565ABCDEF;\n805EC0112233;00077 0123456 5\n"
    assert refusal(content) == (
        "delivery.csv line 3: two different identifiers, MAC Address '805EC0112233' "
        "and IPEI '00077 0123456 5'"
    )


def test_a_mac_and_an_identifier_that_differ_are_refused() -> None:
    content = "MAC,Identifier\n00:15:65:AB:CD:EF,00:15:65:AB:CD:F0\n"
    assert refusal(content) == (
        "delivery.csv line 2: two different identifiers, MAC '00:15:65:AB:CD:EF' "
        "and Identifier '00:15:65:AB:CD:F0'"
    )


def test_unparsable_values_are_compared_as_text() -> None:
    # Left for the placement to refuse; only a real difference is a conflict here.
    assert summary(read("MAC,Identifier\nnot-a-mac,NOT-A-MAC\n")) == [
        (2, "not-a-mac", "MAC", "mac")
    ]
    assert "two different identifiers" in refusal("MAC,Identifier\nnot-a-mac,other\n")


def test_a_mixed_delivery_takes_each_rows_kind_from_its_filled_column() -> None:
    content = (
        "Unit,Device Type,MAC Address,IPUI Number\n"
        "1,DECT base,805EC0112233,\n"
        "2,Handset,,0004D1E240\n"
        "3,Handset,,00077 0123457 6\n"
        "4,Desk phone,00-15-65-AB-CD-EF,\n"
    )
    rows = read(content)
    assert summary(rows) == [
        (2, "805EC0112233", "MAC Address", "mac"),
        (3, "0004D1E240", "IPUI Number", "ipei"),
        (4, "00077 0123457 6", "IPUI Number", "ipei"),
        (5, "00-15-65-AB-CD-EF", "MAC Address", "mac"),
    ]
    assert [r.unit for r in rows] == [1, 2, 3, 4]
    assert rows[1].models == (("Device Type", "Handset"),)


def test_twelve_digits_under_both_a_mac_and_an_ipei_column_promise_neither_kind() -> None:
    assert summary(read("MAC;IPEI\n570050782068;570050782068\n")) == [
        (2, "570050782068", "MAC/IPEI", None)
    ]


# --- Excel's sep= line ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sep_line", "separator"),
    [
        ("sep=;", ";"),
        ("SEP=;", ";"),
        ('"sep=;"', ";"),
        ("sep=;;;", ";"),  # padded by a tool that read it as a row
        ("sep=,", ","),
        ("sep=\t", "\t"),
        ("Sep=|", "|"),
    ],
)
def test_a_sep_line_declares_the_separator_and_is_skipped(sep_line: str, separator: str) -> None:
    header = separator.join(["MAC", "Description", "Model"])
    row = separator.join(["001565ABCDEF", "Yealink, black; 2 lines", "T54W"])
    if separator in ",;":
        row = separator.join(["001565ABCDEF", '"Yealink, black; 2 lines"', "T54W"])
    rows = read(f"{sep_line}\r\n{header}\r\n{row}\r\n")
    assert summary(rows) == [(3, "001565ABCDEF", "MAC", "mac")]
    assert rows[0].models == (("Model", "T54W"),)


def test_the_declared_separator_wins_over_what_the_header_looks_like() -> None:
    # Without the sep line, the commas in the header would win.
    content = "sep=;\nMAC;Beschreibung, lang, mit Kommas, vielen\n001565ABCDEF;a, b, c, d\n"
    assert summary(read(content)) == [(3, "001565ABCDEF", "MAC", "mac")]


def test_a_sep_line_counts_for_the_line_numbers_of_errors() -> None:
    assert refusal("sep=;\nMAC;Unit\n001565ABCDEF;x\n") == (
        "delivery.csv line 3: unit 'x' is not a positive whole number"
    )


def test_a_file_with_only_a_sep_line_has_no_rows() -> None:
    assert refusal("sep=;\r\n") == "delivery.csv: no rows"


def test_a_header_that_merely_starts_with_sep_is_a_header() -> None:
    assert summary(read("Sep=ial;MAC\nx;001565ABCDEF\n")) == [(2, "001565ABCDEF", "MAC", "mac")]


# --- encodings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("byte", [0x81, 0x8D, 0x8F, 0x90, 0x9D])
def test_bytes_undefined_in_windows_1252_are_refused(byte: int) -> None:
    data = b"MAC;Beschreibung\r\n001565ABCDEF;Ger" + bytes([byte]) + b"t\r\n"
    assert refusal(data) == (
        f"delivery.csv line 2: not UTF-8, UTF-16 or Windows-1252 text (byte 0x{byte:02X})"
    )


def test_utf8_is_preferred_to_windows_1252() -> None:
    # "Ã©" would be the cp1252 reading of the UTF-8 bytes of "é".
    rows = read("Modèle;MAC\nT54W;001565ABCDEF\n".encode())
    assert rows[0].models == (("Modèle", "T54W"),)


def test_a_nul_byte_is_refused_with_its_line() -> None:
    assert refusal(b"MAC\n001565ABCDEF\n00156\x005ABCDF0\n") == (
        "delivery.csv line 3: a NUL character: not a text file, or UTF-16 without a byte order mark"
    )


def test_utf16_without_a_bom_is_refused() -> None:
    message = refusal("MAC\r\n001565ABCDEF\r\n".encode("utf-16-le"))
    assert message.startswith("delivery.csv line 1: a NUL character")


def test_broken_utf16_after_its_bom_is_refused() -> None:
    data = codecs.BOM_UTF16_LE + "MAC\r\n".encode("utf-16-le") + b"\x00\xd8"  # a lone surrogate
    assert refusal(data) == (
        "delivery.csv: not UTF-16 text, though it starts with a UTF-16 byte order mark"
    )


def test_broken_utf8_after_a_utf8_bom_is_refused() -> None:
    data = codecs.BOM_UTF8 + b"MAC;Notiz\n001565ABCDEF;Ger\xe4t\n"
    assert refusal(data) == (
        "delivery.csv line 2: not UTF-8 text, though it starts with a UTF-8 byte order mark"
    )


# --- header names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("IPEI/IPDI", "ipeiipdi"),
        ("Item #", "item"),
        ("Manufacturer_Part-Number", "manufacturerpartnumber"),
        ("Art.-Nr.:", "artnr"),
        ("Numéro de série", "numérodesérie"),
        ("NUMÉRO DE SÉRIE", "numérodesérie"),
        ("Nume\u0301ro de se\u0301rie", "numérodesérie"),  # decomposed accents (macOS)
    ],
)
def test_header_names_are_matched_without_case_and_punctuation(name: str, key: str) -> None:
    assert header_key(name) == key


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("MAC", "mac"),
        ("MAC Address", "mac"),
        ("mac_address", "mac"),
        ("MAC-Adresse", "mac"),
        ("MAC Adresse", "mac"),
        ("Adresse MAC", "mac"),
        ("IPEI", "ipei"),
        ("IPUI", "ipei"),
        ("IPEI/IPDI", "ipei"),
        ("ipei number", "ipei"),
        ("IPUI_Number", "ipei"),
        ("IPEI-Nummer", "ipei"),
        ("Identifier", None),
        ("SerialNumber", None),
        ("S/N", None),
        ("Numéro de série", None),
    ],
)
def test_identifier_columns_and_the_kind_their_name_promises(header: str, kind: str | None) -> None:
    value = "0DEADBEEF4" if kind == "ipei" else "001565ABCDEF"
    (row,) = read(f"Notes;{header}\nx;{value}\n")
    assert (row.identifier, row.column, row.kind) == (value, header, kind)
    assert column_kind(header) == kind


@pytest.mark.parametrize(
    "header",
    [
        "Model",
        "Device Model",
        "device_model",
        "Product",
        "Product Code",
        "Product Name",
        "Type",
        "Device Type",
        "Part Number",
        "Manufacturer Part Number",
        "Manufacturer_Part-Number",
        "Manufacturer Item Number",
        "MPN",
        "Article",
        "Article Number",
        "Artikel",
        "Artikelnummer",
        "Item",
        "Item #",
        "Item Number",
        "Item Code",
        "Modell",
        "Modèle",
        "MODÈLE",
        "Référence",
    ],
)
def test_model_like_columns_are_collected_as_written(header: str) -> None:
    (row,) = read(f"MAC;{header};Notes\n001565ABCDEF;SIP-T54W;x\n")
    assert (row.sku, row.models) == (None, ((header, "SIP-T54W"),))


def test_several_model_columns_keep_column_order_and_skip_empty_ones() -> None:
    content = "Product Name,SKU,MAC,MPN,Type\nYealink SIP-T54W,T54W,001565ABCDEF,,Desk phone\n"
    (row,) = read(content)
    assert row.sku == "T54W"
    assert row.models == (("Product Name", "Yealink SIP-T54W"), ("Type", "Desk phone"))


@pytest.mark.parametrize("header", ["Description", "Bezeichnung", "Désignation", "Extension"])
def test_descriptions_and_settings_are_not_models(header: str) -> None:
    (row,) = read(f"MAC;{header}\n001565ABCDEF;SIP-T54W\n")
    assert row.models == ()


@pytest.mark.parametrize("header", ["RFPI", "rfpi", "Serial", "Beschreibung"])
def test_columns_that_are_never_identifiers_have_no_kind(header: str) -> None:
    assert column_kind(header) is None


def test_a_file_without_an_identifier_column_lists_every_accepted_header() -> None:
    message = refusal("Artikelnummer;Bezeichnung\nW73H;Mobilteil\n")
    assert message.startswith("delivery.csv: no identifier column (accepted: MAC, ")
    for name in IDENTIFIER_HEADERS:
        assert name in message
    for name in ("MAC-Adresse", "Adresse MAC", "IPEI/IPDI", "Seriennummer", "Numéro de série"):
        assert name in message
    assert message.endswith("found 'Artikelnummer', 'Bezeichnung'")


def test_an_rfpi_column_alone_is_still_explained() -> None:
    message = refusal("RFPI;Artikelnummer\n0123456789;W70B\n")
    assert message.endswith("; RFPI names a base's radio, not a handset's IPEI")
