"""The platform's use cases: what a platform does through its door (`hwctl.api`). Each runs as
the token's platform principal through the one authorisation rule (`authorise`), in the same
transactions and with the same audit entries and events as the CLI's use cases, which they
reuse: an order created here is a `submit`, a cancellation a `cancel`.

They take plain values and return results (`OrderCreated`, resources as dicts); the door reads
its requests into those values, picks its answers (statuses, headers) and words the errors; it
never queries the store itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from hwctl.app import devices as devices_uc
from hwctl.app import orders
from hwctl.app.context import Context, authorise, platform_scope
from hwctl.app.queries import order_in_full
from hwctl.app.resources import order_resource, order_resource_of, order_resources
from hwctl.domain.access import Use
from hwctl.domain.status import Action, OrderStatus, decision_text
from hwctl.domain.text import search_key
from hwctl.errors import InvalidInput, InvalidTransition, NotFound
from hwctl.io.documents import OrderIn, PlatformOrderIn, load_json, parse_platform_order
from hwctl.io.documents import validation_words as validation_words  # a door's words for them
from hwctl.store.models import (
    Account,
    AccountUser,
    CatalogItem,
    HardwareOrder,
    IdempotencyRecord,
    Location,
    Platform,
)

MAX_PAGE = 100
DEFAULT_PAGE = 50
# How long an idempotency key is remembered (at least a day, as promised to platforms).
IDEMPOTENCY_WINDOW = timedelta(hours=48)
MAX_KEY_LENGTH = 255  # the store's column
MAX_ORDER_ID = 2**31 - 1  # ids are 32-bit INTEGERs on PostgreSQL


def read_json(raw: bytes, source: str) -> Any:  # noqa: ANN401
    """A document's bytes as JSON, in hwctl's words (InvalidInput naming `source` otherwise):
    the door decodes a body with it before it calls a use case."""
    try:
        return load_json(raw, source)
    except InvalidInput as e:
        raise InvalidInput(e.message, field=source) from None


# The model of an order placed on a platform's account form (the door describes its request
# body with it; `create_order` checks a decoded body against it).
OrderForm = PlatformOrderIn


def _platform(session: Session, ctx: Context) -> Platform:
    """The principal's platform: as its token's lookup read it in this request (id and name, not
    added to the session), else read by name."""
    name = ctx.principal.name
    if ctx.principal.platform_id is not None:
        return Platform(id=ctx.principal.platform_id, name=name)
    found = session.exec(select(Platform).where(Platform.name == name)).first()
    if found is None:  # the platform was removed from the directory after its token was made
        raise NotFound(f"unknown platform {name!r}", platform=name)
    return found


def catalog(ctx: Context) -> list[dict[str, Any]]:
    """The platform's own catalog: what its account form may offer."""
    with ctx.store.session() as session:
        authorise(ctx, session, Use.READ)
        platform = _platform(session, ctx)
        items = session.exec(
            select(CatalogItem)
            .where(CatalogItem.platform_id == platform.id)
            .order_by(col(CatalogItem.sku))
        ).all()
        return [
            {"sku": i.sku, "name": i.name, "kind": i.kind, "max_handsets": i.max_handsets}
            for i in items
        ]


@dataclass(frozen=True)
class OrderCreated:
    """An order created: the platform's resource of it and its id; for a replayed key the first
    creation's resource again (`replayed`), and no second order."""

    resource: dict[str, Any]
    order_id: int | None
    replayed: bool = False


class KeyReused(InvalidInput):
    """The idempotency key was used with another body (its door words the key's name)."""


def _request_hash(payload: Any) -> str:  # noqa: ANN401 - any decoded JSON
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _lock_key(session: Session, platform_id: int, key: str) -> None:
    """Serialise two requests with one key (SQLite's write transaction already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
            {"k": f"hwctl.idempotency:{platform_id}:{key}"},
        )


def _ensure_account(session: Session, platform: Platform, name: str, spec: Any) -> None:  # noqa: ANN401
    """Create the account of an order placed on the account form, or add its missing users and
    locations (in the order's transaction)."""
    if session.get_bind().dialect.name == "postgresql":
        # Two orders creating one account at once: the second waits, then finds it (else its
        # INSERT would violate the unique name). SQLite's write transaction already serialises.
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
            {"k": f"hwctl.account:{platform.id}:{name}"},
        )
    account = session.exec(
        select(Account).where(Account.platform_id == platform.id, Account.name == name)
    ).first()
    if account is None:
        account = Account(platform_id=platform.id or 0, name=name, search_key=search_key(name))
        session.add(account)
        session.flush()
    for model, names in ((AccountUser, spec.users), (Location, spec.locations)):
        have = set(session.exec(select(model.name).where(model.account_id == account.id)).all())
        for n in dict.fromkeys(names):
            if n not in have:
                session.add(model(account_id=account.id, name=n))
    session.flush()


def create_order(ctx: Context, payload: Any, key: str | None = None) -> OrderCreated:  # noqa: ANN401
    """Create a pending order for the principal's platform from the account form (`payload`:
    the decoded form, checked here against `OrderForm`). With an idempotency `key` (1 to
    MAX_KEY_LENGTH printable ASCII characters, as its door read it), the same key and form give
    the first creation again (no second order); the same key with another form is KeyReused."""
    if not isinstance(payload, dict):
        raise InvalidInput("body: must be a JSON object: an order", field="body")
    digest = _request_hash(payload)
    with ctx.store.session(write=True) as session:
        authorise(ctx, session, Use.SUBMIT)
        platform = _platform(session, ctx)
        if key is not None:
            _lock_key(session, platform.id or 0, key)
            earlier = session.exec(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.platform_id == platform.id,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.created_at >= ctx.now() - IDEMPOTENCY_WINDOW,
                )
            ).first()
            if earlier is not None:
                if earlier.request_hash != digest:
                    raise KeyReused(
                        "this idempotency key was used with a different order; use a new key "
                        "for a new order",
                        field="key",
                    )
                return OrderCreated(json.loads(earlier.body), earlier.order_id, True)
        order_in = parse_platform_order(payload)
        account = order_in.account
        name = account if isinstance(account, str) else account.name
        if not isinstance(account, str):
            _ensure_account(session, platform, name, account)
        new = orders.insert_order(
            session,
            ctx,
            OrderIn(
                platform=platform.name,
                account=name,
                ordered_at=order_in.ordered_at,
                items=order_in.items,
            ),
            "body",
            platform,
        )
        order, body = new.order, new.resource
        if key is not None:
            # Keys older than the window are forgotten (this one included, if it was reused
            # after it): the table holds two days of keys, not the whole history.
            session.execute(
                delete(IdempotencyRecord)
                .where(
                    col(IdempotencyRecord.platform_id) == platform.id,
                    col(IdempotencyRecord.created_at) < ctx.now() - IDEMPOTENCY_WINDOW,
                )
                .execution_options(synchronize_session=False)
            )
            session.add(
                IdempotencyRecord(
                    platform_id=platform.id or 0,
                    key=key,
                    request_hash=digest,
                    order_id=order.id,
                    body=json.dumps(body, separators=(",", ":")),
                    created_at=ctx.now(),
                )
            )
        # Last: the audit entry takes the chain's lock, held until COMMIT on PostgreSQL.
        orders.announce_and_record(session, ctx, new)
        return OrderCreated(body, order.id)


def _cursor(order_id: int) -> str:
    return base64.urlsafe_b64encode(f"o{order_id}".encode()).decode().rstrip("=")


def _after(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not (raw.startswith("o") and raw[1:].isascii() and raw[1:].isdigit() and len(raw) < 20):
        raise InvalidInput("cursor: not a cursor this API gave out", field="cursor")
    if int(raw[1:]) > MAX_ORDER_ID:  # no order has it; PostgreSQL would refuse the comparison
        raise InvalidInput("cursor: not a cursor this API gave out", field="cursor")
    return int(raw[1:])


def _name_param(value: str | None, field: str) -> str | None:
    """A name asked for in a query: PostgreSQL text cannot hold NUL, so no name has one."""
    if value is not None and "\x00" in value:
        raise InvalidInput(f"{field}: must not contain NUL characters", field=field)
    return value


def list_orders(
    ctx: Context,
    *,
    status: str | None = None,
    account: str | None = None,
    limit: int = DEFAULT_PAGE,
    cursor: str | None = None,
) -> dict[str, Any]:
    """The platform's orders, newest first, a page at a time (keyset: `next_cursor` continues
    after the last one shown; null on the last page)."""
    if status is not None and status not in {s.value for s in OrderStatus}:
        statuses = ", ".join(s.value for s in OrderStatus)
        raise InvalidInput(f"status: unknown status {status!r}: use one of {statuses}",
                           field="status")  # fmt: skip
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit: must be between 1 and {MAX_PAGE}", field="limit")
    after = _after(cursor) if cursor else None
    account = _name_param(account, "account")
    platform_name = platform_scope(ctx, None)
    with ctx.store.session() as session:
        authorise(ctx, session, Use.READ)
        query = select(HardwareOrder)
        if platform_name is not None:
            platform = session.exec(select(Platform).where(Platform.name == platform_name)).first()
            if platform is None:
                return {"data": [], "next_cursor": None}
            query = query.where(HardwareOrder.platform_id == platform.id)
        if status is not None:
            query = query.where(HardwareOrder.status == status)
        if account is not None:
            query = query.join(Account, col(Account.id) == HardwareOrder.account_id).where(
                Account.name == account
            )
        if after is not None:
            query = query.where(col(HardwareOrder.id) < after)
        rows = session.exec(query.order_by(col(HardwareOrder.id).desc()).limit(limit + 1)).all()
        page = list(rows[:limit])
        data = order_resources(session, page, units=False)
    more = len(rows) > limit
    return {"data": data, "next_cursor": _cursor(page[-1].id or 0) if more and page else None}


def get_order(ctx: Context, order_id: int) -> dict[str, Any]:
    """The order as the platform sees it: its row, account, lines and units in one query; shown
    once the rule allows (until then nothing read leaves this function)."""
    with ctx.store.session() as session:
        found = order_in_full(session, order_id)
        if found is None:
            raise NotFound(f"order {order_id} does not exist", order=order_id)
        order, account, lines, units = found
        authorise(ctx, session, Use.READ, order=order)
        return order_resource_of(session, order, account, lines, units)


def cancel_order(ctx: Context, order_id: int, reason: str | None = None) -> dict[str, Any]:
    """The customer cancelled: cancel a pending or approved order, with an optional `reason`
    (one line of text, checked first: InvalidInput naming `reason`). Cancelling a cancelled
    order again changes nothing; a rejected or fulfilled one cannot be cancelled
    (InvalidTransition). The same conditional update as the CLI's, so a race with an approval
    has one winner."""
    reason = decision_text("reason", reason)
    with ctx.store.session() as session:
        order = authorise(ctx, session, Use.CANCEL, order=order_id)
        if order.status == OrderStatus.CANCELLED:
            return order_resource(session, order)
    (outcome,) = orders.decide(ctx, [order_id], Action.CANCEL, reason=reason)
    with ctx.store.session() as session:
        order = authorise(ctx, session, Use.READ, order=order_id)
        if not outcome.ok and order.status != OrderStatus.CANCELLED:
            raise InvalidTransition(
                outcome.message, order=order_id, status=order.status, action="cancel"
            )
        return order_resource(session, order)


def devices(ctx: Context, account: str) -> list[dict[str, Any]]:
    """The account's devices (the platform's Devices page), in the CLI's device shape."""
    rows = devices_uc.list_devices(ctx, account=_name_param(account, "account"))
    return [d.to_json() for d in rows]


__all__ = [
    "KeyReused",
    "OrderCreated",
    "OrderForm",
    "cancel_order",
    "catalog",
    "create_order",
    "devices",
    "get_order",
    "list_orders",
    "read_json",
]
