"""Reading a distributor's shipment/serial CSV into plain rows.

Owns the file's dialect (UTF-8 with or without BOM; `,` `;` or tab; CRLF; quoting; blank lines)
and its header aliases (MAC Address, IPUI, Serial Number, PartNumber, ...). Identifiers come back
as raw text: classifying and validating them is `hwctl.domain.identifiers`' job, placing them on
units the fulfilment plan's. RFPI columns are never read: an RFPI names a base's radio, not a
handset.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from hwctl.errors import InvalidInput

# Header names as people write them; matched after `_header_key` (case, spaces, `_`, `-` ignored).
IDENTIFIER_HEADERS = (
    "MAC",
    "MAC Address",
    "IPEI",
    "IPUI",
    "Identifier",
    "Serial",
    "Serial Number",
)
# In order of preference when a file has several: the manufacturer's number is the catalog SKU,
# a distributor's own item number is only a fallback.
SKU_HEADERS = (
    "SKU",
    "Manufacturer Item Number",
    "Manufacturer Part Number",
    "Part Number",
    "Item Number",
    "Model",
)
UNIT_HEADERS = ("Unit", "Unit Number")
ColumnKind = Literal["mac", "ipei"]
# Identifier columns whose name says the kind; the others (Identifier, Serial, Serial Number) do
# not, and their values are classified by shape.
_MAC_HEADERS = ("MAC", "MAC Address")
_IPEI_HEADERS = ("IPEI", "IPUI")

_SEPARATORS = ",;\t"
_SNIFF_LINES = 20
_SNIFF_CHARS = 64 * 1024
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class ShipmentRow:
    """One shipped unit as the file states it; `line` is the physical line its record starts on."""

    line: int
    unit: int | None
    sku: str | None
    identifier: str
    column: str

    @property
    def kind(self) -> ColumnKind | None:
        """The kind the column's name promises ("mac" or "ipei"); None for a generic column."""
        return column_kind(self.column)


def _header_key(name: str) -> str:
    return "".join(c for c in name.casefold() if c not in " _-")


_COLUMN_KINDS: dict[str, ColumnKind] = {_header_key(h): "mac" for h in _MAC_HEADERS} | {
    _header_key(h): "ipei" for h in _IPEI_HEADERS
}


def column_kind(column: str) -> ColumnKind | None:
    """The identifier kind a column's name promises ("mac" for MAC / MAC Address, "ipei" for
    IPEI / IPUI), or None for the generic ones (Identifier, Serial, Serial Number)."""
    return _COLUMN_KINDS.get(_header_key(column))


_IDENTIFIER_KEYS = frozenset(_header_key(h) for h in IDENTIFIER_HEADERS)
_SKU_KEYS = tuple(_header_key(h) for h in SKU_HEADERS)
_UNIT_KEYS = frozenset(_header_key(h) for h in UNIT_HEADERS)


@dataclass(frozen=True)
class _Columns:
    identifiers: list[int]
    skus: list[int]
    unit: int | None


def _columns(header: list[str]) -> _Columns:
    keys = [_header_key(name) for name in header]
    identifiers = [i for i, key in enumerate(keys) if key in _IDENTIFIER_KEYS]
    skus = sorted(
        (i for i, key in enumerate(keys) if key in _SKU_KEYS),
        key=lambda i: (_SKU_KEYS.index(keys[i]), i),
    )
    unit = next((i for i, key in enumerate(keys) if key in _UNIT_KEYS), None)
    return _Columns(identifiers, skus, unit)


def _decode(data: bytes | str, source: str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{source}: not UTF-8 text") from None


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
    """The first non-blank record (its line and stripped names), or None for a blank file."""
    for line, cells in _records(text, delimiter, source):
        if not _is_blank(cells):
            return line, [cell.strip() for cell in cells]
    return None


def read_shipments(data: bytes | str, source: str = "-") -> list[ShipmentRow]:
    """Read a shipment CSV; each error is one line naming `source` (and the line, if any)."""
    text = _decode(data, source)

    chosen: tuple[str, int, list[str], _Columns] | None = None
    first_header: list[str] | None = None
    for delimiter in _delimiter_candidates(text):
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
        accepted = ", ".join(IDENTIFIER_HEADERS)
        names = first_header or []
        seen = ", ".join(repr(name) for name in names)
        rfpi = any(_header_key(name) == "rfpi" for name in names)
        hint = "; RFPI names a base's radio, not a handset's IPEI" if rfpi else ""
        raise InvalidInput(
            f"{source}: no identifier column (accepted: {accepted}); found {seen}{hint}"
        )

    delimiter, header_line, header, columns = chosen
    rows: list[ShipmentRow] = []
    for line, cells in _records(text, delimiter, source):
        if line <= header_line or _is_blank(cells):
            continue
        rows.append(_row(line, cells, header, columns, source))
    if not rows:
        raise InvalidInput(f"{source}: no rows")
    return rows


def _cell(cells: list[str], index: int | None) -> str | None:
    if index is None or index >= len(cells):
        return None
    return cells[index].strip() or None


def _row(
    line: int, cells: list[str], header: list[str], columns: _Columns, source: str
) -> ShipmentRow:
    where = f"{source} line {line}"
    filled = [(i, value) for i in columns.identifiers if (value := _cell(cells, i)) is not None]
    if not filled:
        raise InvalidInput(f"{where}: no identifier")
    first_index, identifier = filled[0]
    for other_index, other in filled[1:]:
        if other.casefold() != identifier.casefold():
            raise InvalidInput(
                f"{where}: two different identifiers, {header[first_index]} {identifier!r} "
                f"and {header[other_index]} {other!r}"
            )
    sku = next((v for i in columns.skus if (v := _cell(cells, i)) is not None), None)
    names = [header[i] for i, _ in filled]
    # The same value under MAC and IPEI both promises neither kind: name both columns, so the
    # row is classified by shape like a generic column's.
    kinds = {column_kind(name) for name in names}
    column = names[0] if len(kinds) == 1 else "/".join(dict.fromkeys(names))
    return ShipmentRow(
        line=line,
        unit=_unit(_cell(cells, columns.unit), where),
        sku=sku,
        identifier=identifier,
        column=column,
    )


def _unit(value: str | None, where: str) -> int | None:
    if value is None:
        return None
    digits = value.removeprefix("#")
    if not (digits.isascii() and digits.isdigit()) or int(digits) < 1:
        raise InvalidInput(f"{where}: unit {value!r} is not a positive whole number")
    return int(digits)
