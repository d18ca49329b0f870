"""Submitting orders: the intake of one order or a list of them (`submit`), and the insert
of one order with its lines and units that the platform API's creation shares
(`insert_order`, then `announce_and_record` for its event and audit entry).
"""

from __future__ import annotations

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
    insert,
    literal,
    null,
)
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from hwctl.app import audit, events
from hwctl.app.context import Context, authorise
from hwctl.app.queries import order_views_with_texts
from hwctl.app.resources import NewLine, NewUnit, new_order_resource
from hwctl.app.views import OrderView
from hwctl.domain.access import Use
from hwctl.domain.fulfilment import takes_location
from hwctl.domain.status import OrderStatus
from hwctl.errors import InvalidInput, NotAuthorised
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
from hwctl.vocabulary import AuditAction, EventType


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
        return order_views_with_texts(session, created)


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
