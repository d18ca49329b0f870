"""Editing a pending order's lines: the review sheet, a preview of the edits, and the
confirmed edit, which re-plans inside its write transaction and refuses when the stored lines
are no longer the ones the admin saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from hwctl.app import audit, events
from hwctl.app.context import Context, authorise
from hwctl.app.listing import catalog_for_order, show_order
from hwctl.app.queries import get_order, order_views_with_texts
from hwctl.app.transitions import guard_status, refused
from hwctl.app.views import LineView, OrderDetail, OrderView
from hwctl.domain import status as lifecycle
from hwctl.domain.access import Use
from hwctl.domain.order_edit import DroppedUnit, Edit, EditPlan, LineState, UnitState, plan_edits
from hwctl.domain.status import Action
from hwctl.errors import ConfirmationNeeded, Conflict, InvalidInput
from hwctl.store.models import (
    AccountUser,
    CatalogItem,
    HardwareOrder,
    Location,
    OrderLine,
    OrderUnit,
)
from hwctl.vocabulary import AuditAction, EventType


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
        guard_status(session, order_id, Action.EDIT)
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
        (view,) = order_views_with_texts(session, [get_order(session, order_id)])
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
