"""Super-admins: who may edit, decide and fulfil; adding and removing them (audited)."""

from __future__ import annotations

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from hwctl.app import audit
from hwctl.app.context import Context, authorise
from hwctl.app.views import AdminView
from hwctl.domain.access import Use
from hwctl.domain.text import described, is_control, refused_character
from hwctl.errors import Conflict, InvalidInput, NotFound
from hwctl.store.models import SuperAdmin
from hwctl.vocabulary import AuditAction


def _clean(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("the admin name must not be blank")
    found = refused_character(name)
    if found is not None and is_control(found[1]):
        raise InvalidInput("the admin name must not contain control characters")
    if found is not None:
        raise InvalidInput(
            f"the admin name must not contain invisible formatting characters "
            f"({described(found[1])})"
        )
    return name


def _lock_admins(session: Session) -> None:
    """Serialise changes to the admin list. SQLite's BEGIN IMMEDIATE already does; on PostgreSQL
    an empty table has no row to lock, so two first admins could both be added: take a
    transaction-scoped advisory lock instead."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('hwctl.super_admin'))"))


def add(ctx: Context, name: str) -> AdminView:
    """Register a super-admin. The very first one registers themselves (there is nobody to
    ask); after that only a super-admin may add another."""
    name = _clean(name)
    with ctx.store.session(write=True) as session:
        _lock_admins(session)
        count = session.exec(select(func.count()).select_from(SuperAdmin)).one()
        if count > 0:
            authorise(ctx, session, Use.ADMINS)
        if session.exec(select(SuperAdmin).where(SuperAdmin.name == name)).first():
            raise Conflict(f"{name!r} is already a super-admin", admin=name)
        admin = SuperAdmin(name=name, added_at=ctx.now(), added_by=ctx.actor)
        session.add(admin)
        audit.record(
            session,
            ctx,
            action=AuditAction.ADMIN_ADD,
            details={"admin": name, "first": count == 0},
        )
        return AdminView(admin.name, admin.added_at, admin.added_by)


def remove(ctx: Context, name: str) -> None:
    name = _clean(name)
    with ctx.store.session(write=True) as session:
        _lock_admins(session)
        # Lock the admin rows first (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises):
        # two admins removing each other at once must not both see "two left" and leave none.
        count = len(session.exec(select(SuperAdmin.id).with_for_update()).all())
        authorise(ctx, session, Use.ADMINS)
        admin = session.exec(select(SuperAdmin).where(SuperAdmin.name == name)).first()
        if admin is None:
            raise NotFound(f"{name!r} is not a super-admin", admin=name)
        if count == 1:
            raise Conflict(
                f"{name!r} is the last super-admin; add another before removing them", admin=name
            )
        session.delete(admin)
        audit.record(session, ctx, action=AuditAction.ADMIN_REMOVE, details={"admin": name})


def list_admins(ctx: Context) -> list[AdminView]:
    with ctx.store.session() as session:
        authorise(ctx, session, Use.READ)
        rows = session.exec(select(SuperAdmin).order_by(col(SuperAdmin.name)))
        return [AdminView(a.name, a.added_at, a.added_by) for a in rows]
