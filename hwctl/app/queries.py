"""Read helpers shared by the use cases: loading orders, units and devices as plain views.

They run inside the caller's session and never commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import TypeVar

from sqlalchemy import ColumnElement, Row, Select, bindparam, func
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from hwctl.app.views import DeviceView, LineView, OrderView, UnitView
from hwctl.domain.identifiers import Ipei, Mac, parse_ipei
from hwctl.errors import NotFound
from hwctl.store.models import (
    Account,
    AccountUser,
    AuditEntry,
    CatalogAlias,
    CatalogItem,
    Device,
    HardwareOrder,
    Location,
    OrderLine,
    OrderUnit,
    Platform,
)
from hwctl.vocabulary import Action, OrderStatus

M = TypeVar("M")  # a table model


def get_order(session: Session, order_id: int) -> HardwareOrder:
    order = session.get(HardwareOrder, order_id)
    if order is None:
        raise NotFound(f"order {order_id} does not exist", order=order_id)
    return order


def lines_for(session: Session, order_ids: Sequence[int]) -> dict[int, list[LineView]]:
    """Line views per order id, in line order (one query for any number of orders)."""
    out: dict[int, list[LineView]] = defaultdict(list)
    if not order_ids:
        return out
    rows = session.exec(
        select(OrderLine, CatalogItem)
        .join(CatalogItem, col(CatalogItem.id) == OrderLine.catalog_item_id)
        .where(col(OrderLine.order_id).in_(list(order_ids)))
        .order_by(col(OrderLine.order_id), col(OrderLine.line_no))
    )
    rows = rows.all()
    aliases: dict[int, list[str]] = defaultdict(list)
    for item_id, alias in session.exec(
        select(CatalogAlias.catalog_item_id, CatalogAlias.alias)
        .where(col(CatalogAlias.catalog_item_id).in_({item.id for _, item in rows}))
        .order_by(col(CatalogAlias.id))
    ):
        aliases[item_id].append(alias)
    for line, item in rows:
        out[line.order_id].append(
            LineView(
                line.line_no,
                item.sku,
                item.name,
                item.kind,
                line.quantity,
                tuple(aliases.get(item.id or 0, ())),
            )
        )
    return out


def order_views(session: Session, orders: Iterable[HardwareOrder]) -> list[OrderView]:
    orders = list(orders)
    if not orders:
        return []
    names = dict(
        session.exec(
            select(Platform.id, Platform.name).where(
                col(Platform.id).in_({o.platform_id for o in orders})
            )
        ).all()
    )
    accounts = dict(
        session.exec(
            select(Account.id, Account.name).where(
                col(Account.id).in_({o.account_id for o in orders})
            )
        ).all()
    )
    ids = [o.id for o in orders if o.id is not None]
    lines = lines_for(session, ids)
    progress = units_progress(session, ids)
    return [
        OrderView(
            id=o.id or 0,
            status=o.status,
            platform=names[o.platform_id],
            account=accounts[o.account_id],
            ordered_at=o.ordered_at,
            items=tuple(lines.get(o.id or 0, [])),
            rejection_reason=o.rejection_reason,
            rejection_code=o.rejection_code,
            decided_by=o.decided_by,
            decided_at=o.decided_at,
            fulfilled_by=o.fulfilled_by,
            fulfilled_at=o.fulfilled_at,
            units_done=progress.get(o.id or 0, (0, 0))[0],
            units_total=progress.get(o.id or 0, (0, 0))[1],
        )
        for o in orders
    ]


def units_progress(session: Session, order_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """(units with a device, units) per order id, in one query for any number of orders."""
    if not order_ids:
        return {}
    rows = session.exec(
        select(OrderUnit.order_id, func.count(col(Device.id)), func.count(col(OrderUnit.id)))
        .outerjoin(Device, col(Device.order_unit_id) == OrderUnit.id)
        .where(col(OrderUnit.order_id).in_(list(order_ids)))
        .group_by(col(OrderUnit.order_id))
    ).all()
    return {order_id: (done, total) for order_id, done, total in rows}


@dataclass(frozen=True)
class UnitRow:
    """One physical unit with everything fulfilment and rendering need."""

    number: int
    unit_id: int
    line_no: int
    line_id: int
    seq: int
    item_id: int
    sku: str
    name: str
    kind: str
    max_handsets: int | None
    user_id: int | None
    user: str | None
    location_id: int | None
    location: str | None


def unit_rows(session: Session, order_id: int) -> list[UnitRow]:
    """The order's units numbered 1..N in (line, seq) order (plain columns: thousands of units
    load in milliseconds, no ORM identity map)."""
    rows = session.exec(
        select(
            OrderUnit.id,
            OrderUnit.seq,
            OrderUnit.user_id,
            OrderUnit.location_id,
            OrderLine.id,
            OrderLine.line_no,
            CatalogItem.id,
            CatalogItem.sku,
            CatalogItem.name,
            CatalogItem.kind,
            CatalogItem.max_handsets,
            AccountUser.name,
            Location.name,
        )
        .join(OrderLine, col(OrderLine.id) == OrderUnit.line_id)
        .join(CatalogItem, col(CatalogItem.id) == OrderLine.catalog_item_id)
        .outerjoin(AccountUser, col(AccountUser.id) == OrderUnit.user_id)
        .outerjoin(Location, col(Location.id) == OrderUnit.location_id)
        .where(OrderUnit.order_id == order_id)
        .order_by(col(OrderLine.line_no), col(OrderUnit.seq))
    ).all()
    return [
        UnitRow(
            number=n,
            unit_id=unit_id,
            line_no=line_no,
            line_id=line_id,
            seq=seq,
            item_id=item_id,
            sku=sku,
            name=name,
            kind=kind,
            max_handsets=max_handsets,
            user_id=user_id,
            user=user,
            location_id=location_id,
            location=location,
        )
        for n, (
            unit_id, seq, user_id, location_id, line_id, line_no, item_id, sku, name, kind,
            max_handsets, user, location,
        ) in enumerate(rows, start=1)
    ]  # fmt: skip


def ipui_of(ipei: str | None) -> str | None:
    return parse_ipei(ipei).ipui if ipei else None


# The paired base of a device: one alias for every query (building an alias costs more than the
# query it is used in).
_Base = aliased(Device)


def device_query():
    """A select of (Device, platform, account, sku, user, location, base MAC)."""
    base = _Base
    return (
        select(
            Device,
            Platform.name,
            Account.name,
            CatalogItem.sku,
            AccountUser.name,
            Location.name,
            base.mac,
        )
        .join(Account, col(Account.id) == Device.account_id)
        .join(Platform, col(Platform.id) == Account.platform_id)
        .outerjoin(CatalogItem, col(CatalogItem.id) == Device.catalog_item_id)
        .outerjoin(AccountUser, col(AccountUser.id) == Device.user_id)
        .outerjoin(Location, col(Location.id) == Device.location_id)
        .outerjoin(base, base.id == Device.base_id)
    )


def device_view(row) -> DeviceView:
    device, platform, account, sku, user, location, base_mac = row
    return DeviceView(
        id=device.id,
        platform=platform,
        account=account,
        kind=device.kind,
        sku=sku,
        mac=device.mac,
        ipei=device.ipei,
        ipui=ipui_of(device.ipei),
        user=user,
        location=location,
        base=base_mac,
        order=device.order_id,
    )


def unit_views(session: Session, order_id: int) -> list[UnitView]:
    units = unit_rows(session, order_id)
    devices: dict[int, DeviceView] = {}
    if units:
        rows = session.exec(
            device_query().where(col(Device.order_unit_id).in_([u.unit_id for u in units]))
        ).all()
        for row in rows:
            devices[row[0].order_unit_id] = device_view(row)
    return [
        UnitView(
            unit=u.number,
            line=u.line_no,
            sku=u.sku,
            name=u.name,
            kind=u.kind,
            user=u.user,
            location=u.location,
            device=devices.get(u.unit_id),
        )
        for u in units
    ]


def shown(ident: Mac | Ipei) -> str:
    return f"MAC {ident.display}" if isinstance(ident, Mac) else f"IPEI {ident.display}"


_CHUNK = 1000  # order ids per IN (...): far below SQLite's and PostgreSQL's parameter limits


def cancel_reasons(session: Session, order_ids: Sequence[int]) -> dict[int, str | None]:
    """The cancellation reason of each cancelled order (in its `cancel` audit entry: the order has
    no column for it)."""
    reasons: dict[int, str | None] = {}
    for start in range(0, len(order_ids), _CHUNK):
        rows = session.exec(
            select(AuditEntry.order_id, AuditEntry.reason)
            .where(
                AuditEntry.action == Action.CANCEL.value,
                col(AuditEntry.order_id).in_(order_ids[start : start + _CHUNK]),
            )
            .order_by(col(AuditEntry.at), col(AuditEntry.id))
        ).all()
        for order_id, reason in rows:  # the last cancellation wins (there is only one)
            reasons[order_id or 0] = reason
    return reasons


def order_views_with_texts(session: Session, orders: Iterable[HardwareOrder]) -> list[OrderView]:
    """The orders' views with the texts of their decisions: the approval note (on the order) and
    the cancellation reason (in the `cancel` audit entry: the order has no column for it)."""
    orders = list(orders)
    views = order_views(session, orders)
    notes = {o.id: o.note for o in orders}
    reasons = cancel_reasons(session, [v.id for v in views if v.status == OrderStatus.CANCELLED])
    return [replace(v, note=notes.get(v.id), cancel_reason=reasons.get(v.id)) for v in views]


# -- the platform's view of an order (hwctl.app.resources): what it shows, in as few queries as
# it takes, with statements built once (plain columns: no ORM identity map on this read path).


def _with_lines(*columns: ColumnElement) -> Select:
    """Orders with their account's name and their lines: `columns`, then `account`, `line`,
    `sku`, `name`, `kind`, `quantity`; a row per line, one of NULL line columns for an order
    without lines."""
    return (
        core_select(
            *columns,
            col(Account.name).label("account"),
            col(OrderLine.line_no).label("line"),
            col(CatalogItem.sku).label("sku"),
            col(CatalogItem.name).label("name"),
            col(CatalogItem.kind).label("kind"),
            col(OrderLine.quantity).label("quantity"),
        )
        .select_from(HardwareOrder)
        .join(Account, col(Account.id) == HardwareOrder.account_id)
        .outerjoin(OrderLine, col(OrderLine.order_id) == HardwareOrder.id)
        .outerjoin(CatalogItem, col(CatalogItem.id) == OrderLine.catalog_item_id)
    )


@cache
def _lines_statement() -> Select:
    return (
        _with_lines(col(HardwareOrder.id).label("order_id"))
        .where(col(HardwareOrder.id).in_(bindparam("ids", expanding=True)))
        .order_by(col(HardwareOrder.id), col(OrderLine.line_no))
    )


def accounts_and_lines(
    session: Session, order_ids: Sequence[int]
) -> dict[int, tuple[str, list[Row]]]:
    """Per order id: its account's name and its lines (`line`, `sku`, `name`, `kind`,
    `quantity`) in line order. One query for any number of orders."""
    out: dict[int, tuple[str, list[Row]]] = {}
    for start in range(0, len(order_ids), _CHUNK):
        ids = list(order_ids[start : start + _CHUNK])
        for row in session.connection().execute(_lines_statement(), {"ids": ids}):
            lines = out.setdefault(row.order_id, (row.account, []))[1]
            if row.line is not None:  # an order without lines has one row of NULLs
                lines.append(row)
    return out


def _with_unit_columns(query: Select) -> Select:
    """`query`, which reads OrderUnit rows, with each unit's intent (`user`, `location`) and
    its device if it has one (`device_id`, `device_kind`, `device_sku`, `mac`, `ipei`,
    `device_user`, `device_location`, `base`, the paired base's MAC); a unit has at most one
    device."""
    device_item, device_user, device_location = (
        aliased(CatalogItem),
        aliased(AccountUser),
        aliased(Location),
    )
    return (
        query.add_columns(
            col(AccountUser.name).label("user"),
            col(Location.name).label("location"),
            col(Device.id).label("device_id"),
            col(Device.kind).label("device_kind"),
            col(device_item.sku).label("device_sku"),
            col(Device.mac).label("mac"),
            col(Device.ipei).label("ipei"),
            col(device_user.name).label("device_user"),
            col(device_location.name).label("device_location"),
            col(_Base.mac).label("base"),
        )
        .outerjoin(AccountUser, col(AccountUser.id) == OrderUnit.user_id)
        .outerjoin(Location, col(Location.id) == OrderUnit.location_id)
        .outerjoin(Device, col(Device.order_unit_id) == OrderUnit.id)
        .outerjoin(device_item, col(device_item.id) == Device.catalog_item_id)
        .outerjoin(device_user, col(device_user.id) == Device.user_id)
        .outerjoin(device_location, col(device_location.id) == Device.location_id)
        .outerjoin(_Base, col(_Base.id) == Device.base_id)
    )


@cache
def _order_statement() -> Select:
    lines = _with_lines(
        *HardwareOrder.__table__.columns,  # type: ignore[attr-defined]
        col(OrderUnit.seq).label("unit_seq"),
    ).outerjoin(OrderUnit, col(OrderUnit.line_id) == OrderLine.id)
    return (
        _with_unit_columns(lines)
        .where(col(HardwareOrder.id) == bindparam("order_id"))
        .order_by(col(OrderLine.line_no), col(OrderUnit.seq))
    )


def order_in_full(session: Session, order_id: int) -> tuple[Row, str, list[Row], list[Row]] | None:
    """One order's row (its columns as attributes, as on a `HardwareOrder`), its account's name,
    its lines (`line`, `sku`, `name`, `kind`, `quantity`) in line order and its units as
    `units_with_devices` reads them: one query (a row per unit, or per line without units, or
    one for an order without lines), plain rows. None when there is no such order (or the
    tenant's policies hide it)."""
    rows = list(session.connection().execute(_order_statement(), {"order_id": order_id}))
    if not rows:
        return None
    lines: list[Row] = []
    for row in rows:
        if row.line is not None and (not lines or lines[-1].line != row.line):
            lines.append(row)
    units = [row for row in rows if row.unit_seq is not None]
    return rows[0], rows[0].account, lines, units


@cache
def _units_statement():
    units = (
        core_select(
            col(OrderLine.line_no).label("line"),
            col(CatalogItem.sku).label("sku"),
            col(CatalogItem.kind).label("kind"),
        )
        .select_from(OrderUnit)
        .join(OrderLine, col(OrderLine.id) == OrderUnit.line_id)
        .join(CatalogItem, col(CatalogItem.id) == OrderLine.catalog_item_id)
    )
    return (
        _with_unit_columns(units)
        .where(col(OrderUnit.order_id) == bindparam("order_id"))
        .order_by(col(OrderLine.line_no), col(OrderUnit.seq))
    )


def units_with_devices(session: Session, order_id: int) -> list[Row]:
    """The order's units in (line, seq) order, so the n-th is unit n: its line (`line`, `sku`,
    `kind`), its intent (`user`, `location`) and its device if it has one (`device_id`,
    `device_kind`, `device_sku`, `mac`, `ipei`, `device_user`, `device_location`, `base`, the
    paired base's MAC). One query; a unit has at most one device."""
    return list(session.connection().execute(_units_statement(), {"order_id": order_id}))


def with_platform(session: Session, model: type[M], row_id: int, noun: str) -> tuple[M, str]:
    """A row of a table that names its platform (a token, a webhook, an event), by id, with
    its platform's name; NotFound naming the noun (`token 3 does not exist`) otherwise."""
    found = session.exec(
        select(model, Platform.name)
        .join(Platform, col(Platform.id) == model.platform_id)  # type: ignore[attr-defined]
        .where(model.id == row_id)  # type: ignore[attr-defined]
    ).first()
    if found is None:
        raise NotFound(f"{noun} {row_id} does not exist", **{noun: row_id})
    row, platform = found
    return row, platform
