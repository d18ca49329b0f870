"""The context every use case takes first: the store, who is acting (the principal), and a
clock. A door builds it from plain values (the CLI from the store and the name it resolved from
its options, environment and config: `for_super_admin`; the HTTP API from a request's token:
`for_platform`) and hands it to the use case; nothing below the application layer knows which
door it came through, and no use case reads the environment or a config file.

`authorise` is where the one authorisation rule (`hwctl.domain.access`) meets the store: it
looks up whether a super-admin is registered and which platform an order belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Row
from sqlmodel import Session, select

from hwctl.config import StoreLocation, resolve_store
from hwctl.domain.access import READS, Principal, Use
from hwctl.domain.access import authorise as rule
from hwctl.domain.text import lookalike_key
from hwctl.errors import HwctlError, NotAuthorised, NotFound
from hwctl.store.engine import Store, dispose_all, open_store
from hwctl.store.models import HardwareOrder, Platform, SuperAdmin


def system_clock() -> datetime:
    """Now, in UTC, to the second (what the store keeps)."""
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Context:
    """Who is acting on which store, and what time it is."""

    store: Store
    principal: Principal
    clock: Callable[[], datetime] = field(default=system_clock, compare=False)

    def now(self) -> datetime:
        return self.clock()

    @property
    def actor(self) -> str:
        """The principal as the audit log names it."""
        return self.principal.actor


def for_super_admin(store: Store, name: str) -> Context:
    """A door's context for the super-admin `name` acting on `store` (the CLI resolves who that
    is from its options, environment and config file: `hwctl.cli.identity`)."""
    return Context(store, Principal.super_admin(name))


def store_login(store: Store) -> str:
    """The store's PostgreSQL login (session user): the acting admin with `identity =
    "database"`."""
    return store.session_user()


def close_all() -> None:
    """Close every store's connections (before removing a throwaway store's files)."""
    dispose_all()


def upgrade_store(
    location: StoreLocation, notify: Callable[[str], None] | None = None
) -> tuple[str | None, str]:
    """Create or migrate the schema of the store at `location`: (revision before, after).
    A SQLite store that holds rows is backed up beside itself first; `notify` hears where."""
    store = Store(location, auto_migrate=False)
    store.notify = notify
    try:
        return store.upgrade()
    finally:
        store.engine.dispose()


def is_registered(session: Session, name: str) -> bool:
    return session.exec(select(SuperAdmin.id).where(SuperAdmin.name == name)).first() is not None


def authorise(
    ctx: Context, session: Session, use: Use, *, order: HardwareOrder | Row | int | None = None
) -> HardwareOrder | None:
    """The one authorisation rule (`hwctl.domain.access.authorise`) with what it needs from the
    store: whether the super-admin is registered, and whose the order (an object, a plain row
    of its columns, or an id) is.
    Returns the order row when one was named; NotFound when it does not exist, or belongs to
    another platform when a platform asks."""
    principal = ctx.principal
    row = session.get(HardwareOrder, order) if isinstance(order, int) else order
    if isinstance(order, int) and row is None:
        raise NotFound(f"order {order} does not exist", order=order)
    registered = admins_exist = False
    if principal.is_super_admin and use not in READS:
        registered = is_registered(session, principal.name)
        admins_exist = registered or session.exec(select(SuperAdmin.id)).first() is not None
    platform = None
    if row is not None and not principal.is_super_admin and principal.platform_id is None:
        # A principal that knows its platform's id (a token's) is matched by id, no lookup.
        platform = session.exec(select(Platform.name).where(Platform.id == row.platform_id)).one()
    try:
        rule(
            principal,
            use,
            registered=registered,
            admins_exist=admins_exist,
            order_id=row.id if row is not None else None,
            order_platform=platform,
            order_platform_id=row.platform_id if row is not None else None,
        )
    except NotAuthorised as e:
        near = _lookalike(session, principal.name) if admins_exist and not registered else None
        if near is None:
            raise
        # `Dana`, `José` spelled in another Unicode form, `dana` with a zero-width space: a
        # registered name that only looks like this one. Not "register them": they are.
        raise NotAuthorised(
            f"{principal.name!r} is not a super-admin ({near!r} is)", **e.fields, lookalike=near
        ) from None
    return row


def _lookalike(session: Session, name: str) -> str | None:
    """The registered super-admin whose name differs from `name` only in case, accents,
    Unicode forms, invisible characters or surrounding blanks, if exactly one does."""
    key = lookalike_key(name)
    names = [n for n in session.exec(select(SuperAdmin.name)).all() if lookalike_key(n) == key]
    return names[0] if len(names) == 1 else None


def platform_scope(ctx: Context, platform: str | None) -> str | None:
    """The platform a listing is limited to: what was asked for a super-admin; always the
    principal's own for a platform (asking for another is "unknown", as for one that does not
    exist)."""
    if ctx.principal.is_super_admin:
        return platform
    if platform is not None and platform != ctx.principal.name:
        raise NotFound(f"unknown platform {platform!r}", platform=platform)
    return ctx.principal.name


__all__ = ["Context", "Store", "open_store"]


def serving(db: StoreLocation | str | None) -> Store:
    """The store `hwctl serve` serves: the location the CLI resolved, or (a `--db` value, or
    None in a server's worker) the one the CLI would use (`--db`, then the environment, the
    config, the default)."""
    return open_store(db if isinstance(db, StoreLocation) else resolve_store(db))


def for_platform(store: Store, principal: Principal) -> Context:
    """The API's context: the store as the platform of a request's token sees it (on
    PostgreSQL, row-level security hides every other platform's rows, and each transaction
    checks that the token is not revoked), acted on by it."""
    return Context(store.for_tenant(principal.name, principal.token_id), principal)


def store_answers(store: Store) -> bool:
    """Whether the store can be reached and read (the health check)."""

    try:
        with store.session() as session:
            session.exec(select(Platform.id).limit(1)).first()
    except HwctlError:
        return False
    return True
