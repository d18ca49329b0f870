"""Super-admins: who may edit, decide and fulfil; adding and removing them (audited)."""

from __future__ import annotations

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from hwctl.errors import Conflict, InvalidInput, NotAuthorised, NotFound
from hwctl.services import audit
from hwctl.services.views import AdminView
from hwctl.store.engine import Store
from hwctl.store.models import SuperAdmin, utcnow


def require_admin(session: Session, actor: str) -> None:
    """Refuse, naming the person and how to register, unless `actor` is a super-admin."""
    if session.exec(select(SuperAdmin.id).where(SuperAdmin.name == actor)).first() is not None:
        return
    count = session.exec(select(func.count()).select_from(SuperAdmin)).one()
    if count == 0:
        raise NotAuthorised(
            f"no super-admins are registered yet: run `hwctl admins add {actor}` "
            "to register the first one"
        )
    raise NotAuthorised(
        f"{actor!r} is not a super-admin: a super-admin can register them with "
        f"`hwctl admins add {actor}` (or act as another with --as / HWCTL_ADMIN)"
    )


def _clean(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("the admin name must not be blank")
    if any(ord(c) < 32 for c in name):
        raise InvalidInput("the admin name must not contain control characters")
    return name


def _lock_admins(session: Session) -> None:
    """Serialise changes to the admin list. SQLite's BEGIN IMMEDIATE already does; on PostgreSQL
    an empty table has no row to lock, so two first admins could both be added: take a
    transaction-scoped advisory lock instead."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('hwctl.super_admin'))"))


def add(store: Store, actor: str, name: str) -> AdminView:
    name = _clean(name)
    with store.session(write=True) as session:
        _lock_admins(session)
        count = session.exec(select(func.count()).select_from(SuperAdmin)).one()
        if count > 0:
            require_admin(session, actor)
        if session.exec(select(SuperAdmin).where(SuperAdmin.name == name)).first():
            raise Conflict(f"{name!r} is already a super-admin")
        admin = SuperAdmin(name=name, added_at=utcnow(), added_by=actor)
        session.add(admin)
        audit.record(
            session,
            actor=actor,
            action="admin_add",
            details={"admin": name, "first": count == 0},
        )
        return AdminView(admin.name, admin.added_at, admin.added_by)


def remove(store: Store, actor: str, name: str) -> None:
    name = _clean(name)
    with store.session(write=True) as session:
        _lock_admins(session)
        # Lock the admin rows first (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises):
        # two admins removing each other at once must not both see "two left" and leave none.
        count = len(session.exec(select(SuperAdmin.id).with_for_update()).all())
        require_admin(session, actor)
        admin = session.exec(select(SuperAdmin).where(SuperAdmin.name == name)).first()
        if admin is None:
            raise NotFound(f"{name!r} is not a super-admin")
        if count == 1:
            raise Conflict(f"{name!r} is the last super-admin; add another before removing them")
        session.delete(admin)
        audit.record(session, actor=actor, action="admin_remove", details={"admin": name})


def list_admins(store: Store) -> list[AdminView]:
    with store.session() as session:
        rows = session.exec(select(SuperAdmin).order_by(col(SuperAdmin.name)))
        return [AdminView(a.name, a.added_at, a.added_by) for a in rows]
