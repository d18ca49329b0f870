"""Fulfilling an approved order: the sheet of units to fill, the plan for the identifiers given,
and writing it — devices created or linked, intents applied, handsets paired, the order marked
fulfilled and the audit entry — in one transaction, all or nothing.

The order row is locked first (SELECT … FOR UPDATE on PostgreSQL; BEGIN IMMEDIATE on SQLite), so
two admins fulfilling one order serialise: the second sees it fulfilled and gets the retry rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc, func, or_
from sqlmodel import Session, col, select

from hwctl.app import audit, events
from hwctl.app.context import Context, authorise
from hwctl.app.queries import UnitRow, ipui_of, order_views, unit_rows, unit_views
from hwctl.app.transitions import guard_status, refused
from hwctl.app.views import OrderView, UnitView, iso
from hwctl.domain import fulfilment as rules
from hwctl.domain import placement
from hwctl.domain.access import Use
from hwctl.domain.fulfilment import Answer, Plan, Registered, Slot, UnitPlan
from hwctl.domain.identifiers import Ipei, Mac, normalise, phone_vendor
from hwctl.domain.shipment import ShipmentRow
from hwctl.domain.status import Action, OrderStatus
from hwctl.errors import Conflict
from hwctl.io.vendors import registered_org
from hwctl.store.models import (
    Account,
    CatalogAlias,
    CatalogItem,
    Device,
    HardwareOrder,
    Platform,
)
from hwctl.vocabulary import AuditAction, DeviceKind, EventType

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class Sheet:
    order: OrderView
    slots: tuple[Slot, ...]

    @property
    def status(self) -> str:
        return self.order.status

    @property
    def is_fulfilled(self) -> bool:
        return self.order.status == OrderStatus.FULFILLED

    @property
    def done(self) -> int:
        """Units that have their device (a partial delivery shows done / total)."""
        return sum(1 for s in self.slots if s.device_id is not None)


@dataclass(frozen=True)
class FulfilResult:
    plan: Plan
    already: bool  # nothing was written: the order had these identifiers already
    units: tuple[UnitView, ...]
    status: str  # the order's status afterwards (approved while units stay open)

    @property
    def is_fulfilled(self) -> bool:
        """Whether the order is fulfilled now (by this run or another one)."""
        return self.status == OrderStatus.FULFILLED

    @property
    def outcome(self) -> str:
        """`fulfilled`, `partly fulfilled`, or `already ...` when nothing was written."""
        word = "fulfilled" if self.status == OrderStatus.FULFILLED else "partly fulfilled"
        return f"already {word}" if self.already else word

    def to_json(self) -> dict[str, Any]:
        """The result's JSON contract: the plan, the outcome as `status`, and the devices."""
        data = plan_json(self.plan)
        data["status"] = self.outcome
        data["devices"] = [u.device.to_json() for u in self.units if u.device]
        return data


def plan_json(plan: Plan, *, dry_run: bool = False) -> dict[str, Any]:
    """The fulfilment plan's JSON contract (README "Fulfilment JSON"); a result adds `status`
    and `devices` (FulfilResult.to_json)."""

    def stored(u: UnitPlan) -> dict[str, str | None]:
        if not u.key:
            return {"mac": None, "ipei": None, "ipui": None}
        if u.kind == DeviceKind.DECT_HANDSET:
            return {"mac": None, "ipei": u.key, "ipui": ipui_of(u.key)}
        return {"mac": u.key, "ipei": None, "ipui": None}

    return {
        "order": plan.order_id,
        "dry_run": dry_run,
        "complete": plan.complete,
        "pairing": plan.pairing,
        "created": plan.count("create"),
        "linked": plan.count("link"),
        "skipped": plan.count("skip"),
        "paired": plan.paired,
        "open": plan.count("open"),
        "warnings": list(plan.warnings),
        "units": [
            {
                "unit": u.number,
                "sku": u.sku,
                "kind": u.kind,
                "action": u.action,
                "identifier": u.shown or None,
                **stored(u),
                "user": u.user,
                "location": u.location,
                "base_unit": u.base_unit,
                "warnings": list(u.warnings),
            }
            for u in plan.units
        ],
    }


def vendor_of(key: str) -> str | None:
    """The phone vendor a MAC's prefix is registered to (None: nobody, or not a phone maker)."""
    org = registered_org(key)
    return phone_vendor(org) if org else None


def _check_state(order: HardwareOrder) -> None:
    """An approved order is fulfilled, a fulfilled one retried; any other is refused, naming
    who decided it and when (a rejection, a cancellation)."""
    if order.status not in (OrderStatus.APPROVED, OrderStatus.FULFILLED):
        raise refused(order, Action.FULFILL)


@contextmanager
def _naming_the_fulfilment(order: HardwareOrder) -> Iterator[None]:
    """A Conflict planning a fulfilled order again (other identifiers than its devices') says
    so, with who fulfilled it and when as fields (`order 7 is fulfilled: unit 2 (T54W) already
    has the device …`; the CLI adds `(by dana at …)` after the status)."""
    try:
        yield
    except Conflict as e:
        if order.status != OrderStatus.FULFILLED:
            raise
        raise Conflict(
            f"order {order.id} is fulfilled: {e.message}",
            **{**e.fields, "order": order.id, "status": OrderStatus.FULFILLED.value},
            by=order.fulfilled_by,
            at=iso(order.fulfilled_at),
        ) from None


def _catalog(session: Session, units: list[UnitRow]) -> dict[int, tuple[tuple[str, ...], str]]:
    """(aliases, vendor) per catalog item of the units; the vendor given, else from the name."""
    item_ids = sorted({u.item_id for u in units})
    aliases: dict[int, list[str]] = {i: [] for i in item_ids}
    for item_id, alias in session.exec(
        select(CatalogAlias.catalog_item_id, CatalogAlias.alias)
        .where(col(CatalogAlias.catalog_item_id).in_(item_ids))
        .order_by(col(CatalogAlias.id))
    ):
        aliases[item_id].append(alias)
    out: dict[int, tuple[tuple[str, ...], str]] = {}
    for item_id, name, vendor in session.exec(
        select(CatalogItem.id, CatalogItem.name, CatalogItem.vendor).where(
            col(CatalogItem.id).in_(item_ids)
        )
    ):
        maker = (phone_vendor(vendor) or vendor) if vendor else phone_vendor(name)
        out[item_id] = (tuple(aliases[item_id]), maker)
    return out


def _slots(session: Session, units: list[UnitRow]) -> list[Slot]:
    devices = {
        d.order_unit_id: d
        for d in session.exec(
            select(Device.order_unit_id, Device.id, Device.mac, Device.ipei, Device.base_id).where(
                col(Device.order_unit_id).in_([u.unit_id for u in units])
            )
        )
    }
    catalog = _catalog(session, units)
    slots = []
    for u in units:
        d = devices.get(u.unit_id)
        aliases, vendor = catalog[u.item_id]
        slots.append(
            Slot(
                number=u.number,
                sku=u.sku,
                name=u.name,
                kind=u.kind,
                max_handsets=u.max_handsets,
                user=u.user,
                location=u.location,
                device_id=d.id if d else None,
                device_key=(d.mac or d.ipei) if d else None,
                device_base=d.base_id if d else None,
                aliases=aliases,
                vendor=vendor,
            )
        )
    return slots


def load_sheet(ctx: Context, order_id: int) -> Sheet:
    """The units to fill. Refuses unless the order is approved or already fulfilled."""
    with ctx.store.session() as session:
        order = authorise(ctx, session, Use.FULFILL, order=order_id)
        _check_state(order)
        (view,) = order_views(session, [order])
        return Sheet(view, tuple(_slots(session, unit_rows(session, order_id))))


def place(sheet: Sheet, rows: list[ShipmentRow], source: str) -> placement.Placement:
    """Put a shipping file's rows on the sheet's units (never guessing between models: see
    `hwctl.domain.placement`); the MAC's registered vendor breaks a tie between two SKUs."""
    return placement.place_rows(sheet.slots, rows, source, vendor_of=vendor_of)


def _registered(
    session: Session,
    order: HardwareOrder,
    parsed: Mapping[int, Mac | Ipei],
    units: list[UnitRow],
) -> dict[str, Registered]:
    macs = [normalise(i) for i in parsed.values() if isinstance(i, Mac)]
    ipeis = [normalise(i) for i in parsed.values() if isinstance(i, Ipei)]
    if not macs and not ipeis:
        return {}
    devices = session.exec(
        select(Device, Account.name, Platform.name)
        .join(Account, col(Account.id) == Device.account_id)
        .join(Platform, col(Platform.id) == Account.platform_id)
        .where(or_(col(Device.mac).in_(macs), col(Device.ipei).in_(ipeis)))
    ).all()
    numbers = {u.unit_id: u.number for u in units}
    out: dict[str, Registered] = {}
    for d, account, platform in devices:
        bound_elsewhere = None
        if d.order_unit_id is not None and d.order_unit_id not in numbers:
            bound_elsewhere = f"order {d.order_id}" if d.order_id else "another order"
        out[d.mac or d.ipei or ""] = Registered(
            id=d.id,
            key=d.mac or d.ipei or "",
            kind=d.kind,
            same_account=d.account_id == order.account_id,
            unit_number=numbers.get(d.order_unit_id) if d.order_unit_id else None,
            bound_elsewhere=bound_elsewhere,
            base_id=d.base_id,
            account=account_named(account, platform),
        )
    return out


def account_named(account: str, platform: str) -> str:
    """An account as a refusal names it for a super-admin: `'Initech' of 'Acme Voice'`."""
    return f"{account!r} of {platform!r}"


def _plan(
    session: Session,
    order: HardwareOrder,
    answers: Mapping[int, Answer],
    progress: Progress | None = None,
    units: list[UnitRow] | None = None,
    partial: bool = False,
) -> Plan:
    units = unit_rows(session, order.id) if units is None else units
    slots = _slots(session, units)
    parsed = rules.parse_all(slots, answers, progress)
    registered = _registered(session, order, parsed, units)
    already = 0
    base = rules.pairing_base(slots)  # the one rule: which base the handsets pair to
    if base is not None:
        base_id = base.device_id
        if base_id is None and base.number in parsed:
            known = registered.get(normalise(parsed[base.number]))
            base_id = known.id if known else None
        if base_id is not None:
            unit_ids = [u.unit_id for u in units]
            # Handsets given for this order's units are paired by the plan itself: one that was
            # registered (and paired to this base) beforehand must not take two places.
            given = [r.id for r in registered.values()]
            already = session.exec(
                select(func.count())
                .select_from(Device)
                .where(
                    Device.base_id == base_id,
                    or_(
                        col(Device.order_unit_id).is_(None),
                        col(Device.order_unit_id).not_in(unit_ids),
                    ),
                    col(Device.id).not_in(given),
                )
            ).one()
    with _naming_the_fulfilment(order):
        return rules.build_plan(
            order.id,
            slots,
            parsed,
            registered,
            base_already_paired=already,
            partial=partial,
            org_of=registered_org,
        )


def plan(
    ctx: Context,
    order_id: int,
    answers: Mapping[int, Answer],
    *,
    progress: Progress | None = None,
    partial: bool = False,
) -> Plan:
    """Validate everything and return the plan; writes nothing (the dry run). With `partial`,
    units without an identifier stay open."""
    with ctx.store.session() as session:
        order = authorise(ctx, session, Use.FULFILL, order=order_id)
        _check_state(order)
        return _plan(session, order, answers, progress, partial=partial)


def _check(
    ctx: Context,
    order_id: int,
    answers: Mapping[int, Answer],
    *,
    progress: Progress | None = None,
    vendors: bool = False,
) -> tuple[dict[int, Mac | Ipei], Plan]:
    """The parsed identifiers given so far and the plan of their units only (with the vendor
    doubts when `vendors`: a registry lookup per MAC)."""
    with ctx.store.session() as session:
        order = authorise(ctx, session, Use.FULFILL, order=order_id)
        _check_state(order)
        units = unit_rows(session, order_id)
        slots = [s for s in _slots(session, units) if s.number in answers]
        parsed = rules.parse_all(slots, answers, progress)
        registered = _registered(session, order, parsed, units)
        org_of = registered_org if vendors else None
        with _naming_the_fulfilment(order):
            plan = rules.build_plan(order_id, slots, parsed, registered, org_of=org_of)
        return parsed, plan


def check_answers(
    ctx: Context,
    order_id: int,
    answers: Mapping[int, Answer],
    *,
    progress: Progress | None = None,
) -> dict[int, Mac | Ipei]:
    """Validate the identifiers given so far, before asking for (or reporting) the units still
    without one: each parsed for its unit's kind, none given twice, none in conflict with the
    store (another account, another unit, a unit's device differing). Only the answered units
    are planned, so units still missing are no error here. Returns the parsed identifiers;
    raises InvalidInput/Conflict with the first reason."""
    return _check(ctx, order_id, answers, progress=progress)[0]


def check_identifier(ctx: Context, order_id: int, number: int, text: str) -> str:
    """Validate one typed identifier for unit `number` against its kind and the store; returns
    the normalised display form. Raises InvalidInput/Conflict with the reason."""
    return check_answers(ctx, order_id, {number: Answer(text)})[number].display


@dataclass(frozen=True)
class Checked:
    """One accepted identifier: its display form and the doubts to show under it."""

    shown: str
    warnings: tuple[str, ...]


def check_typed(ctx: Context, order_id: int, number: int, text: str) -> Checked:
    """`check_identifier` for an answer just accepted at a prompt, with what the plan will warn
    about it (a locally administered MAC, a prefix registered to nobody or to another phone
    vendor than the unit's model), so the warning comes under the answer, not only in the
    summary at the end."""
    parsed, the_plan = _check(ctx, order_id, {number: Answer(text)}, vendors=True)
    (unit,) = (u for u in the_plan.units if u.number == number)
    return Checked(parsed[number].display, unit.warnings)


def same_identifier(a: str, b: str, kind: str) -> bool:
    """Whether two typed texts are one identifier of `kind` (`mac`/`ipei`), however written."""
    ka, kb = rules.key_of(a, kind), rules.key_of(b, kind)
    return ka is not None and ka == kb


def is_retry(sheet: Sheet, the_plan: Plan, *, partial: bool) -> bool:
    """A run that has nothing to write: the order is fulfilled, or a parcel is given again. It
    is a quiet no-op (the plan's warnings are noise then), not an error."""
    return the_plan.nothing_to_write and (sheet.is_fulfilled or partial)


def retry_result(ctx: Context, order_id: int, the_plan: Plan | None = None) -> FulfilResult:
    """The result of a run that wrote nothing: the plan (made now when not given), the
    order's units and devices as they are, and its status."""
    with ctx.store.session() as session:
        order = authorise(ctx, session, Use.READ, order=order_id)
        if the_plan is None:
            _check_state(order)
            the_plan = _plan(session, order, {})
        return FulfilResult(the_plan, True, tuple(unit_views(session, order_id)), order.status)


def _plan_signature(the_plan: Plan) -> list[tuple]:
    """What a person confirms in a plan: each unit's action, identifier and base."""
    return [(u.number, u.action, u.key, u.base_unit) for u in the_plan.units]


def fulfil(
    ctx: Context,
    order_id: int,
    answers: Mapping[int, Answer],
    *,
    expected: Plan | None = None,
    progress: Progress | None = None,
    partial: bool = False,
) -> FulfilResult:
    """Write the plan in one transaction; a retry with the same identifiers is a no-op. With
    `partial` (a parcel of a split shipment), units without an identifier stay open and the
    order stays approved until its last unit gets its device. `expected` is the plan the admin
    confirmed: when the order's plan is no longer that one (another admin fulfilled a unit,
    registered an identifier or changed the order meanwhile), nothing is written and the
    Conflict names what changed."""
    try:
        with ctx.store.session(write=True) as session:
            authorise(ctx, session, Use.FULFILL, order=order_id)
            order = session.exec(
                select(HardwareOrder).where(HardwareOrder.id == order_id).with_for_update()
            ).one()
            _check_state(order)
            units = unit_rows(session, order_id)
            the_plan = _plan(session, order, answers, units=units, partial=partial)
            if order.status == OrderStatus.FULFILLED or the_plan.nothing_to_write:
                # A retry (or the same file from another admin who was first): nothing to do.
                views = tuple(unit_views(session, order_id))
                return FulfilResult(the_plan, True, views, order.status)
            if expected is not None and _plan_signature(expected) != _plan_signature(the_plan):
                raise Conflict(
                    f"order {order_id} changed since its plan was shown: "
                    f"{_what_changed(expected, the_plan)}; nothing was written, look again",
                    order=order_id,
                    changed="plan",
                )
            _write(ctx, session, order, the_plan, units, progress)
            if the_plan.complete:
                now = ctx.now().replace(microsecond=0)
                values = {"fulfilled_at": now, "fulfilled_by": ctx.actor}
                guard_status(session, order_id, Action.FULFILL, values)
            details = {
                "created": the_plan.count("create"),
                "linked": the_plan.count("link"),
                "skipped": the_plan.count("skip"),
                "paired": the_plan.paired,
                "pairing": the_plan.pairing,
                "warnings": the_plan.warnings,
                "partial": not the_plan.complete,
                "units": the_plan.written,
            }
            if not the_plan.complete:
                details["open"] = the_plan.count("open")
            audit.record(
                session, ctx, action=AuditAction.FULFILL, order_id=order_id, details=details
            )
            session.flush()
            if the_plan.complete:
                events.emit(session, ctx, order_id, EventType.ORDER_FULFILLED)
            status = OrderStatus.FULFILLED if the_plan.complete else OrderStatus.APPROVED
            return FulfilResult(
                the_plan, False, tuple(unit_views(session, order_id)), str(status.value)
            )
    except exc.IntegrityError as e:
        # A concurrent registration of the same identifier between plan and write.
        raise Conflict(
            f"order {order_id}: an identifier was registered by someone else meanwhile; "
            "nothing was written, run the fulfilment again",
            order=order_id,
        ) from e


def _what_changed(before: Plan, now: Plan) -> str:
    """`unit 2 (W70B): link 805ec0123456, was create` for the first few units that differ."""
    was = {u.number: u for u in before.units}
    parts = []
    for u in now.units:
        old = was.pop(u.number, None)
        if old is None or (old.action, old.key, old.base_unit) != (u.action, u.key, u.base_unit):
            then = f"was {old.action} {old.key or ''}".rstrip() if old else "was not in the plan"
            parts.append(f"unit {u.number}: {u.action} {u.key or ''}".rstrip() + f", {then}")
    parts += [f"unit {n}: no longer in the plan" for n in was]
    return "; ".join(parts[:3]) + (f" and {len(parts) - 3} more" if len(parts) > 3 else "")


def _write(
    ctx: Context,
    session: Session,
    order: HardwareOrder,
    the_plan: Plan,
    unit_list: list[UnitRow],
    progress: Progress | None,
) -> None:
    """Create and link the devices. Bases go first and are flushed once, so handsets can point
    at them; everything else is flushed in one batch (thousands of units in one INSERT batch)."""
    units = {u.number: u for u in unit_list}
    device_of: dict[int, int] = {}
    total = len(the_plan.units)
    bases = [u for u in the_plan.units if u.kind == DeviceKind.DECT_BASE]
    others = [u for u in the_plan.units if u.kind != DeviceKind.DECT_BASE]
    now = ctx.now()
    done = 0
    for batch in (bases, others):
        created: list[tuple[int, Device]] = []
        for up in batch:
            row = units[up.number]
            base_id = device_of.get(up.base_unit) if up.base_unit is not None else None
            if up.action == "open":
                pass
            elif up.action == "skip":
                device_of[up.number] = up.device_id or 0
                if up.pairs and base_id is not None:
                    # Delivered before its base, in an earlier parcel: paired now.
                    device = session.get(Device, up.device_id)
                    device.base_id = base_id
                    session.add(device)
            elif up.action == "create":
                device = Device(
                    account_id=order.account_id,
                    catalog_item_id=row.item_id,
                    kind=row.kind,
                    mac=up.key if row.kind != "dect_handset" else None,
                    ipei=up.key if row.kind == "dect_handset" else None,
                    user_id=row.user_id,
                    location_id=row.location_id if rules.takes_location(row.kind) else None,
                    base_id=base_id,
                    order_id=order.id,
                    order_unit_id=row.unit_id,
                    created_at=now,
                )
                session.add(device)
                created.append((up.number, device))
            else:  # link
                device = session.get(Device, up.device_id)
                device.order_id = order.id
                device.order_unit_id = row.unit_id
                device.catalog_item_id = row.item_id
                if row.user_id is not None:
                    device.user_id = row.user_id
                if row.location_id is not None and rules.takes_location(row.kind):
                    device.location_id = row.location_id
                if base_id is not None:
                    device.base_id = base_id
                session.add(device)
                device_of[up.number] = device.id
            done += 1
            if progress:
                progress(done, total)
        session.flush()
        for number, device in created:
            device_of[number] = device.id
