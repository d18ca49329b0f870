"""Placing a shipping file's rows on an order's units: which identifier goes to which unit.

A MAC on the wrong model is the worst thing fulfilment can do (the phone is provisioned as the
wrong model, for the wrong user), so placement never guesses between models:

- a row names its unit (a Unit column), or its SKU: a SKU column, or a model-like column (Model,
  Product, Part Number, Article, ...) whose values name the order's SKUs or their catalog aliases;
- which model-like column names the model is decided by its values: a column none of whose values
  binds is ignored with a warning (it may hold a device type or a description); in a column that
  binds, a value that binds to no SKU of the order is an error on that row;
- a row that names no SKU goes to the one SKU of the order that can take its identifier (the
  identifier's kind, and units still without a device); when several could, the MAC's registered
  vendor decides if it matches exactly one of them; otherwise the file is refused, naming the rows
  and the SKUs they could be;
- an identifier listed twice in the file is refused, naming it and both lines;
- a retry (or a later parcel) that repeats an identifier a unit already has goes back to that unit;
- within one SKU, rows fill its units still without a device in unit order, taken in the order of
  their identifiers rather than the file's, so sorting or reshuffling a file never changes where an
  identifier lands.

Pure: the registry lookup comes in as a function.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hwctl.domain.fulfilment import (
    DEVICE_WITH_ARTICLE,
    KIND_LABEL,
    KIND_WITH_ARTICLE,
    Answer,
    Slot,
    key_of,
)
from hwctl.domain.identifiers import (
    IdentifierKind,
    kind_for_device,
    normalise,
    parse_for_kind,
    shapes,
)
from hwctl.domain.shipment import ShipmentRow
from hwctl.errors import InvalidInput

VendorOf = Callable[[str], str | None]  # a MAC's storage key -> its registered phone vendor
LINES_NAMED = 10  # a refusal names at most this many lines, then a count


_QUOTE_LIMIT = 40


def _q(text: str) -> str:
    """A value from the file as a message quotes it: escaped to one line, cut if very long (a
    cell may hold a hundred thousand characters)."""
    return repr(text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "…")


def model_key(text: str) -> str:
    """The form a model value binds in: case, spaces, `-`, `_` and `.` ignored
    (`Yealink SIP-T54W` -> `yealinksipt54w`)."""
    return "".join(c for c in text.casefold() if c not in " \t-_.")


def catalog_keys(items: Sequence[tuple[str, Sequence[str]]]) -> dict[str, str | None]:
    """`model_key` -> SKU for the (sku, aliases) items of one platform. Raises InvalidInput when
    an alias would name two SKUs (shared by two items, or another item's SKU). Two SKUs that
    differ only in case or punctuation (`T54W`, `t-54w`) map to None: a value naming either
    binds to neither."""
    out: dict[str, str | None] = {}
    for sku, _ in items:
        key = model_key(sku)
        out[key] = sku if out.get(key, sku) == sku else None
    for sku, aliases in items:
        for alias in aliases:
            key = model_key(alias)
            if not key:
                raise InvalidInput(f"SKU {sku!r}: alias {alias!r} has nothing to match on")
            owner = out.setdefault(key, sku)
            if owner != sku:
                other = f"SKU {owner!r}" if owner else "two SKUs"
                raise InvalidInput(f"alias {alias!r} of SKU {sku!r} would also name {other}")
    return out


@dataclass
class Placement:
    """The identifier given for each unit (by unit number) and what the file made us doubt."""

    answers: dict[int, Answer] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _lines(numbers: Sequence[int]) -> str:
    numbers = sorted(numbers)
    word = "line" if len(numbers) == 1 else "lines"
    named = ", ".join(map(str, numbers[:LINES_NAMED]))
    rest = len(numbers) - LINES_NAMED
    return f"{word} {named}" + (f" and {rest} more" if rest > 0 else "")


def refuse_duplicates(rows: Sequence[ShipmentRow], source: str) -> None:
    """Refuse a file that lists one identifier twice (in any printed form), naming it and its
    first two lines: `shipped.csv: MAC 80:5e:c0:00:00:99 is listed twice, on lines 2 and 5`.
    A value is read as its column promises (a MAC or IPEI column), else as whichever kinds it is
    valid as; one no kind takes is left to the placement to refuse."""
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        for kind in (row.kind,) if row.kind is not None else ("mac", "ipei"):
            try:
                ident = parse_for_kind(row.identifier, kind)
            except InvalidInput:
                continue
            first = seen.setdefault((kind, normalise(ident)), row.line)
            if first != row.line:
                raise InvalidInput(
                    f"{source}: {KIND_LABEL[kind]} {ident.display} is listed twice, on lines "
                    f"{first} and {row.line}"
                )


def place_rows(
    slots: Sequence[Slot],
    rows: Sequence[ShipmentRow],
    source: str,
    *,
    vendor_of: VendorOf | None = None,
) -> Placement:
    """Put each row on a unit (see the module's rules). Raises InvalidInput, naming the line, for
    a row that cannot be placed; nothing is placed then. Linear in rows and units."""
    refuse_duplicates(rows, source)
    by_number = {s.number: s for s in slots}
    by_sku: dict[str, list[Slot]] = defaultdict(list)
    for s in slots:
        by_sku[s.sku].append(s)
    skus = sorted(by_sku)
    binding = catalog_keys([(sku, by_sku[sku][0].aliases) for sku in skus])
    by_key = {s.device_key: s for s in slots if s.device_key}
    placement = Placement()
    placed_line: dict[int, int] = {}

    def origin(row: ShipmentRow) -> str:
        return f"{source} line {row.line}"

    def put(slot: Slot, row: ShipmentRow) -> None:
        if row.kind is not None and row.kind != slot.wants:
            # The column's name is a promise: a MAC column never fills a handset, nor an IPEI
            # column a desk phone or base, whatever the value looks like.
            raise InvalidInput(
                f"{origin(row)}: {_q(row.identifier)} is in the {row.column} column, but "
                f"{slot.label} is {DEVICE_WITH_ARTICLE.get(slot.kind, slot.kind)} and needs "
                f"{KIND_WITH_ARTICLE[slot.wants]}"
            )
        if slot.number in placement.answers:
            raise InvalidInput(
                f"{origin(row)}: {slot.label} already has an identifier from line "
                f"{placed_line[slot.number]}"
            )
        placement.answers[slot.number] = Answer(row.identifier, origin(row))
        placed_line[slot.number] = row.line

    # -- which model-like columns bind ----------------------------------------------------------
    bound: dict[str, bool] = {}
    for row in rows:
        for header, value in row.models:
            bound[header] = bound.get(header, False) or model_key(value) in binding
    chosen = {header for header, binds in bound.items() if binds}
    for header, binds in bound.items():
        if not binds:
            placement.warnings.append(
                f"{source}: column {_q(header)} ignored: none of its values names a SKU of this "
                f"order ({', '.join(skus)})"
            )

    def named_sku(row: ShipmentRow) -> str | None:
        """The SKU the row names (SKU column, binding model columns), None when it names none."""
        named: dict[str, str] = {}  # sku -> what named it
        if row.sku is not None:
            sku = binding.get(model_key(row.sku))
            if sku is None and row.sku in by_sku:
                sku = row.sku  # SKUs told apart only by case or punctuation: exact wins
            if sku is None:
                raise InvalidInput(
                    f"{origin(row)}: SKU {_q(row.sku)} is not on this order "
                    f"(it has {', '.join(skus)})"
                )
            named.setdefault(sku, f"SKU {_q(row.sku)}")
        for header, value in row.models:
            if header not in chosen:
                continue
            sku = binding.get(model_key(value))
            if sku is None:
                raise InvalidInput(
                    f"{origin(row)}: {header} {_q(value)} names no SKU of this order "
                    f"(it has {', '.join(skus)})"
                )
            named.setdefault(sku, f"{header} {_q(value)}")
        if len(named) > 1:
            what = " and ".join(f"{how} ({sku})" for sku, how in named.items())
            raise InvalidInput(f"{origin(row)}: the row names two models: {what}")
        return next(iter(named), None)

    def kinds_of(row: ShipmentRow) -> set[IdentifierKind]:
        if row.kind is not None:
            # A MAC / IPEI column: only that kind, and a bad value gets that kind's reason.
            try:
                parse_for_kind(row.identifier, row.kind, context=f"the {row.column} column")
            except InvalidInput as e:
                raise InvalidInput(f"{origin(row)}: {e.message}") from None
            return {row.kind}
        kinds = shapes(row.identifier)
        if not kinds:
            wanted = {s.wants for s in slots}
            if len(wanted) == 1:
                # Every unit wants one kind: its parser says what is wrong (multicast, check...).
                (kind,) = wanted
                try:
                    parse_for_kind(row.identifier, kind)
                except InvalidInput as e:
                    raise InvalidInput(f"{origin(row)}: {e.message}") from None
            raise InvalidInput(
                f"{origin(row)}: {_q(row.identifier)} is neither a MAC address nor an IPEI"
            )
        return kinds

    def retry_of(row: ShipmentRow, ok: Callable[[Slot], bool]) -> Slot | None:
        """A retry or a repeated parcel: the unit whose device already has this identifier."""
        if not by_key:
            return None
        for kind in ("mac", "ipei"):
            key = key_of(row.identifier, kind)
            slot = by_key.get(key) if key else None
            if slot is not None and ok(slot):
                return slot
        return None

    # -- 1. rows that name their unit, and retries: placed where they say ----------------------
    by_group: dict[str, list[ShipmentRow]] = defaultdict(list)  # sku -> rows
    unnamed: list[tuple[ShipmentRow, set[IdentifierKind]]] = []
    for row in rows:
        sku = named_sku(row)
        if row.unit is not None:
            slot = by_number.get(row.unit)
            if slot is None:
                raise InvalidInput(
                    f"{origin(row)}: the order has no unit {row.unit} (units 1..{len(slots)})"
                )
            if sku is not None and sku != slot.sku:
                raise InvalidInput(f"{origin(row)}: unit {row.unit} is a {slot.sku}, not {sku}")
            put(slot, row)
            continue
        if sku is not None:
            retry = retry_of(row, lambda s, k=sku: s.sku == k)
            if retry is not None:
                put(retry, row)
            else:
                by_group[sku].append(row)
            continue
        kinds = kinds_of(row)
        retry = retry_of(row, lambda s, k=kinds: s.wants in k)
        if retry is not None:
            put(retry, row)
        else:
            unnamed.append((row, kinds))

    def open_units(sku: str) -> list[Slot]:
        return [s for s in by_sku[sku] if s.device_id is None and s.number not in placement.answers]

    # -- 2. rows that name no SKU: the one SKU that can take them, or the vendor's -------------
    ambiguous: dict[tuple[str, ...], list[int]] = defaultdict(list)
    open_skus = {sku for sku in skus if open_units(sku)}
    for row, kinds in unnamed:
        takers = [sku for sku in skus if kind_for_device(by_sku[sku][0].kind) in kinds]
        if not takers:
            what = " or ".join(KIND_WITH_ARTICLE[k] for k in sorted(kinds))
            raise InvalidInput(f"{origin(row)}: no unit on this order takes {what}")
        candidates = [sku for sku in takers if sku in open_skus]
        if not candidates and len(takers) == 1:
            candidates = takers  # onto a unit that has its device: the plan calls the conflict
        if not candidates:
            what = " or ".join(KIND_WITH_ARTICLE[k] for k in sorted(kinds))
            raise InvalidInput(
                f"{origin(row)}: {_q(row.identifier)}: every unit that takes {what} has its "
                "device already, and this identifier is none of them"
            )
        if len(candidates) > 1 and vendor_of is not None and "mac" in kinds:
            key = key_of(row.identifier, "mac")
            vendor = vendor_of(key) if key else None
            if vendor is not None:
                same = [sku for sku in candidates if by_sku[sku][0].vendor == vendor]
                if len(same) == 1:
                    candidates = same
        if len(candidates) > 1:
            ambiguous[tuple(candidates)].append(row.line)
            continue
        by_group[candidates[0]].append(row)
    if ambiguous:
        parts = [
            f"{_lines(lines)} could be {' or '.join(sku_set)}"
            for sku_set, lines in sorted(ambiguous.items(), key=lambda kv: min(kv[1]))
        ]
        raise InvalidInput(
            f"{source}: {'; '.join(parts)}: nothing in the file says which model; add a SKU, "
            "model or unit column (or the vendor's model names as catalog aliases)"
        )

    # -- 3. within one SKU: its open units in unit order, rows in identifier order -------------
    for sku in skus:
        group = by_group.get(sku)
        if not group:
            continue
        wants = kind_for_device(by_sku[sku][0].kind)
        group.sort(
            key=lambda r, k=wants: (key_of(r.identifier, k) or model_key(r.identifier), r.line)
        )
        free = open_units(sku)
        for i, row in enumerate(group):
            if i < len(free):
                put(free[i], row)
                continue
            # Every such unit has its device already and this identifier is not one of them: put
            # it on the first such unit, so the plan refuses it as the conflict it is ("unit 1
            # already has the device X; Y differs") rather than as a surplus row.
            done = [s for s in by_sku[sku] if s.number not in placement.answers]
            if done:
                put(done[0], row)
                continue
            units = len(by_sku[sku])
            raise InvalidInput(
                f"{origin(row)}: more {sku} rows than the order's {units} {sku} units"
            )
    return placement
