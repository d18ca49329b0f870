"""What a platform sees: an order as `GET /v1/orders/{id}` shows it, and as every webhook event
carries it. One function, so the API and the events never disagree.

The platform's view leaves out what is the super-admins' own business: who decided (names of
staff), the approval note, aliases of catalog items. It keeps what the platform acts on: the
status, the lines as the super-admin left them, the rejection's reason and code, and each
unit's intent and, once delivered, its device.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Row
from sqlmodel import Session

from hwctl.app.queries import (
    accounts_and_lines,
    cancel_reasons,
    ipui_of,
    units_progress,
    units_with_devices,
)
from hwctl.app.views import iso
from hwctl.store.models import HardwareOrder
from hwctl.vocabulary import OrderStatus


class NewLine(NamedTuple):
    """A line of an order being created, as `accounts_and_lines` would read it back."""

    line: int
    sku: str
    name: str
    kind: str
    quantity: int


class NewUnit(NamedTuple):
    """A unit of an order being created, as `units_with_devices` would read it back: its line,
    its intent, and no device yet."""

    line: int
    sku: str
    kind: str
    user: str | None
    location: str | None
    device_id: None = None


def _unit(number: int, u: Row | NewUnit) -> dict[str, Any]:
    """Unit `number` of the order (a row of `units_with_devices`): its line, its intent (who and
    where), and once delivered its device: the identifier in the stored forms, who and where,
    and its base."""
    device = None
    if u.device_id is not None:
        device = {
            "id": u.device_id,
            "kind": u.device_kind,
            "sku": u.device_sku,
            "mac": u.mac,
            "ipei": u.ipei,
            "ipui": ipui_of(u.ipei),
            "user": u.device_user,
            "location": u.device_location,
            "base": u.base,
        }
    return {
        "unit": number,
        "line": u.line,
        "sku": u.sku,
        "kind": u.kind,
        "user": u.user,
        "location": u.location,
        "device": device,
    }


def _summary(o: HardwareOrder | Row, account: str, lines: list[Row] | list[NewLine],
             reason: str | None, done: int, total: int) -> dict[str, Any]:  # fmt: skip
    """An order without its units (the list's items)."""
    return {
        "id": o.id or 0,
        "status": o.status,
        "account": account,
        "ordered_at": iso(o.ordered_at),
        "items": [
            {"line": i.line, "sku": i.sku, "name": i.name, "kind": i.kind, "quantity": i.quantity}
            for i in lines
        ],
        "rejection_reason": o.rejection_reason,
        "rejection_code": o.rejection_code,
        "cancel_reason": reason,
        "decided_at": iso(o.decided_at),
        "fulfilled_at": iso(o.fulfilled_at),
        "units_done": done,
        "units_total": total,
    }


def order_resources(
    session: Session, orders: list[HardwareOrder], *, units: bool
) -> list[dict[str, Any]]:
    """The orders, with their units or without (a list's items). Plain columns, few queries:
    one for the accounts and lines of all, one for the reasons of the cancelled ones, and one for
    the progress of all (without units) or one per order for its units (with)."""
    orders = list(orders)
    if not orders:
        return []
    ids = [o.id or 0 for o in orders]
    heads = accounts_and_lines(session, ids)
    cancelled = [o.id or 0 for o in orders if o.status == OrderStatus.CANCELLED]
    reasons = cancel_reasons(session, cancelled) if cancelled else {}
    out = []
    if not units:
        progress = units_progress(session, ids)
        for o in orders:
            done, total = progress.get(o.id or 0, (0, 0))
            out.append(_summary(o, *heads[o.id or 0], reasons.get(o.id or 0), done, total))
        return out
    for o in orders:
        account, lines = heads[o.id or 0]
        out.append(_with_units(session, o, account, lines, reasons.get(o.id or 0)))
    return out


def _with_units(session: Session, o: HardwareOrder | Row, account: str, lines: list[Row],
                reason: str | None, rows: list[Row] | None = None) -> dict[str, Any]:  # fmt: skip
    if rows is None:
        rows = units_with_devices(session, o.id or 0)
    done = sum(1 for u in rows if u.device_id is not None)
    data = _summary(o, account, lines, reason, done, len(rows))
    data["units"] = [_unit(n, u) for n, u in enumerate(rows, start=1)]
    return data


def order_resource(session: Session, order: HardwareOrder) -> dict[str, Any]:
    """The order in full, as the platform sees it."""
    (data,) = order_resources(session, [order], units=True)
    return data


def order_resource_of(
    session: Session, order: Row, account: str, lines: list[Row], units: list[Row]
) -> dict[str, Any]:
    """`order_resource` of an order read in full already (`queries.order_in_full`): one query
    more for its cancellation reason if it was cancelled, none otherwise."""
    reason = None
    if order.status == OrderStatus.CANCELLED:
        reason = cancel_reasons(session, [order.id]).get(order.id)
    return _with_units(session, order, account, lines, reason, units)


def new_order_resource(
    order: HardwareOrder, account: str, lines: list[NewLine], units: list[NewUnit]
) -> dict[str, Any]:
    """`order_resource` of an order created in this transaction, from what its creation wrote
    (`lines` in line order, `units` in (line, seq) order) instead of reading it back: a pending
    order, nothing cancelled, no unit delivered. The same shape, built by the same functions."""
    data = _summary(order, account, lines, None, 0, len(units))
    data["units"] = [_unit(n, u) for n, u in enumerate(units, start=1)]
    return data
