"""The audit log: writing an entry inside the caller's transaction, and reading it back."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, col, select

from hwctl.errors import NotFound
from hwctl.services.views import AuditView
from hwctl.store.engine import Store
from hwctl.store.models import AuditEntry, HardwareOrder, utcnow

ACTIONS = (
    "submit",
    "edit",
    "approve",
    "reject",
    "cancel",
    "fulfill",
    "admin_add",
    "admin_remove",
)


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    order_id: int | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the caller's transaction (never commits)."""
    assert action in ACTIONS, action
    entry = AuditEntry(
        at=utcnow(),
        actor=actor,
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
    store: Store, *, order_id: int | None = None, action: str | None = None
) -> list[AuditView]:
    """Every audit entry (oldest first), optionally for one order and/or one action."""
    with store.session() as session:
        if order_id is not None and session.get(HardwareOrder, order_id) is None:
            raise NotFound(f"order {order_id} does not exist")
        entries = entries_for(session, order_id)
    if action is not None:
        entries = [e for e in entries if e.action == action]
    return entries
