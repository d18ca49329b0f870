"""Editing a pending order's lines: the pure plan of what changes and which units are dropped.

Line numbers are stable: removing line 2 leaves lines 1 and 3, a new SKU becomes max+1. Lowering
a quantity drops units without an intent first (the last ones first), then units with one; those
are named, because dropping them needs a confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hwctl.errors import InvalidInput, UsageError

MAX_QUANTITY = 10_000  # units on one line; the same cap as `hwctl submit`


@dataclass(frozen=True)
class UnitState:
    seq: int
    intent: str | None  # e.g. "ann@globex.example · HQ Floor 2", None when the unit has none


@dataclass(frozen=True)
class LineState:
    line: int
    sku: str
    quantity: int
    units: tuple[UnitState, ...] = ()


@dataclass(frozen=True)
class SetQuantity:
    line: int
    quantity: int


@dataclass(frozen=True)
class AddItem:
    sku: str
    quantity: int


@dataclass(frozen=True)
class RemoveLine:
    line: int


Edit = SetQuantity | AddItem | RemoveLine


@dataclass(frozen=True)
class DroppedUnit:
    line: int
    sku: str
    seq: int
    intent: str | None


@dataclass
class EditPlan:
    before: list[LineState]
    after: list[LineState]  # quantities after; units only for lines that existed
    dropped: list[DroppedUnit] = field(default_factory=list)
    new_lines: dict[int, str] = field(default_factory=dict)  # line -> sku, for added lines

    @property
    def changed(self) -> bool:
        return [(x.line, x.sku, x.quantity) for x in self.before] != [
            (x.line, x.sku, x.quantity) for x in self.after
        ]

    @property
    def dropped_intents(self) -> list[DroppedUnit]:
        return [d for d in self.dropped if d.intent is not None]


def line_quantity_problem(line: int, sku: str, quantity: int | None) -> str | None:
    """The cap on one line, the same for `--set`/`--add` and the interactive review: None when
    `quantity` units fit, else `line 1 (T54W) would have 99999 units: at most 10000 per line`
    (`quantity` None: a number too long to count)."""
    if quantity is not None and quantity <= MAX_QUANTITY:
        return None
    units = f"{quantity} units" if quantity is not None else "more units than that"
    return f"line {line} ({sku}) would have {units}: at most {MAX_QUANTITY} per line"


def _pick_drops(line: LineState, count: int) -> list[UnitState]:
    """Which `count` units to drop: without intent first, the last ones first."""
    plain = [u for u in reversed(line.units) if u.intent is None]
    marked = [u for u in reversed(line.units) if u.intent is not None]
    return (plain + marked)[:count]


def parse_edit_pair(text: str, option: str, key_is_int: bool) -> tuple[int | str, int]:
    """`3=2` / `T54W=2` as given to --set / --add."""
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    what = "LINE=QTY" if key_is_int else "SKU=QTY"
    if not sep or not key or not value:
        raise UsageError(f"{option} {text!r}: expected {what}")
    try:
        quantity = int(value)
    except ValueError as e:
        raise UsageError(f"{option} {text!r}: quantity {value!r} is not a whole number") from e
    if key_is_int:
        try:
            return int(key.lstrip("#")), quantity
        except ValueError as e:
            raise UsageError(f"{option} {text!r}: line {key!r} is not a line number") from e
    return key, quantity


def plan_edits(
    order_id: int, lines: list[LineState], edits: list[Edit], catalog: set[str]
) -> EditPlan:
    """Apply removes, then quantity changes, then additions; raise InvalidInput on any problem."""
    by_line = {ln.line: ln for ln in lines}
    quantities = {ln.line: ln.quantity for ln in lines}
    removed: set[int] = set()
    set_lines: set[int] = set()
    dropped: list[DroppedUnit] = []

    def known(line: int, option: str) -> LineState:
        if line not in by_line:
            have = ", ".join(str(x) for x in sorted(by_line)) or "none"
            raise InvalidInput(
                f"{option} {line}: order {order_id} has no line {line} (lines: {have})"
            )
        return by_line[line]

    for e in edits:
        if isinstance(e, RemoveLine):
            ln = known(e.line, "--remove")
            if e.line in removed:
                raise InvalidInput(f"--remove {e.line}: line {e.line} is named twice")
            removed.add(e.line)
            dropped += [DroppedUnit(ln.line, ln.sku, u.seq, u.intent) for u in reversed(ln.units)]
    for e in edits:
        if isinstance(e, SetQuantity):
            ln = known(e.line, "--set")
            if e.line in removed:
                raise InvalidInput(f"--set {e.line}={e.quantity}: line {e.line} is also removed")
            if e.line in set_lines:
                raise InvalidInput(f"--set {e.line}: line {e.line} is set twice")
            if e.quantity < 1:
                raise InvalidInput(
                    f"--set {e.line}={e.quantity}: quantity must be at least 1 "
                    f"(use --remove {e.line} to drop the line)"
                )
            set_lines.add(e.line)
            if e.quantity < ln.quantity:
                dropped += [
                    DroppedUnit(ln.line, ln.sku, u.seq, u.intent)
                    for u in _pick_drops(ln, ln.quantity - e.quantity)
                ]
            quantities[e.line] = e.quantity
    new_lines: dict[int, str] = {}
    next_line = max([ln.line for ln in lines], default=0) + 1
    for e in edits:
        if isinstance(e, AddItem):
            if e.sku not in catalog:
                raise InvalidInput(
                    f"--add {e.sku}={e.quantity}: SKU {e.sku!r} is not in this order's "
                    "platform catalog"
                )
            if e.quantity < 1:
                raise InvalidInput(f"--add {e.sku}={e.quantity}: quantity must be at least 1")
            existing = [ln.line for ln in lines if ln.sku == e.sku and ln.line not in removed] + [
                line for line, sku in new_lines.items() if sku == e.sku
            ]
            if existing:
                quantities[existing[0]] = quantities.get(existing[0], 0) + e.quantity
            else:
                new_lines[next_line] = e.sku
                quantities[next_line] = e.quantity
                next_line += 1
    after = [
        LineState(ln.line, ln.sku, quantities[ln.line], ln.units)
        for ln in lines
        if ln.line not in removed
    ] + [LineState(line, sku, quantities[line]) for line, sku in new_lines.items()]
    if not after:
        raise InvalidInput(
            f"order {order_id} would have no lines left: reject or cancel it instead"
        )
    for state in after:
        problem = line_quantity_problem(state.line, state.sku, state.quantity)
        if problem is not None:
            raise InvalidInput(problem)
    return EditPlan(before=list(lines), after=after, dropped=dropped, new_lines=new_lines)
