"""The fulfilment plan, pure: whether each unit creates a device, links one registered by other
means, is skipped or (in a partial delivery) stays open, and which handsets pair to a base.
Placing a shipping file's rows on units is `hwctl.domain.placement`'s job.

Rules (the product text, "Fulfilling an order"):
- every unit gets one identifier: a MAC for desk phones and DECT bases, an IPEI for handsets;
- a unit that already has a device is skipped;
- an identifier registered on the same account by other means, not bound to another unit, is
  linked (and gets the unit's intent); one on another account, or bound to another unit, is a
  conflict and nothing is written;
- intents: the user is assigned; the location is set on desk phones and bases, never handsets;
- pairing: exactly one base unit plus handsets -> the handsets pair to it, up to the base model's
  `max_handsets` (the rest stay unpaired, with a warning); otherwise on-site registration. Pairing
  follows the whole order across parcels: handsets arriving after their base pair to it, and a
  base arriving after its handsets pairs the handsets already delivered;
- a partial delivery (split shipments) leaves the units without an identifier open; the order is
  fulfilled when its last unit gets its device.
"""

from __future__ import annotations

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
    vendor_warning,
)
from hwctl.errors import Conflict, InvalidInput

OrgOf = Callable[[str], str | None]  # a MAC's storage key -> its registered organisation

KIND_LABEL = {"mac": "MAC", "ipei": "IPEI"}
KIND_WITH_ARTICLE = {"mac": "a MAC", "ipei": "an IPEI"}
DEVICE_WITH_ARTICLE = {
    "deskphone": "a desk phone",
    "dect_base": "a DECT base",
    "dect_handset": "a DECT handset",
}
DEVICE_KINDS = ("deskphone", "dect_base", "dect_handset")


def takes_location(kind: str) -> bool:
    """Whether a device of this kind is placed at one of the account's locations: desk phones
    and DECT bases are; a DECT handset never is (it goes where its user goes). Intake refuses a
    handset's location (an order's unit intent, an imported device); an order stored before
    that rule keeps its intent, and fulfilment leaves it off the device."""
    return kind != "dect_handset"


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
    device_base: int | None = None  # the base device that device is paired to, if any
    aliases: tuple[str, ...] = ()  # other names of the SKU in shipping files
    vendor: str | None = None  # the SKU's maker (given, or derived from its name)

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
    account: str | None = None  # the account it is registered on, `'Initech' of 'Acme Voice'`


@dataclass(frozen=True)
class UnitPlan:
    number: int
    sku: str
    kind: str
    action: str  # create | link | skip | open (no identifier yet: a partial delivery)
    key: str  # normalised identifier ("" while open)
    shown: str  # display form ("" while open)
    user: str | None
    location: str | None  # None for handsets, whatever the intent said
    base_unit: int | None  # the unit number of the base a handset is (or will be) paired to
    device_id: int | None  # for link and skip
    pairs: bool = False  # this run writes the handset's pairing to base_unit
    warnings: tuple[str, ...] = ()  # doubts about this unit's identifier (vendor, prefix)

    @property
    def label(self) -> str:
        return f"unit {self.number} ({self.sku})"


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
        """No device to create or link and no pairing to write: a retry with the identifiers
        the order has (every unit done, or the rest still open)."""
        return all(u.action in ("skip", "open") and not u.pairs for u in self.units)

    @property
    def complete(self) -> bool:
        """Every unit has (or gets) its device: the order becomes fulfilled."""
        return not any(u.action == "open" for u in self.units)

    @property
    def paired(self) -> int:
        """Handsets whose pairing this run writes."""
        return sum(1 for u in self.units if u.pairs)

    @property
    def written(self) -> list[int]:
        """The units this run creates, links or pairs."""
        return [u.number for u in self.units if u.action in ("create", "link") or u.pairs]


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
    partial: bool = False,
    org_of: OrgOf | None = None,
) -> Plan:
    """The plan for the given identifiers. `registered` holds devices already in the store, by
    key. Raises Conflict (nothing to write) for identifiers owned elsewhere. With `partial`, a
    unit without an identifier stays open instead of being an error. `org_of` looks a MAC up in
    the IEEE registry (None: no vendor check)."""
    units: list[UnitPlan] = []
    for slot in slots:
        ident = parsed.get(slot.number)
        if slot.device_id is not None:
            if ident is not None and normalise(ident) != slot.device_key:
                have = display_key(slot.device_key, slot.wants)
                raise Conflict(
                    f"{slot.label} already has the device {have}; {ident.display} differs"
                )
            units.append(_unit(slot, "skip", slot.device_key or "", slot.device_id))
            continue
        if ident is None:
            if partial:
                units.append(_unit(slot, "open", "", None))
                continue
            raise InvalidInput(f"{slot.label} has no identifier")
        key = normalise(ident)
        known = registered.get(key)
        if known is None:
            action, device_id = "create", None
        else:
            what = f"{KIND_LABEL[slot.wants]} {ident.display}"
            if not known.same_account:
                elsewhere = f": {known.account}" if known.account else ""
                raise Conflict(f"{slot.label}: {what} is registered on another account{elsewhere}")
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
        doubts: list[str] = []
        if isinstance(ident, Mac):
            doubts += mac_warnings(ident)
            if org_of is not None:
                mismatch = vendor_warning(ident, slot.vendor, org_of(ident.value))
                if mismatch:
                    doubts.append(mismatch)
        units.append(_unit(slot, action, key, device_id, ident.display, tuple(doubts)))
    plan = Plan(order_id, units, [f"{u.label}: {w}" for u in units for w in u.warnings])
    _pair(plan, slots, base_already_paired, registered)
    return plan


def display_key(key: str | None, kind: IdentifierKind) -> str:
    """A storage key as people read it: `80:5e:c0:12:34:57`, `57005 0782068 7` ("?" if none)."""
    if not key:
        return "?"
    if kind == "mac":
        return ":".join(key[i : i + 2] for i in range(0, 12, 2))
    return f"{key[:5]} {key[5:12]} {key[12:]}"


def _unit(
    slot: Slot,
    action: str,
    key: str,
    device_id: int | None,
    display: str | None = None,
    warnings: tuple[str, ...] = (),
) -> UnitPlan:
    return UnitPlan(
        number=slot.number,
        sku=slot.sku,
        kind=slot.kind,
        action=action,
        key=key,
        shown=display or (display_key(key, slot.wants) if key else ""),
        user=slot.user,
        location=slot.location if takes_location(slot.kind) else None,
        base_unit=None,
        device_id=device_id,
        warnings=warnings,
    )


def pairing_base(slots: Sequence[Slot]) -> Slot | None:
    """The base an order's handsets pair to: its one DECT base. An order with no base, or with
    several (which handset goes to which is not known), leaves its handsets to on-site
    registration: None."""
    bases = [s for s in slots if s.kind == "dect_base"]
    return bases[0] if len(bases) == 1 else None


def _pair(
    plan: Plan, slots: Sequence[Slot], already: int, registered: Mapping[str, Registered]
) -> None:
    """Pair the handsets to the order's one base, within its capacity. `already` counts the
    handsets paired to that base that are not this order's units. Across parcels: handsets
    delivered earlier keep their pairing (shown as stored); those delivered before their base
    pair to it when it arrives; handsets arriving before their base wait for it."""
    by_number = {s.number: s for s in slots}
    bases = [s for s in slots if s.kind == "dect_base"]
    handsets = [
        i for i, u in enumerate(plan.units) if u.kind == "dect_handset" and u.action != "open"
    ]
    if not handsets:
        return
    new = [i for i in handsets if plan.units[i].action != "skip"]
    base = pairing_base(slots)
    if base is None:
        plan.pairing = "on-site"
        reason = "no base" if not bases else f"{len(bases)} bases"
        if new:
            plan.warnings.append(
                f"the order has {reason}: {len(new)} handset(s) left for on-site registration"
            )
        return
    plan.pairing = "base"
    base_plan = next(u for u in plan.units if u.number == base.number)
    if base_plan.action == "open":
        if new:
            numbers = ", ".join(str(plan.units[i].number) for i in new)
            plan.warnings.append(
                f"{base.label} has not arrived yet: handset unit(s) {numbers} pair to it when "
                "it does"
            )
        return
    base_device = base_plan.device_id  # None when the base is created by this run

    def stored_on_base(i: int) -> bool:
        device_base = by_number[plan.units[i].number].device_base
        return base_device is not None and device_base == base_device

    def on_this_base(u: UnitPlan) -> bool:
        known = registered.get(u.key) if u.action == "link" else None
        return base_device is not None and known is not None and known.base_id == base_device

    kept = 0
    todo: list[int] = []
    for i in handsets:
        u = plan.units[i]
        if u.action == "skip":
            if stored_on_base(i):
                plan.units[i] = replace(u, base_unit=base.number)
                kept += 1
            elif by_number[u.number].device_base is None and base_plan.action != "skip":
                todo.append(i)  # delivered before its base, which arrives now: pair it
        else:
            todo.append(i)
    room = None if base.max_handsets is None else max(base.max_handsets - already - kept, 0)
    # A linked handset already paired to this very base keeps its place (it is paired there
    # whatever the plan says); the others fill what room is left, in unit order.
    todo.sort(key=lambda i: (not on_this_base(plan.units[i]), plan.units[i].number))
    paired = 0
    left: list[int] = []
    for i in todo:
        u = plan.units[i]
        if room is not None and paired >= room:
            if u.action != "skip":
                left.append(u.number)
            continue
        plan.units[i] = replace(u, base_unit=base.number, pairs=True)
        paired += 1
    if left:
        plan.warnings.append(
            f"{base.label} takes at most {base.max_handsets} handsets: "
            f"unit(s) {', '.join(map(str, sorted(left)))} stay unpaired for on-site registration"
        )
