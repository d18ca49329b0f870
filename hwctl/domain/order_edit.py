"""Editing a pending order's lines: the pure plan of what changes and which units are dropped.

Line numbers are stable: removing line 2 leaves lines 1 and 3, a new SKU becomes max+1. Lowering
a quantity drops units without an intent first (the last ones first), then units with one; those
are named, because dropping them needs a confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hwctl.errors import InvalidInput

MAX_QUANTITY = 10_000  # units on one line; the same cap as for a submitted order


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

    def describe(self) -> str:
        return f"set line {self.line} to {self.quantity}"


@dataclass(frozen=True)
class AddItem:
    sku: str
    quantity: int

    def describe(self) -> str:
        return f"add {self.quantity} x {self.sku}"


@dataclass(frozen=True)
class RemoveLine:
    line: int

    def describe(self) -> str:
        return f"remove line {self.line}"


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
    """The cap on one line, the same for every way of editing: None when
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


def _refused(edit: Edit, problem: str) -> InvalidInput:
    """`set line 9 to 1: order 7 has no line 9`, with the edit and the problem as fields, so a
    door can name the edit the way its user wrote it (a command-line option, a JSON field)."""
    return InvalidInput(f"{edit.describe()}: {problem}", edit=edit, problem=problem)


def catalog_sku(edit: AddItem, catalog: set[str]) -> str:
    """The catalog's SKU an added item names: as in shipping files (placement.model_key), case,
    spaces, `-`, `_` and `.` do not matter (`t54w` is `T54W`); a SKU of the catalog given
    exactly is always itself. Refused when none matches, or two do (`T54W` and `t-54w`)."""
    from hwctl.domain.placement import model_key

    if edit.sku in catalog:
        return edit.sku
    matches = sorted(sku for sku in catalog if model_key(sku) == model_key(edit.sku))
    if not matches:
        raise _refused(edit, f"SKU {edit.sku!r} is not in this order's platform catalog")
    if len(matches) > 1:
        named = ", ".join(repr(m) for m in matches)
        raise _refused(edit, f"SKU {edit.sku!r} matches {named}: give the SKU exactly")
    return matches[0]


def plan_edits(
    order_id: int, lines: list[LineState], edits: list[Edit], catalog: set[str]
) -> EditPlan:
    """Apply removes, then quantity changes, then additions; raise InvalidInput on any problem."""
    by_line = {ln.line: ln for ln in lines}
    quantities = {ln.line: ln.quantity for ln in lines}
    removed: set[int] = set()
    set_lines: set[int] = set()
    dropped: list[DroppedUnit] = []

    def known(e: SetQuantity | RemoveLine) -> LineState:
        if e.line not in by_line:
            have = ", ".join(str(x) for x in sorted(by_line)) or "none"
            raise _refused(e, f"order {order_id} has no line {e.line} (lines: {have})")
        return by_line[e.line]

    for e in edits:
        if isinstance(e, RemoveLine):
            ln = known(e)
            if e.line in removed:
                raise _refused(e, f"line {e.line} is named twice")
            removed.add(e.line)
            dropped += [DroppedUnit(ln.line, ln.sku, u.seq, u.intent) for u in reversed(ln.units)]
    for e in edits:
        if isinstance(e, SetQuantity):
            ln = known(e)
            if e.line in removed:
                raise _refused(e, f"line {e.line} is also removed")
            if e.line in set_lines:
                raise _refused(e, f"line {e.line} is set twice")
            if e.quantity < 1:
                raise _refused(e, "quantity must be at least 1 (remove the line to drop it)")
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
            e = AddItem(catalog_sku(e, catalog), e.quantity)  # noqa: PLW2901
            if e.quantity < 1:
                raise _refused(e, "quantity must be at least 1")
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
            f"order {order_id} would have no lines left: reject or cancel it instead",
            order=order_id,
        )
    for state in after:
        problem = line_quantity_problem(state.line, state.sku, state.quantity)
        if problem is not None:
            raise InvalidInput(problem)
    return EditPlan(before=list(lines), after=after, dropped=dropped, new_lines=new_lines)
