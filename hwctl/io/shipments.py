"""Reading a distributor's shipping CSV into `ShipmentRow`s (hwctl.domain.shipment).

Owns the file as it really arrives:
- the encoding: UTF-8 with or without BOM; UTF-16 with a BOM (Excel's "Unicode Text"); anything
  else that is not UTF-8 as Windows-1252 (Excel's plain CSV in Western Europe). Bytes undefined
  in Windows-1252 and NUL bytes are refused;
- the dialect: `,` `;` or tab, or the separator an Excel `sep=;` first line declares (that line
  is skipped but counted); CRLF; quoting; blank and trailing lines; extra columns;
- the header names, matched after `header_key` (case, spaces, `_ - / # . :` ignored; accents
  kept), in English, German and French.

Identifier columns: MAC ones (MAC, MAC Address, MAC-Adresse, Adresse MAC) and IPEI ones (IPEI,
IPUI, IPEI/IPDI, IPEI-Nummer) promise their kind; Identifier is read by shape. Serial columns
(Serial Number, S/N, Seriennummer, Numéro de série) are read, by shape, only in a file without
any other identifier column: beside a MAC they hold the vendor's own serial. RFPI columns are
never read: an RFPI names a base's radio, not a handset. Several identifier cells on one row
must name one identifier (compared after `hwctl.domain.identifiers` normalises them).

Model-like columns (Model, Part Number, Artikelnummer, Référence, ...) are collected as written,
not bound: the placement decides which one matches the catalog. Only a column named SKU binds.
Identifiers come back as raw text: validating them is the placement's job.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from hwctl.domain.identifiers import (
    normalise,
    parse_for_kind,
    parse_ipei,
    parse_mac,
    shapes,
)
from hwctl.domain.shipment import IdentifierColumnKind, ShipmentRow
from hwctl.errors import InvalidInput

__all__ = [
    "GENERIC_HEADERS",
    "IDENTIFIER_HEADERS",
    "IPEI_HEADERS",
    "MAC_HEADERS",
    "MODEL_HEADERS",
    "SERIAL_HEADERS",
    "SKU_HEADER",
    "UNIT_HEADERS",
    "ColumnKind",
    "IdentifierColumnKind",
    "ShipmentRow",
    "column_kind",
    "header_key",
    "read_shipments",
]

# Header names as people write them; matched after `header_key`, so `mac_address`, `MAC-Address`
# and `IPEI Nummer` need no entry of their own.
MAC_HEADERS = ("MAC", "MAC Address", "MAC-Adresse", "Adresse MAC")
IPEI_HEADERS = ("IPEI", "IPUI", "IPEI/IPDI", "IPEI Number", "IPUI Number", "IPEI-Nummer")
GENERIC_HEADERS = ("Identifier",)
SERIAL_HEADERS = (
    "Serial",
    "Serial Number",
    "Serial No",
    "S/N",
    "Seriennummer",
    "Numéro de série",
    "Numero de serie",
)
IDENTIFIER_HEADERS = MAC_HEADERS + IPEI_HEADERS + GENERIC_HEADERS + SERIAL_HEADERS
# Columns that may name the model: the vendor's model or part number, a distributor's article.
MODEL_HEADERS = (
    "Model",
    "Model Number",
    "Model Name",
    "Device Model",
    "Product",
    "Product Code",
    "Product Number",
    "Product Name",
    "Type",
    "Device Type",
    "Part Number",
    "Part No",
    "Manufacturer Part Number",
    "Manufacturer Item Number",
    "MPN",
    "Article",
    "Article Number",
    "Article No",
    "Item",
    "Item Number",
    "Item No",
    "Item Code",
    "Modell",
    "Artikel",
    "Artikelnummer",
    "Artikel-Nr.",
    "Art.-Nr.",
    "Modèle",
    "Modele",
    "Référence",
)
SKU_HEADER = "SKU"
UNIT_HEADERS = ("Unit", "Unit Number")
RFPI_HEADER = "RFPI"

ColumnKind = IdentifierColumnKind  # the older name

_DROPPED = frozenset(" _-/#.:")
_SEPARATORS = ",;\t"
_SNIFF_LINES = 20
_SNIFF_CHARS = 64 * 1024
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Excel's separator line: `sep=;` (any case, maybe quoted); tools that read it as a data row
# pad it with separators when they write the file back.
_SEP_LINE = re.compile(r'"?sep=(\\t|[^"\r\n])"?(.*)', re.IGNORECASE | re.DOTALL)
_UNDECODABLE = "not UTF-8, UTF-16 or Windows-1252 text"
_HEADER_MAX = 60  # a header name longer than this is shown cut
_QUOTE_LIMIT = 40  # a value longer than this is quoted cut
_NAMES_SHOWN = 10  # the header names "no identifier column" lists
_UNIT_DIGITS = 9  # a unit number has at most this many digits


def header_key(name: str) -> str:
    """A header as it is matched: casefolded, accents kept (NFC), without whitespace or
    `_ - / # . :` (`IPEI/IPDI` -> `ipeiipdi`, `Item #` -> `item`)."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())
    return "".join(c for c in folded if c not in _DROPPED and not c.isspace())


_COLUMN_KINDS: dict[str, IdentifierColumnKind] = {header_key(h): "mac" for h in MAC_HEADERS} | {
    header_key(h): "ipei" for h in IPEI_HEADERS
}
_GENERIC_KEYS = frozenset(header_key(h) for h in GENERIC_HEADERS)
_SERIAL_KEYS = frozenset(header_key(h) for h in SERIAL_HEADERS)
_MODEL_KEYS = frozenset(header_key(h) for h in MODEL_HEADERS)
_SKU_KEY = header_key(SKU_HEADER)
_UNIT_KEYS = frozenset(header_key(h) for h in UNIT_HEADERS)
_RFPI_KEY = header_key(RFPI_HEADER)


def column_kind(column: str) -> IdentifierColumnKind | None:
    """The identifier kind a column's name promises ("mac" for MAC / MAC Address / MAC-Adresse,
    "ipei" for IPEI / IPUI / IPEI/IPDI), or None for the others (Identifier, serial columns)."""
    return _COLUMN_KINDS.get(header_key(column))


@dataclass(frozen=True)
class _Columns:
    identifiers: tuple[int, ...]  # the columns read, in column order
    kinds: dict[int, IdentifierColumnKind | None]
    unread_serials: tuple[int, ...]  # serial columns beside a MAC / IPEI / Identifier column
    sku: tuple[int, ...]
    models: tuple[int, ...]
    unit: int | None


def _columns(header: list[str]) -> _Columns:
    keys = [header_key(name) for name in header]
    named = [i for i, key in enumerate(keys) if key in _COLUMN_KINDS or key in _GENERIC_KEYS]
    serials = tuple(i for i, key in enumerate(keys) if key in _SERIAL_KEYS)
    identifiers = tuple(sorted(named)) if named else serials
    return _Columns(
        identifiers=identifiers,
        kinds={i: _COLUMN_KINDS.get(keys[i]) for i in identifiers},
        unread_serials=serials if named else (),
        sku=tuple(i for i, key in enumerate(keys) if key == _SKU_KEY),
        models=tuple(i for i, key in enumerate(keys) if key in _MODEL_KEYS),
        unit=next((i for i, key in enumerate(keys) if key in _UNIT_KEYS), None),
    )


# --- bytes to text --------------------------------------------------------------------------------


def _line_of(data: bytes, offset: int) -> int:
    return len(_LINE_BREAK.findall(data[:offset].decode("latin-1"))) + 1


def _decode(data: bytes | str, source: str) -> str:
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")  # the BOM says the byte order and is dropped
        except UnicodeDecodeError:
            raise InvalidInput(
                f"{source}: not UTF-16 text, though it starts with a UTF-16 byte order mark"
            ) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as utf8_error:
            if data.startswith(codecs.BOM_UTF8):
                line = _line_of(data, utf8_error.start)
                raise InvalidInput(
                    f"{source} line {line}: not UTF-8 text, though it starts with a UTF-8 "
                    "byte order mark"
                ) from None
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as error:
                byte = data[error.start]
                line = _line_of(data, error.start)
                raise InvalidInput(
                    f"{source} line {line}: {_UNDECODABLE} (byte 0x{byte:02X})"
                ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = len(_LINE_BREAK.findall(text[:nul])) + 1
        raise InvalidInput(
            f"{source} line {line}: a NUL character: not a text file, "
            "or UTF-16 without a byte order mark"
        )
    return text


def _declared_separator(text: str) -> tuple[str | None, str]:
    """The separator an Excel `sep=` first line declares, and the text with that line emptied
    (its line break kept, so physical line numbers stay right)."""
    first = _LINE_BREAK.split(text, maxsplit=1)[0]
    match = _SEP_LINE.fullmatch(first.strip(" "))
    if match is None:
        return None, text
    separator = "\t" if match[1] == "\\t" else match[1]
    if any(c not in (separator, " ", '"') for c in match[2]):
        return None, text  # `sep=` followed by other cells: a data row, not Excel's line
    return separator, text[len(first) :]


# --- text to records ------------------------------------------------------------------------------


def _records(text: str, delimiter: str, source: str) -> Iterator[tuple[int, list[str]]]:
    """(starting physical line, cells) for every record, blank lines included as []."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InvalidInput(f"{source} line {start}: {error}") from None
        yield start, cells


def _is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _delimiter_candidates(text: str) -> list[str]:
    """Separators to try, likeliest first: the sniffer's pick, then by count in the header line."""
    head = _LINE_BREAK.split(text[:_SNIFF_CHARS])
    lines = [line for line in head if line.strip()][:_SNIFF_LINES]
    if not lines:
        return [","]
    candidates: list[str] = []
    with contextlib.suppress(csv.Error):  # the sniffer gives up on single-column files
        candidates.append(csv.Sniffer().sniff("\n".join(lines), delimiters=_SEPARATORS).delimiter)
    header_line = lines[0]
    by_count = sorted(_SEPARATORS, key=lambda sep: -header_line.count(sep))
    candidates += [sep for sep in by_count if header_line.count(sep) and sep not in candidates]
    if "," not in candidates:
        candidates.append(",")  # a single-column file
    return candidates


def _header(text: str, delimiter: str, source: str) -> tuple[int, list[str]] | None:
    """The first non-blank record (its line and names as messages show them), or None for a
    blank file."""
    for line, cells in _records(text, delimiter, source):
        if not _is_blank(cells):
            return line, [_header_name(cell) for cell in cells]
    return None


def _header_name(cell: str) -> str:
    """A header cell as it is matched and shown: each run of whitespace (line breaks in a quoted
    header included) one space, so a message naming the column stays one line; a name longer
    than any real column's is cut (matching ignores whitespace, so `"MAC\nAddress"` is still
    MAC Address)."""
    name = " ".join(cell.split())
    return name if len(name) <= _HEADER_MAX else name[:_HEADER_MAX] + "…"


def _shown(text: str) -> str:
    """A value from the file, quoted and escaped to one line, cut if very long."""
    return repr(text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "…")


def read_shipments(data: bytes | str, source: str = "-") -> list[ShipmentRow]:
    """Read a shipping CSV (bytes as they arrive, or text); each error is one line naming
    `source` (and the line, if any)."""
    text = _decode(data, source)
    declared, text = _declared_separator(text)
    candidates = [declared] if declared is not None else _delimiter_candidates(text)

    chosen: tuple[str, int, list[str], _Columns] | None = None
    first_header: list[str] | None = None
    for delimiter in candidates:
        found = _header(text, delimiter, source)
        if found is None:
            raise InvalidInput(f"{source}: no rows")
        header_line, header = found
        first_header = first_header or header
        columns = _columns(header)
        if columns.identifiers:
            chosen = (delimiter, header_line, header, columns)
            break
    if chosen is None:
        raise InvalidInput(_no_identifier_column(source, first_header or []))

    delimiter, header_line, header, columns = chosen
    rows: list[ShipmentRow] = []
    for line, cells in _records(text, delimiter, source):
        if line <= header_line or _is_blank(cells):
            continue
        rows.append(_row(line, cells, header, columns, source))
    if not rows:
        raise InvalidInput(f"{source}: no rows")
    return rows


def _no_identifier_column(source: str, names: list[str]) -> str:
    accepted = ", ".join(IDENTIFIER_HEADERS)
    seen = ", ".join(_shown(name) for name in names[:_NAMES_SHOWN])
    if len(names) > _NAMES_SHOWN:
        seen += f" and {len(names) - _NAMES_SHOWN} more"
    rfpi = any(header_key(name) == _RFPI_KEY for name in names)
    hint = "; RFPI names a base's radio, not a handset's IPEI" if rfpi else ""
    return f"{source}: no identifier column (accepted: {accepted}); found {seen}{hint}"


# --- one record -----------------------------------------------------------------------------------


def _cell(cells: list[str], index: int | None) -> str | None:
    if index is None or index >= len(cells):
        return None
    return cells[index].strip() or None


def _identities(value: str, kind: IdentifierColumnKind | None) -> frozenset[str]:
    """What a cell may name: its text (casefolded) and, when it parses, the storage key of each
    kind it can be (one for a MAC / IPEI column; by shape for the others). Two cells name the
    same identifier when these overlap; a value that does not parse is left for the placement
    to refuse."""
    keys = {value.strip().casefold()}
    try:
        if kind == "mac":
            keys.add(normalise(parse_mac(value)))
        elif kind == "ipei":
            keys.add(normalise(parse_ipei(value)))
        else:
            keys.update(normalise(parse_for_kind(value, shape)) for shape in shapes(value))
    except InvalidInput:
        pass
    return frozenset(keys)


def _row(
    line: int, cells: list[str], header: list[str], columns: _Columns, source: str
) -> ShipmentRow:
    where = f"{source} line {line}"
    filled = [(i, value) for i in columns.identifiers if (value := _cell(cells, i)) is not None]
    if not filled:
        unread = [header[i] for i in columns.unread_serials if _cell(cells, i) is not None]
        hint = (
            f" (the {unread[0]} column is a vendor's serial beside "
            f"{'/'.join(header[i] for i in columns.identifiers)}: not read)"
            if unread
            else ""
        )
        raise InvalidInput(f"{where}: no identifier{hint}")
    identities = [_identities(value, columns.kinds[i]) for i, value in filled]
    for a in range(len(filled)):
        for b in range(a + 1, len(filled)):
            if not identities[a] & identities[b]:
                (first, first_value), (other, other_value) = filled[a], filled[b]
                raise InvalidInput(
                    f"{where}: two different identifiers, {header[first]} {_shown(first_value)} "
                    f"and {header[other]} {_shown(other_value)}"
                )
    named = [(i, value) for i, value in filled if columns.kinds[i] is not None]
    kinds = {columns.kinds[i] for i, _ in named}
    kind: IdentifierColumnKind | None
    if len(kinds) == 1:
        (first, identifier), kind = named[0], columns.kinds[named[0][0]]
        column = header[first]
    elif not kinds:
        (first, identifier), kind = filled[0], None
        column = header[first]
    else:
        # The same value under MAC and IPEI both promises neither kind: name both columns, so
        # the row is classified by shape like a generic column's.
        identifier, kind = named[0][1], None
        column = "/".join(dict.fromkeys(header[i] for i, _ in named))
    return ShipmentRow(
        line=line,
        unit=_unit(_cell(cells, columns.unit), where),
        sku=next((v for i in columns.sku if (v := _cell(cells, i)) is not None), None),
        models=tuple((header[i], v) for i in columns.models if (v := _cell(cells, i)) is not None),
        identifier=identifier,
        column=column,
        kind=kind,
    )


def _unit(value: str | None, where: str) -> int | None:
    if value is None:
        return None
    digits = value.removeprefix("#")
    if not (digits.isascii() and digits.isdigit()) or not digits.lstrip("0"):
        raise InvalidInput(f"{where}: unit {_shown(value)} is not a positive whole number")
    if len(digits.lstrip("0")) > _UNIT_DIGITS:
        # No order has a billion units; and Python converts at most 4,300 digits to an int.
        raise InvalidInput(f"{where}: unit {_shown(value)} is out of range")
    return int(digits)
