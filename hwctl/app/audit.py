"""The audit log: writing an entry inside the caller's transaction, and reading it back."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, col, select

from hwctl.app.context import Context, authorise
from hwctl.app.views import AuditView, ChainHead, ChainVerdict
from hwctl.domain.access import Use
from hwctl.errors import UsageError
from hwctl.store import chain
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
) -> None:
    """Add an audit entry to the caller's transaction (never commits): who acted (the
    principal's name and kind), when (the context's clock), on what, and why; chained to the
    entry before it (hwctl/store/chain.py). The caller's session must be a write one
    (`store.session(write=True)`): on SQLite that holds the write lock before the head is read."""
    assert action in ACTIONS, action
    chain.append(
        session,
        at=ctx.now(),
        actor=ctx.actor,
        actor_kind=ctx.principal.kind,
        action=action,
        order_id=order_id,
        reason=reason,
        details=json.dumps(details, sort_keys=True) if details is not None else None,
    )


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


def chain_head(ctx: Context) -> ChainHead:
    """The head of the audit chain, to be kept elsewhere (`verify_chain(expect_head=...)`)."""
    with ctx.store.session() as session:
        authorise(ctx, session, Use.AUDIT)
        found = chain.head(session)
    return ChainHead(found.id, found.hash)


def verify_chain(ctx: Context, *, expect_head: str | None = None) -> ChainVerdict:
    """Walk the audit chain from the first entry: every entry's payload, hash and link to the
    one before. With `expect_head` (a head kept elsewhere), that hash must be in the chain: an
    entry removed from the end shows. One read transaction: the chain as of its start."""
    if expect_head is not None:
        expect_head = expect_head.strip().lower()
        if len(expect_head) != 64 or any(c not in "0123456789abcdef" for c in expect_head):
            raise UsageError(
                "expect_head must be a SHA-256 hash: 64 hexadecimal digits",
                field="expect_head",
            )
    with ctx.store.session() as session:
        authorise(ctx, session, Use.AUDIT)
        v = chain.verify(session, expect_head=expect_head)
    return ChainVerdict(
        ok=v.ok,
        entries=v.entries,
        head=ChainHead(v.head.id, v.head.hash),
        broken_id=v.broken_id,
        reason=v.reason,
        expected_at=v.expected_at or None,
    )
