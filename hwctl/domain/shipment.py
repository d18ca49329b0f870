"""One row of a distributor's shipping file, as the file states it.

A plain value read by `hwctl.io.shipments` and placed on an order's units by the fulfilment plan.
Nothing here is interpreted yet: the identifier is the raw text (the placement parses and refuses
it), the model-like columns are kept as written (the placement decides which one binds to the
order's SKUs, using the catalog). Pure: standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# What an identifier column's name promises: a MAC column (MAC, MAC Address, MAC-Adresse, ...)
# holds MACs, an IPEI column (IPEI, IPUI, IPEI/IPDI, ...) IPEIs.
IdentifierColumnKind = Literal["mac", "ipei"]


@dataclass(frozen=True)
class ShipmentRow:
    """One shipped unit as the file states it.

    - `line`: the physical line the record starts on (1-based; a `sep=` line counts).
    - `unit`: the unit number from a Unit / Unit Number column, if any.
    - `sku`: the value of a column named exactly SKU: it binds to the order's SKU strictly.
    - `models`: (header as written, value) for every model-like column (Model, Part Number,
      Artikelnummer, ...) with a non-empty value, in column order; the placement decides which
      one matches the catalog.
    - `identifier`: the raw identifier text.
    - `column`: the header it came from ("MAC Address"; "MAC/IPEI" when the same value is under a
      MAC and an IPEI column).
    - `kind`: what the column's name promises; None for generic and serial columns, and for a
      value under both a MAC and an IPEI column (then its shape decides).
    """

    line: int
    unit: int | None
    sku: str | None
    models: tuple[tuple[str, str], ...]
    identifier: str
    column: str
    kind: IdentifierColumnKind | None
