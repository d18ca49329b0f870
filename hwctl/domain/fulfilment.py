"""The fulfilment plan, pure: which identifier goes to which unit, whether each unit creates a
device, links one registered by other means, or is skipped, and which handsets pair to a base.

Rules (the product text, "Fulfilling an order"):
- every unit gets one identifier: a MAC for desk phones and DECT bases, an IPEI for handsets;
- a unit that already has a device is skipped;
- an identifier registered on the same account by other means, not bound to another unit, is
  linked (and gets the unit's intent); one on another account, or bound to another unit, is a
  conflict and nothing is written;
- intents: the user is assigned; the location is set on desk phones and bases, never handsets;
- pairing: exactly one base unit plus handsets -> the handsets pair to it, up to the base model's
  `max_handsets` (the rest stay unpaired, with a warning); otherwise on-site registration.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from hwctl.domain.identifiers import (
    IdentifierKind,
    Ipei,
    Mac,
    kind_for_device,
    mac_warnings,
    normalise,
    parse_for_kind,
    shapes,
    vendor_mismatch_warning,
)
from hwctl.errors import Conflict, InvalidInput
from hwctl.io.shipments import ShipmentRow

KIND_LABEL = {"mac": "MAC", "ipei": "IPEI"}
KIND_WITH_ARTICLE = {"mac": "a MAC", "ipei": "an IPEI"}
DEVICE_WITH_ARTICLE = {
    "deskphone": "a desk phone",
    "dect_base": "a DECT base",
    "dect_handset": "a DECT handset",
}
DEVICE_KINDS = ("deskphone", "dect_base", "dect_handset")


@dataclass(frozen=True)
class Slot:
    """One unit of the order as fulfilment sees it."""

    number: int
    sku: str
    name: str
    kind: str  # deskphone | dect_base | dect_handset
    max_handsets: int | None
    user: str | None
    location: str | None
    device_id: int | None = None  # the unit's device, once it has one
    device_key: str | None = None  # that device's normalised identifier

    @property
    def wants(self) -> IdentifierKind:
        return kind_for_device(self.kind)

    @property
    def label(self) -> str:
        return f"unit {self.number} ({self.sku})"

    @property
    def intent(self) -> str:
        return " · ".join(x for x in (self.user, self.location) if x)


@dataclass(frozen=True)
class Answer:
    """An identifier given for a unit, and where it came from (for messages)."""

    text: str
    origin: str = "typed"


@dataclass(frozen=True)
class Registered:
    """A device already in the store whose identifier was given."""

    id: int
    key: str
    kind: str
    same_account: bool
    unit_number: int | None  # the unit of *this* order it belongs to, if any
    bound_elsewhere: str | None  # e.g. "order 5 unit 2" when bound to another order's unit
    base_id: int | None = None


@dataclass(frozen=True)
class UnitPlan:
    number: int
    sku: str
    kind: str
    action: str  # create | link | skip
    key: str  # normalised identifier
    shown: str  # display form
    user: str | None
    location: str | None  # None for handsets, whatever the intent said
    base_unit: int | None  # the unit number of the base a handset pairs to
    device_id: int | None  # for link and skip


@dataclass
class Plan:
    order_id: int
    units: list[UnitPlan]
    warnings: list[str] = field(default_factory=list)
    pairing: str = "none"  # "base" (paired to the single base) | "on-site" | "none"

    def count(self, action: str) -> int:
        return sum(1 for u in self.units if u.action == action)

    @property
    def nothing_to_write(self) -> bool:
        """Every unit already has its device: a retry with the identifiers it has."""
        return all(u.action == "skip" for u in self.units)

    @property
    def paired(self) -> int:
        return sum(1 for u in self.units if u.base_unit is not None and u.action != "skip")


def parse_answer(slot: Slot, answer: Answer) -> Mac | Ipei:
    where = slot.label if answer.origin == "typed" else f"{answer.origin}: {slot.label}"
    try:
        return parse_for_kind(answer.text, slot.wants, context=slot.label)
    except InvalidInput as e:
        if answer.origin == "typed":
            raise
        raise InvalidInput(f"{where}: {e.message}") from e


def shown(ident: Mac | Ipei) -> str:
    return ident.display


def key_of(text: str, kind: IdentifierKind) -> str | None:
    """The normalised key of `text` read as `kind`, or None when it is not valid as that kind."""
    try:
        return normalise(parse_for_kind(text, kind))
    except InvalidInput:
        return None


def place_rows(
    slots: Sequence[Slot], rows: Sequence[ShipmentRow], source: str
) -> dict[int, Answer]:
    """Put each CSV row on a unit: by `unit`, else by SKU (next unit without an identifier), else
    by the identifier's shape when only one kind of unit can take it. A MAC / MAC Address column
    holds MACs and an IPEI / IPUI column IPEIs: it restricts the shape, and a row placed on a unit
    of the other kind is refused; Identifier / Serial columns go by shape alone.

    Linear in the number of rows and units (indexes by SKU, by device key and free counts), so a
    shipping list of thousands of units places in milliseconds."""
    by_number = {s.number: s for s in slots}
    by_sku: dict[str, list[Slot]] = {}
    for slot in slots:
        by_sku.setdefault(slot.sku.casefold(), []).append(slot)
    by_key = {s.device_key: s for s in slots if s.device_key}
    free: Counter[str] = Counter(s.kind for s in slots if s.device_id is None)
    cursor: dict[object, int] = {}
    by_shape: dict[frozenset[str], list[Slot]] = {}
    placed: dict[int, Answer] = {}
    placed_line: dict[int, int] = {}
    skus = sorted({s.sku for s in slots})

    def origin(row: ShipmentRow) -> str:
        return f"{source} line {row.line}"

    def put(slot: Slot, row: ShipmentRow) -> None:
        if row.kind is not None and row.kind != slot.wants:
            # The column's name is a promise: a MAC column never fills a handset, nor an IPEI
            # column a desk phone or base, whatever the value looks like.
            raise InvalidInput(
                f"{origin(row)}: {row.identifier!r} is in the {row.column} column, but "
                f"{slot.label} is {DEVICE_WITH_ARTICLE.get(slot.kind, slot.kind)} and needs "
                f"{KIND_WITH_ARTICLE[slot.wants]}"
            )
        if slot.number in placed:
            raise InvalidInput(
                f"{origin(row)}: {slot.label} already has an identifier from line "
                f"{placed_line[slot.number]}"
            )
        placed[slot.number] = Answer(row.identifier, origin(row))
        placed_line[slot.number] = row.line
        if slot.device_id is None:
            free[slot.kind] -= 1

    def already_there(row: ShipmentRow, accept: Callable[[Slot], bool]) -> Slot | None:
        """A retry: the unit whose device already has this identifier."""
        if not by_key:
            return None
        for kind in ("mac", "ipei"):
            key = key_of(row.identifier, kind)
            slot = by_key.get(key) if key else None
            if slot is not None and slot.number not in placed and accept(slot):
                return slot
        return None

    def first(group: object, candidates: Sequence[Slot], ok: Callable[[Slot], bool]) -> Slot | None:
        """The first candidate passing `ok`, resuming where the last search of `group` ended
        (a unit once placed or done stays so)."""
        i = cursor.get(group, 0)
        while i < len(candidates) and not ok(candidates[i]):
            i += 1
        cursor[group] = i
        return candidates[i] if i < len(candidates) else None

    def next_free(
        group: object,
        candidates: Sequence[Slot],
        row: ShipmentRow,
        accept: Callable[[Slot], bool],
    ) -> Slot | None:
        found = already_there(row, accept)
        if found:
            return found
        slot = first(
            ("free", group), candidates, lambda s: s.number not in placed and s.device_id is None
        )
        if slot is not None:
            return slot
        # Every such unit has its device already and this identifier is not one of them: put it
        # on the first such unit, so the plan refuses it as the conflict it is ("unit 1 already
        # has the device X; Y differs") rather than as a surplus row.
        return first(("any", group), candidates, lambda s: s.number not in placed)

    for row in rows:
        if row.unit is not None:
            slot = by_number.get(row.unit)
            if slot is None:
                raise InvalidInput(
                    f"{origin(row)}: the order has no unit {row.unit} (units 1..{len(slots)})"
                )
            if row.sku is not None and row.sku.casefold() != slot.sku.casefold():
                raise InvalidInput(f"{origin(row)}: unit {row.unit} is a {slot.sku}, not {row.sku}")
            put(slot, row)
            continue
        if row.sku is not None:
            matching = by_sku.get(row.sku.casefold())
            if not matching:
                raise InvalidInput(
                    f"{origin(row)}: SKU {row.sku!r} is not on this order "
                    f"(it has {', '.join(skus)})"
                )
            sku = row.sku.casefold()
            slot = next_free(("sku", sku), matching, row, lambda s, k=sku: s.sku.casefold() == k)
            if slot is None:
                raise InvalidInput(
                    f"{origin(row)}: more {matching[0].sku} rows than the order's "
                    f"{len(matching)} {matching[0].sku} units"
                )
            put(slot, row)
            continue
        if row.kind is not None:
            # A MAC / IPEI column: only that kind, and a bad value gets that kind's reason.
            try:
                parse_for_kind(row.identifier, row.kind, context=f"the {row.column} column")
            except InvalidInput as e:
                raise InvalidInput(f"{origin(row)}: {e.message}") from None
            kinds: set[IdentifierKind] = {row.kind}
        else:
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
                f"{origin(row)}: {row.identifier!r} is neither a MAC address nor an IPEI"
            )
        shape = frozenset(kinds)
        if shape not in by_shape:
            by_shape[shape] = [s for s in slots if s.wants in kinds]
        candidates = by_shape[shape]
        retry = already_there(row, lambda s, k=shape: s.wants in k)
        if retry is not None:
            put(retry, row)
            continue
        if not candidates:
            what = " or ".join(KIND_WITH_ARTICLE[k] for k in sorted(kinds))
            raise InvalidInput(f"{origin(row)}: no unit on this order takes {what}")
        device_kinds = {k for k in DEVICE_KINDS if kind_for_device(k) in kinds and free[k] > 0}
        if len(device_kinds) > 1:
            raise InvalidInput(
                f"{origin(row)}: {row.identifier!r} could go to a "
                f"{' or a '.join(sorted(device_kinds))}: add a SKU or unit column to the file"
            )
        slot = next_free(("shape", shape), candidates, row, lambda s, k=shape: s.wants in k)
        if slot is None:
            raise InvalidInput(f"{origin(row)}: more rows than units that take this identifier")
        put(slot, row)
    return placed


def missing(slots: Sequence[Slot], answers: Mapping[int, Answer]) -> list[Slot]:
    """Units that still need an identifier (no device yet, no answer)."""
    return [s for s in slots if s.device_id is None and s.number not in answers]


def parse_all(
    slots: Sequence[Slot],
    answers: Mapping[int, Answer],
    progress: Callable[[int, int], None] | None = None,
) -> dict[int, Mac | Ipei]:
    """Parse every answer for its unit's kind; the same identifier twice is refused.
    `progress(done, total)` is told after each answer (a progress bar for long files)."""
    by_number = {s.number: s for s in slots}
    parsed: dict[int, Mac | Ipei] = {}
    seen: dict[str, int] = {}
    for number in sorted(answers):
        slot = by_number.get(number)
        if slot is None:
            raise InvalidInput(f"the order has no unit {number}")
        ident = parse_answer(slot, answers[number])
        key = normalise(ident)
        if key in seen:
            raise InvalidInput(
                f"{KIND_LABEL[slot.wants]} {ident.display} is given for unit {seen[key]} and "
                f"unit {number}"
            )
        seen[key] = number
        parsed[number] = ident
        if progress is not None:
            progress(len(parsed), len(answers))
    return parsed


def build_plan(
    order_id: int,
    slots: Sequence[Slot],
    parsed: Mapping[int, Mac | Ipei],
    registered: Mapping[str, Registered],
    *,
    base_already_paired: int = 0,
) -> Plan:
    """The plan for the given identifiers. `registered` holds devices already in the store, by
    key. Raises Conflict (nothing to write) for identifiers owned elsewhere."""
    warnings: list[str] = []
    units: list[UnitPlan] = []
    for slot in slots:
        ident = parsed.get(slot.number)
        if slot.device_id is not None:
            if ident is not None and normalise(ident) != slot.device_key:
                have = _display_key(slot.device_key, slot.wants)
                raise Conflict(
                    f"{slot.label} already has the device {have}; {ident.display} differs"
                )
            units.append(_unit(slot, "skip", slot.device_key or "", slot.device_id))
            continue
        if ident is None:
            raise InvalidInput(f"{slot.label} has no identifier")
        key = normalise(ident)
        known = registered.get(key)
        if known is None:
            action, device_id = "create", None
        else:
            what = f"{KIND_LABEL[slot.wants]} {ident.display}"
            if not known.same_account:
                raise Conflict(f"{slot.label}: {what} is registered on another account")
            if known.bound_elsewhere:
                raise Conflict(
                    f"{slot.label}: {what} is already the device of {known.bound_elsewhere}"
                )
            if known.unit_number is not None and known.unit_number != slot.number:
                raise Conflict(
                    f"{slot.label}: {what} is already the device of unit {known.unit_number}"
                )
            if known.kind != slot.kind:
                raise Conflict(
                    f"{slot.label}: {what} is registered as a {known.kind}, not a {slot.kind}"
                )
            action, device_id = "link", known.id
        if isinstance(ident, Mac):
            warnings += [f"{slot.label}: {w}" for w in mac_warnings(ident)]
            mismatch = vendor_mismatch_warning(ident, slot.name)
            if mismatch:
                warnings.append(f"{slot.label}: {mismatch}")
        units.append(_unit(slot, action, key, device_id, ident.display))
    plan = Plan(order_id, units, warnings)
    _pair(plan, slots, base_already_paired, registered)
    return plan


def _display_key(key: str | None, kind: IdentifierKind) -> str:
    if not key:
        return "?"
    if kind == "mac":
        return ":".join(key[i : i + 2] for i in range(0, 12, 2))
    return f"{key[:5]} {key[5:12]} {key[12:]}"


def _unit(
    slot: Slot, action: str, key: str, device_id: int | None, display: str | None = None
) -> UnitPlan:
    return UnitPlan(
        number=slot.number,
        sku=slot.sku,
        kind=slot.kind,
        action=action,
        key=key,
        shown=display or _display_key(key, slot.wants),
        user=slot.user,
        location=None if slot.kind == "dect_handset" else slot.location,
        base_unit=None,
        device_id=device_id,
    )


def _pair(
    plan: Plan, slots: Sequence[Slot], already: int, registered: Mapping[str, Registered]
) -> None:
    """Pair the handsets to the order's one base, within its capacity. `already` counts the
    handsets paired to that base that are not this order's units."""
    bases = [s for s in slots if s.kind == "dect_base"]
    handsets = [u for u in plan.units if u.kind == "dect_handset"]
    if not handsets:
        return
    if len(bases) != 1:
        plan.pairing = "on-site"
        reason = "no base" if not bases else f"{len(bases)} bases"
        plan.warnings.append(
            f"the order has {reason}: {len(handsets)} handset(s) left for on-site registration"
        )
        return
    base = bases[0]
    plan.pairing = "base"
    room = None if base.max_handsets is None else max(base.max_handsets - already, 0)
    base_device = next((u.device_id for u in plan.units if u.number == base.number), None)

    def on_this_base(u: UnitPlan) -> bool:
        known = registered.get(u.key) if u.action == "link" else None
        return base_device is not None and known is not None and known.base_id == base_device

    todo = [i for i, u in enumerate(plan.units) if u.kind == "dect_handset" and u.action != "skip"]
    # A linked handset already paired to this very base keeps its place (it is paired there
    # whatever the plan says); new ones fill what room is left, in unit order.
    todo.sort(key=lambda i: not on_this_base(plan.units[i]))
    paired = 0
    left: list[int] = []
    for i in todo:
        u = plan.units[i]
        if room is not None and paired >= room:
            left.append(u.number)
            continue
        plan.units[i] = replace(u, base_unit=base.number)
        paired += 1
    if left:
        plan.warnings.append(
            f"{base.label} takes at most {base.max_handsets} handsets: "
            f"unit(s) {', '.join(map(str, sorted(left)))} stay unpaired for on-site registration"
        )
