"""Reading orders: the Hardware Orders list (filters, search, the pending badge), one order
in full, the catalog of an order's platform, and the orders a confirmation is about.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_
from sqlmodel import col, select

from hwctl.app import audit
from hwctl.app.context import Context, authorise, platform_scope
from hwctl.app.queries import order_views_with_texts, unit_views
from hwctl.app.views import LineView, OrderDetail, OrderPage, OrderView
from hwctl.domain.access import Use
from hwctl.domain.status import OrderStatus
from hwctl.domain.text import search_key
from hwctl.errors import InvalidInput, NotFound
from hwctl.store.models import Account, CatalogItem, HardwareOrder, Platform

STATUS_FILTERS = (*(s.value for s in OrderStatus), "all")


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
        orders = order_views_with_texts(session, session.exec(query).all())
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
        (view,) = order_views_with_texts(session, [order])
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
