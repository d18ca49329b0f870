"""What a platform sees: an order as `GET /v1/orders/{id}` shows it, and as every webhook event
carries it. One function, so the API and the events never disagree.

The platform's view leaves out what is the super-admins' own business: who decided (names of
staff), the approval note, aliases of catalog items. It keeps what the platform acts on: the
status, the lines as the super-admin left them, the rejection's reason and code, and each
unit's intent and, once delivered, its device.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from hwctl.app.queries import order_views_with_texts, unit_views
from hwctl.app.views import DeviceView, OrderView, UnitView, iso
from hwctl.store.models import HardwareOrder


def device_resource(d: DeviceView) -> dict[str, Any]:
    """A unit's device: its identifier in the stored forms, who and where, and its base."""
    return {
        "id": d.id,
        "kind": d.kind,
        "sku": d.sku,
        "mac": d.mac,
        "ipei": d.ipei,
        "ipui": d.ipui,
        "user": d.user,
        "location": d.location,
        "base": d.base,
    }


def unit_resource(u: UnitView) -> dict[str, Any]:
    return {
        "unit": u.unit,
        "line": u.line,
        "sku": u.sku,
        "kind": u.kind,
        "user": u.user,
        "location": u.location,
        "device": device_resource(u.device) if u.device else None,
    }


def order_summary(view: OrderView, fulfilled_at: Any) -> dict[str, Any]:  # noqa: ANN401
    """An order without its units (the list's items)."""
    return {
        "id": view.id,
        "status": view.status,
        "account": view.account,
        "ordered_at": iso(view.ordered_at),
        "items": [
            {"line": i.line, "sku": i.sku, "name": i.name, "kind": i.kind, "quantity": i.quantity}
            for i in view.items
        ],
        "rejection_reason": view.rejection_reason,
        "rejection_code": view.rejection_code,
        "cancel_reason": view.cancel_reason,
        "decided_at": iso(view.decided_at),
        "fulfilled_at": iso(fulfilled_at),
        "units_done": view.units_done,
        "units_total": view.units_total,
    }


def order_resources(
    session: Session, orders: list[HardwareOrder], *, units: bool
) -> list[dict[str, Any]]:
    views = order_views_with_texts(session, orders)
    fulfilled = {o.id: o.fulfilled_at for o in orders}
    out = []
    for v in views:
        data = order_summary(v, fulfilled.get(v.id))
        if units:
            data["units"] = [unit_resource(u) for u in unit_views(session, v.id)]
        out.append(data)
    return out


def order_resource(session: Session, order: HardwareOrder) -> dict[str, Any]:
    """The order in full, as the platform sees it."""
    (data,) = order_resources(session, [order], units=True)
    return data
