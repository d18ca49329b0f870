"""Orders: submitting them (the platform side), the Hardware Orders list, one order in full,
editing a pending order's lines, and the decisions (approve, reject, cancel).

Every state change is a conditional UPDATE on the expected status inside the use case's one
transaction, so two admins racing on one order get one winner and one clear refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    func,
    insert,
    literal,
    null,
    or_,
    update,
)
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from hwctl.app import audit, events
from hwctl.app.context import Context, authorise, platform_scope
from hwctl.app.queries import get_order, order_views_with_texts, unit_views
from hwctl.app.resources import NewLine, NewUnit, new_order_resource
from hwctl.app.views import LineView, OrderDetail, OrderPage, OrderView, Outcome, iso
from hwctl.domain import status as lifecycle
from hwctl.domain.access import Use
from hwctl.domain.fulfilment import takes_location
from hwctl.domain.order_edit import (
    DroppedUnit,
    Edit,
    EditPlan,
    LineState,
    UnitState,
    plan_edits,
)
from hwctl.domain.status import Action, OrderStatus
from hwctl.domain.text import search_key
from hwctl.errors import (
    ConfirmationNeeded,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotAuthorised,
    NotFound,
)
from hwctl.io.documents import OrderIn, parse_orders
from hwctl.store.models import (
    Account,
    AccountUser,
    CatalogItem,
    HardwareOrder,
    Location,
    OrderLine,
    OrderUnit,
    Platform,
    Webhook,
)
from hwctl.vocabulary import AuditAction, EventType, RejectionCode

STATUS_FILTERS = (*(s.value for s in OrderStatus), "all")


# -- submitting --------------------------------------------------------------------------------
def submit(ctx: Context, data: str | bytes, source: str) -> list[OrderView]:
    """Store one order or a list of them, all pending; all or nothing. A platform submits only
    for itself."""
    orders = parse_orders(data, source)
    many = len(orders) > 1
    with ctx.store.session(write=True) as session:
        authorise(ctx, session, Use.SUBMIT)
        created = [
            _submit_one(session, ctx, o, f"{source}: order {n + 1}" if many else source)
            for n, o in enumerate(orders)
        ]
        session.flush()
        return _views(session, created)


def _submit_one(session: Session, ctx: Context, o: OrderIn, where: str) -> HardwareOrder:
    new = insert_order(session, ctx, o, where)
    announce_and_record(session, ctx, new)
    return new.order


@dataclass(frozen=True)
class NewOrder:
    """An order inserted in this transaction: its row, what a platform sees of it (the
    resource `GET /v1/orders/{id}` would show) and its submit entry's details, not yet
    written: `announce_and_record` writes the event and then the audit entry."""

    order: HardwareOrder
    resource: dict[str, Any]
    details: dict[str, Any]
    hooks: list[events.Hook]  # the platform's webhooks, read with the creation's lookups


@cache
def _lookups_statement() -> CompoundSelect:
    """Everything an order's creation reads, in one statement, a row per thing (`what`, `id`,
    `name`, `key`, `key_id`, `extra`): the account, by platform and name, with each of its
    users and locations (`user` / `location`: the account's `id` and `name`, the person's or
    place's name as `key` and id as `key_id`; one `user` row of NULL `key` for an account
    without users; none when there is no such account); each item of the platform's catalog
    (`catalog`: `id`, `name`, the SKU as `key`, the kind as `extra`); each of its webhooks
    (`webhook`: `id`, the event types it takes as `extra`)."""
    platform_is = bindparam("platform_id")
    no_text, no_id = cast(null(), String), cast(null(), Integer)

    def named(what: str, model: type[AccountUser] | type[Location], outer: bool) -> Select:
        join = Account.__table__.join(  # type: ignore[attr-defined]
            model.__table__,  # type: ignore[attr-defined]
            col(model.account_id) == col(Account.id),
            isouter=outer,
        )
        return (
            core_select(
                literal(what).label("what"),
                col(Account.id).label("id"),
                col(Account.name).label("name"),
                col(model.name).label("key"),
                col(model.id).label("key_id"),
                no_text.label("extra"),
            )
            .select_from(join)
            .where(col(Account.platform_id) == platform_is, col(Account.name) == bindparam("name"))
        )

    catalog = core_select(
        literal("catalog"), col(CatalogItem.id), col(CatalogItem.name), col(CatalogItem.sku),
        no_id, col(CatalogItem.kind),
    ).where(col(CatalogItem.platform_id) == platform_is)  # fmt: skip
    hooks = core_select(
        literal("webhook"), col(Webhook.id), no_text, no_text, no_id, col(Webhook.events)
    ).where(col(Webhook.platform_id) == platform_is)
    return named("user", AccountUser, True).union_all(
        named("location", Location, False), catalog, hooks
    )


@dataclass(frozen=True)
class _Item:
    id: int
    sku: str
    name: str
    kind: str


def insert_order(
    session: Session, ctx: Context, o: OrderIn, where: str, platform: Platform | None = None
) -> NewOrder:
    """Insert a pending order with its lines and units (`platform`: the row of `o.platform`,
    when the caller has read it already). InvalidInput names what is wrong."""
    if not ctx.principal.is_super_admin and o.platform != ctx.principal.name:
        raise NotAuthorised(
            f"{where}: platform {ctx.principal.name!r} may submit only its own orders",
            principal=ctx.principal.name,
        )
    if platform is None or platform.name != o.platform:
        platform = session.exec(select(Platform).where(Platform.name == o.platform)).first()
    if platform is None:
        raise InvalidInput(f"{where}: unknown platform {o.platform!r}", platform=o.platform)
    # Plain rows, not ORM objects: what an order's creation looks up, in one statement.
    conn = session.connection()
    rows = conn.execute(_lookups_statement(), {"platform_id": platform.id, "name": o.account})
    account = None
    users: dict[str, int] = {}
    locations: dict[str, int] = {}
    catalog: dict[str, _Item] = {}
    hooks: list[events.Hook] = []
    for row in rows:
        if row.what == "catalog":
            catalog[row.key] = _Item(row.id, row.key, row.name, row.extra)
        elif row.what == "webhook":
            hooks.append(events.Hook(row.id, row.extra))
        else:
            account = row
            if row.key is not None:
                (users if row.what == "user" else locations)[row.key] = row.key_id
    if account is None:
        raise InvalidInput(
            f"{where}: platform {o.platform!r} has no account {o.account!r}", field="account"
        )
    now = ctx.now().replace(microsecond=0)
    order = HardwareOrder(
        platform_id=platform.id,
        account_id=account.id,
        status=OrderStatus.PENDING.value,
        ordered_at=(o.ordered_at or now).replace(microsecond=0),
        submitted_at=now,
    )
    session.add(order)
    session.flush()
    seen: set[str] = set()
    lines: list[dict[str, Any]] = []
    intents: list[list[tuple[int | None, int | None]]] = []
    shown_lines: list[NewLine] = []
    shown_units: list[NewUnit] = []
    for n, item in enumerate(o.items):
        at = f"{where}: items[{n}]"
        entry = catalog.get(item.sku)
        if entry is None:
            raise InvalidInput(
                f"{at}: SKU {item.sku!r} is not in the catalog of {o.platform!r}",
                field=f"items[{n}].sku",
            )
        if item.sku in seen:
            raise InvalidInput(
                f"{at}: SKU {item.sku!r} appears on two lines; add the quantities",
                field=f"items[{n}].sku",
            )
        seen.add(item.sku)
        lines.append(
            {
                "order_id": order.id,
                "line_no": n + 1,
                "catalog_item_id": entry.id,
                "quantity": item.quantity,
            }
        )
        shown_lines.append(NewLine(n + 1, entry.sku, entry.name, entry.kind, item.quantity))
        line_units: list[tuple[int | None, int | None]] = []
        for seq in range(1, item.quantity + 1):
            intent = item.units[seq - 1] if seq <= len(item.units) else None
            user_id = location_id = None
            user = location = None
            if intent is not None and intent.user is not None:
                if intent.user not in users:
                    raise InvalidInput(
                        f"{at}: unknown user {intent.user!r} on {o.account!r}",
                        field=f"items[{n}].units[{seq - 1}].user",
                    )
                user, user_id = intent.user, users[intent.user]
            if intent is not None and intent.location is not None:
                if not takes_location(entry.kind):
                    raise InvalidInput(
                        f"{at}.units[{seq - 1}].location: {entry.sku} is a DECT handset, and "
                        "handsets have no location (give the location on its base)",
                        field=f"items[{n}].units[{seq - 1}].location",
                    )
                if intent.location not in locations:
                    raise InvalidInput(
                        f"{at}: unknown location {intent.location!r} on {o.account!r}",
                        field=f"items[{n}].units[{seq - 1}].location",
                    )
                location, location_id = intent.location, locations[intent.location]
            line_units.append((user_id, location_id))
            shown_units.append(NewUnit(n + 1, entry.sku, entry.kind, user, location))
        intents.append(line_units)
    # Plain inserts, one statement each for all the lines and all the units (the ORM would
    # build an object per row and flush the lines one by one to learn their ids).
    line_ids = (
        dict(
            conn.execute(
                insert(OrderLine.__table__).returning(  # type: ignore[attr-defined]
                    col(OrderLine.line_no), col(OrderLine.id)
                ),
                lines,
            ).all()
        )
        if lines
        else {}
    )
    units = [
        {
            "order_id": order.id,
            "line_id": line_ids[n + 1],
            "seq": seq,
            "user_id": user_id,
            "location_id": location_id,
        }
        for n, line_units in enumerate(intents)
        for seq, (user_id, location_id) in enumerate(line_units, start=1)
    ]
    if units:
        conn.execute(insert(OrderUnit.__table__), units)  # type: ignore[attr-defined]
    details = {
        "platform": o.platform,
        "account": o.account,
        "items": [{"sku": i.sku, "quantity": i.quantity} for i in o.items],
    }
    resource = new_order_resource(order, account.name, shown_lines, shown_units)
    return NewOrder(order, resource, details, hooks)


def announce_and_record(session: Session, ctx: Context, new: NewOrder) -> None:
    """The order-created event, then the submit audit entry: the entry last, so the audit
    chain's lock (held until COMMIT on PostgreSQL) is taken as late as the caller allows."""
    order_id = new.order.id or 0
    created = events.Known(new.order.platform_id, new.resource, new.hooks)
    events.emit(session, ctx, order_id, EventType.ORDER_CREATED, created=created)
    audit.record(session, ctx, action=AuditAction.SUBMIT, order_id=order_id, details=new.details)


# -- reading -----------------------------------------------------------------------------------
_views = order_views_with_texts


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_orders(
    ctx: Context,
    *,
    status: str = "pending",
    platform: str | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> OrderPage:
    """The Hardware Orders page, oldest order first, with the pending badge."""
    if status not in STATUS_FILTERS:
        raise InvalidInput(
            f"unknown status {status!r}: use one of {', '.join(STATUS_FILTERS)}", field="status"
        )
    if limit is not None and limit < 0:
        raise InvalidInput("limit must be 0 or more", field="limit")
    platform = platform_scope(ctx, platform)
    with ctx.store.session() as session:
        authorise(ctx, session, Use.READ)
        query = select(HardwareOrder)
        counted = select(func.count()).select_from(HardwareOrder)
        conditions = []
        if status != "all":
            conditions.append(HardwareOrder.status == status)
        if platform is not None:
            pid = session.exec(select(Platform.id).where(Platform.name == platform)).first()
            if pid is None:
                raise NotFound(f"unknown platform {platform!r}", platform=platform)
            conditions.append(HardwareOrder.platform_id == pid)
        if search:
            # One rule on every store: both sides folded by search_key, then a plain LIKE.
            pattern = f"%{_escape_like(search_key(search))}%"
            matching_accounts = (
                select(Account.id)
                .join(Platform, col(Platform.id) == Account.platform_id)
                .where(
                    or_(
                        col(Account.search_key).like(pattern, escape="\\"),
                        col(Platform.search_key).like(pattern, escape="\\"),
                    )
                )
            )
            conditions.append(col(HardwareOrder.account_id).in_(matching_accounts))
        for c in conditions:
            query = query.where(c)
            counted = counted.where(c)
        query = query.order_by(col(HardwareOrder.ordered_at), col(HardwareOrder.id))
        if limit is not None:
            query = query.limit(limit)
        orders = _views(session, session.exec(query).all())
        total = session.exec(counted).one()
        pending = session.exec(
            select(func.count())
            .select_from(HardwareOrder)
            .where(HardwareOrder.status == OrderStatus.PENDING)
        ).one()
    return OrderPage(tuple(orders), total, pending)


def show_order(ctx: Context, order_id: int) -> OrderDetail:
    with ctx.store.session() as session:
        order = authorise(ctx, session, Use.READ, order=order_id)
        (view,) = _views(session, [order])
        return OrderDetail(
            order=view,
            units=tuple(unit_views(session, order_id)),
            audit=tuple(audit.entries_for(session, order_id)),
            note=order.note,
        )


def catalog_for_order(ctx: Context, order_id: int) -> list[LineView]:
    """The catalog of the order's own platform (line = 0), for choosing items to add."""
    with ctx.store.session() as session:
        order = authorise(ctx, session, Use.READ, order=order_id)
        items = session.exec(
            select(CatalogItem)
            .where(CatalogItem.platform_id == order.platform_id)
            .order_by(col(CatalogItem.sku))
        )
        return [LineView(0, i.sku, i.name, i.kind, 0) for i in items]


# -- editing -----------------------------------------------------------------------------------
def _line_states(session: Session, order_id: int) -> list[LineState]:
    rows = session.exec(
        select(OrderLine, CatalogItem)
        .join(CatalogItem, col(CatalogItem.id) == OrderLine.catalog_item_id)
        .where(OrderLine.order_id == order_id)
        .order_by(col(OrderLine.line_no))
    ).all()
    units = session.exec(
        select(OrderUnit, AccountUser.name, Location.name)
        .outerjoin(AccountUser, col(AccountUser.id) == OrderUnit.user_id)
        .outerjoin(Location, col(Location.id) == OrderUnit.location_id)
        .where(OrderUnit.order_id == order_id)
        .order_by(col(OrderUnit.line_id), col(OrderUnit.seq))
    ).all()
    per_line: dict[int, list[UnitState]] = {}
    for unit, user, location in units:
        intent = " · ".join(x for x in (user, location) if x) or None
        per_line.setdefault(unit.line_id, []).append(UnitState(unit.seq, intent))
    return [
        LineState(line.line_no, item.sku, line.quantity, tuple(per_line.get(line.id, [])))
        for line, item in rows
    ]


def _plan(session: Session, order: HardwareOrder, edits: Sequence[Edit]) -> EditPlan:
    if not lifecycle.can(Action.EDIT, order.status):
        raise refused(order, Action.EDIT)
    catalog = set(
        session.exec(
            select(CatalogItem.sku).where(CatalogItem.platform_id == order.platform_id)
        ).all()
    )
    return plan_edits(order.id, _line_states(session, order.id), list(edits), catalog)


@dataclass(frozen=True)
class ReviewSheet:
    """What an admin reviews an order's lines on: the order in full and its platform's
    catalog (the items that can be added)."""

    detail: OrderDetail
    catalog: list[LineView]


def open_review(ctx: Context, order_id: int) -> ReviewSheet:
    """Refuse unless the principal may edit the order and it is pending; then the sheet."""
    with ctx.store.session() as session:
        _plan(session, authorise(ctx, session, Use.EDIT, order=order_id), [])
    return ReviewSheet(show_order(ctx, order_id), catalog_for_order(ctx, order_id))


def preview_edit(ctx: Context, order_id: int, edits: Sequence[Edit]) -> EditPlan:
    """What the edits would do, without writing (checks state, catalog and lines). Its
    `before` is what the admin sees: hand it back to `edit_order` as `expected`."""
    with ctx.store.session() as session:
        return _plan(session, authorise(ctx, session, Use.EDIT, order=order_id), edits)


@dataclass(frozen=True)
class EditResult:
    plan: EditPlan
    order: OrderView


def edit_order(
    ctx: Context,
    order_id: int,
    edits: Sequence[Edit],
    *,
    expected: Sequence[LineState] | None = None,
    allow_intent_drops: bool = False,
) -> EditResult:
    """Apply line edits to a pending order, audited with before and after.

    `expected` is the order's lines as the admin saw them when confirming (a preview's
    `before`): when the stored lines differ (another admin edited meanwhile), nothing is written
    and the Conflict names what changed, so a confirmed "remove line 2 (W70B)" never removes a
    line 2 that is now something else. Without it, the edits apply to the lines as stored.
    Dropping units that have an intent needs `allow_intent_drops` (the admin confirmed it)."""
    if not edits:
        raise InvalidInput("nothing to change", field="edits")
    with ctx.store.session(write=True) as session:
        authorise(ctx, session, Use.EDIT, order=order_id)
        # Gate (and on PostgreSQL lock) the order before reading its lines, so that two admins
        # editing at once each plan from the lines the other one left, not from a stale read.
        _guard_status(session, order_id, Action.EDIT)
        order = get_order(session, order_id)
        plan = _plan(session, order, edits)
        if expected is not None:
            changed = _lines_changed(expected, plan.before)
            if changed:
                raise Conflict(
                    f"order {order_id} was changed since you reviewed it ({changed}); "
                    "nothing was written, review it again",
                    order=order_id,
                    changed="lines",
                )
        if plan.dropped_intents and not allow_intent_drops:
            raise ConfirmationNeeded(
                f"this drops units with an intent ({describe_drops(plan.dropped_intents)})",
                order=order_id,
            )
        _apply_plan(session, order, plan)
        audit.record(
            session,
            ctx,
            action=AuditAction.EDIT,
            order_id=order_id,
            details={
                "before": [
                    {"line": x.line, "sku": x.sku, "quantity": x.quantity} for x in plan.before
                ],
                "after": [
                    {"line": x.line, "sku": x.sku, "quantity": x.quantity} for x in plan.after
                ],
                "dropped_intents": [
                    {"line": d.line, "sku": d.sku, "intent": d.intent} for d in plan.dropped_intents
                ],
            },
        )
        session.flush()
        session.expire_all()
        events.emit(session, ctx, order_id, EventType.ORDER_EDITED)
        (view,) = _views(session, [get_order(session, order_id)])
        return EditResult(plan, view)


def _lines_changed(expected: Sequence[LineState], stored: Sequence[LineState]) -> str:
    """What differs between the lines an admin saw and the stored ones, or "" when nothing:
    `line 2 is now W73H x1, was W70B x1`, `line 3 is new`, `line 2 was removed`."""
    seen = {x.line: (x.sku, x.quantity) for x in expected}
    now = {x.line: (x.sku, x.quantity) for x in stored}
    parts = []
    for line in sorted(seen.keys() | now.keys()):
        before, after = seen.get(line), now.get(line)
        if before == after:
            continue
        if before is None:
            parts.append(f"line {line} is new ({after[0]} x{after[1]})")
        elif after is None:
            parts.append(f"line {line} ({before[0]}) was removed")
        else:
            parts.append(f"line {line} is now {after[0]} x{after[1]}, was {before[0]} x{before[1]}")
    return "; ".join(parts)


def describe_drops(drops: Sequence[DroppedUnit]) -> str:
    return "; ".join(f"line {d.line} {d.sku} for {d.intent}" for d in drops)


def _apply_plan(session: Session, order: HardwareOrder, plan: EditPlan) -> None:
    lines = {
        ln.line_no: ln
        for ln in session.exec(select(OrderLine).where(OrderLine.order_id == order.id))
    }
    dropped = {(d.line, d.seq) for d in plan.dropped}
    for d in plan.dropped:
        unit = session.exec(
            select(OrderUnit).where(OrderUnit.line_id == lines[d.line].id, OrderUnit.seq == d.seq)
        ).one()
        session.delete(unit)
    session.flush()  # units before their lines: the ORM does not order these deletes itself
    kept = {x.line for x in plan.after}
    for line_no, row in lines.items():
        if line_no not in kept:
            session.delete(row)
    session.flush()
    items = {
        i.sku: i.id
        for i in session.exec(
            select(CatalogItem).where(CatalogItem.platform_id == order.platform_id)
        )
    }
    for state in plan.after:
        row = lines.get(state.line)
        if row is None:
            row = OrderLine(
                order_id=order.id,
                line_no=state.line,
                catalog_item_id=items[state.sku],
                quantity=state.quantity,
            )
            session.add(row)
            session.flush()
            have = 0
            top = 0
        else:
            remaining = [u for u in state.units if (state.line, u.seq) not in dropped]
            have = len(remaining)
            top = max((u.seq for u in state.units), default=0)
            row.quantity = state.quantity
            session.add(row)
        for k in range(state.quantity - have):
            session.add(OrderUnit(order_id=order.id, line_id=row.id, seq=top + k + 1))
    session.flush()


# -- decisions ---------------------------------------------------------------------------------
def _guard_status(
    session: Session, order_id: int, action: Action, values: dict | None = None
) -> None:
    """The race-free gate: UPDATE ... WHERE status IN (allowed); zero rows means refused."""
    allowed = [s.value for s in lifecycle.allowed_from(action)]
    new = lifecycle.target(action)
    result = session.execute(
        update(HardwareOrder)
        .where(col(HardwareOrder.id) == order_id, col(HardwareOrder.status).in_(allowed))
        .values(status=new.value, **(values or {}))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        current = session.exec(
            select(HardwareOrder)
            .where(HardwareOrder.id == order_id)
            .execution_options(populate_existing=True)  # as stored now, not as loaded before
        ).first()
        if current is None:
            raise NotFound(f"order {order_id} does not exist", order=order_id)
        raise refused(current, action)


def refused(order: HardwareOrder, action: Action) -> InvalidTransition:
    """`action` refused in the order's state, with who brought it there and when (`by`, `at`):
    the fulfilment's actor and time for a fulfilled order, the last decision's otherwise (none
    for a pending order). Its message names neither (a platform may read it); the CLI adds
    them."""
    by, at = order.decided_by, order.decided_at
    if order.status == OrderStatus.FULFILLED:
        by, at = order.fulfilled_by, order.fulfilled_at
    elif order.status == OrderStatus.PENDING:
        by = at = None
    return lifecycle.invalid_transition(order.id or 0, action, order.status, by, iso(at))


def preflight(ctx: Context, order_ids: Sequence[int], action: Action) -> dict[int, str]:
    """Before asking for a confirmation: refuse unless the principal may decide at all, and
    return the warnings to show first (cancelling an approved order: the hardware may be
    ordered). Each order is checked again, race-free, when it is decided."""
    with ctx.store.session() as session:
        authorise(ctx, session, _USE[action])
        if action is not Action.CANCEL:
            return {}
        rows = session.exec(
            select(HardwareOrder.id, HardwareOrder.status).where(
                col(HardwareOrder.id).in_(list(order_ids)),
                HardwareOrder.status == OrderStatus.APPROVED,
            )
        ).all()
    return {oid: f"order {oid} is approved: the hardware may already be ordered" for oid, _ in rows}


def at_hand(ctx: Context, order_ids: Sequence[int]) -> list[OrderView]:
    """The orders a confirmation is about, as they stand now (status, platform, account,
    items), in the order given. Those that do not exist (or, for a platform, are another
    platform's) are left out: deciding them is refused with its own line."""
    wanted = list(dict.fromkeys(order_ids))
    with ctx.store.session() as session:
        rows = session.exec(select(HardwareOrder).where(col(HardwareOrder.id).in_(wanted))).all()
        visible = []
        for row in rows:
            try:
                authorise(ctx, session, Use.READ, order=row)
            except NotFound:
                continue
            visible.append(row)
        views = {v.id: v for v in order_views_with_texts(session, visible)}
    return [views[i] for i in wanted if i in views]


_EVENT = {
    Action.APPROVE: EventType.ORDER_APPROVED,
    Action.REJECT: EventType.ORDER_REJECTED,
    Action.CANCEL: EventType.ORDER_CANCELLED,
}

_USE = {
    Action.EDIT: Use.EDIT,
    Action.APPROVE: Use.APPROVE,
    Action.REJECT: Use.REJECT,
    Action.CANCEL: Use.CANCEL,
}


def _decide_one(
    ctx: Context,
    order_id: int,
    action: Action,
    *,
    reason: str | None = None,
    note: str | None = None,
    code: RejectionCode | None = None,
) -> Outcome:
    warnings: tuple[str, ...] = ()
    try:
        with ctx.store.session(write=True) as session:
            authorise(ctx, session, _USE[action], order=order_id)
            # FOR UPDATE (PostgreSQL): a cancellation racing an approval must see "approved"
            # once it gets the row, to warn and to audit the real `from`.
            before = session.exec(
                select(HardwareOrder.status).where(HardwareOrder.id == order_id).with_for_update()
            ).first()
            if before is None:
                raise NotFound(f"order {order_id} does not exist", order=order_id)
            now = ctx.now().replace(microsecond=0)
            # decided_by/decided_at name the last decision, a cancellation included.
            values: dict = {"decided_by": ctx.actor, "decided_at": now}
            if action is Action.REJECT:
                values["rejection_reason"] = reason
                values["rejection_code"] = code
            if action is Action.APPROVE and note:
                values["note"] = note
            _guard_status(session, order_id, action, values)
            if action is Action.CANCEL and before == OrderStatus.APPROVED:
                warnings = (
                    f"order {order_id} was approved: the hardware may already be ordered "
                    f"from the distributor",
                )
            audit.record(
                session,
                ctx,
                action=action.value,
                order_id=order_id,
                # the rejection's or the cancellation's reason, or the approval's note
                reason=note if action is Action.APPROVE else reason,
                details={
                    "from": before,
                    "to": lifecycle.target(action).value,
                    **({"code": code.value} if code else {}),
                },
            )
            events.emit(session, ctx, order_id, _EVENT[action])
    except (NotFound, InvalidTransition) as e:
        return Outcome(order_id, False, e.message, error=e)
    return Outcome(
        order_id,
        True,
        lifecycle.target(action).value,
        lifecycle.target(action).value,
        warnings,
    )


def decide(
    ctx: Context,
    order_ids: Sequence[int],
    action: Action,
    *,
    reason: str | None = None,
    note: str | None = None,
    code: RejectionCode | str | None = None,
) -> list[Outcome]:
    """Approve, reject or cancel each order on its own (own transaction, own audit entry).

    `reason` is the rejection's (required) or the cancellation's (optional) reason, `note` the
    approval's note; each goes into the audit entry's `reason`, a rejection reason also onto the
    order (`rejection_reason`) and a note onto the order (`note`). Every decision sets
    `decided_by` and `decided_at`. Not being a super-admin refuses the whole call; a wrong state
    refuses only that order.
    """
    if action not in (Action.APPROVE, Action.REJECT, Action.CANCEL):
        raise ValueError(action)
    # Texts from outside: one line, no control characters, capped (see status.decision_text).
    # The messages name the field (`reason: ...`), not a command-line option.
    rejection = None
    if action is Action.REJECT:
        rejected = lifecycle.Rejection.of(reason, code)  # the one rule (a door may call it too)
        reason, rejection = rejected.reason, rejected.code
    elif action is Action.CANCEL:
        reason = lifecycle.decision_text("reason", reason)  # optional: None when blank
    else:
        reason = None
    note = lifecycle.decision_text("note", note) if action is Action.APPROVE else None
    seen: list[int] = []
    for oid in order_ids:
        if oid not in seen:
            seen.append(oid)
    preflight(ctx, seen, action)
    return [_decide_one(ctx, oid, action, reason=reason, note=note, code=rejection) for oid in seen]
