"""The audit log: writing an entry inside the caller's transaction, and reading it back."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, col, select

from hwctl.app.context import Context, authorise
from hwctl.app.views import AuditView
from hwctl.domain.access import Use
from hwctl.store.models import AuditEntry
from hwctl.vocabulary import AuditAction

ACTIONS = tuple(a.value for a in AuditAction)


def record(
    session: Session,
    ctx: Context,
    *,
    action: str,
    order_id: int | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the caller's transaction (never commits): who acted (the
    principal's name and kind), when (the context's clock), on what, and why."""
    assert action in ACTIONS, action
    entry = AuditEntry(
        at=ctx.now(),
        actor=ctx.actor,
        actor_kind=ctx.principal.kind,
        action=action,
        order_id=order_id,
        reason=reason,
        details=json.dumps(details, sort_keys=True) if details is not None else None,
    )
    session.add(entry)
    return entry


def to_view(entry: AuditEntry) -> AuditView:
    return AuditView(
        id=entry.id or 0,
        at=entry.at,
        actor=entry.actor,
        actor_kind=entry.actor_kind,
        action=entry.action,
        order=entry.order_id,
        reason=entry.reason,
        details=json.loads(entry.details) if entry.details else None,
    )


def entries_for(session: Session, order_id: int | None) -> list[AuditView]:
    query = select(AuditEntry)
    if order_id is not None:
        query = query.where(AuditEntry.order_id == order_id)
    query = query.order_by(col(AuditEntry.at), col(AuditEntry.id))
    return [to_view(e) for e in session.exec(query)]


def list_entries(
    ctx: Context, *, order_id: int | None = None, action: str | None = None
) -> list[AuditView]:
    """Every audit entry (oldest first), optionally for one order and/or one action."""
    with ctx.store.session() as session:
        authorise(ctx, session, Use.AUDIT, order=order_id)
        entries = entries_for(session, order_id)
    if action is not None:
        entries = [e for e in entries if e.action == action]
    return entries
