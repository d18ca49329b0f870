"""The decisions on orders: approve, reject and cancel, each order in its own transaction
with its own audit entry and event, and the preflight a door calls before it asks for a
confirmation.

Every state change is a conditional UPDATE on the expected status (`transitions.guard_status`)
inside the use case's one transaction, so two admins racing on one order get one winner and
one clear refusal.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select

from hwctl.app import audit, events
from hwctl.app.context import Context, authorise
from hwctl.app.transitions import guard_status
from hwctl.app.views import Outcome
from hwctl.domain import status as lifecycle
from hwctl.domain.access import Use
from hwctl.domain.status import Action, OrderStatus
from hwctl.errors import InvalidTransition, NotFound
from hwctl.store.models import HardwareOrder
from hwctl.vocabulary import EventType, RejectionCode


def preflight(ctx: Context, order_ids: Sequence[int], action: Action) -> dict[int, str]:
    """Before asking for a confirmation: refuse unless the principal may decide at all, and
    return the warnings to show first (cancelling an approved order: the hardware may be
    ordered). Each order is checked again, race-free, when it is decided."""
    with ctx.store.session() as session:
        authorise(ctx, session, _USE[action])
        if action is not Action.CANCEL:
            return {}
        rows = session.exec(
            select(HardwareOrder.id, HardwareOrder.status).where(
                col(HardwareOrder.id).in_(list(order_ids)),
                HardwareOrder.status == OrderStatus.APPROVED,
            )
        ).all()
    return {oid: f"order {oid} is approved: the hardware may already be ordered" for oid, _ in rows}


_EVENT = {
    Action.APPROVE: EventType.ORDER_APPROVED,
    Action.REJECT: EventType.ORDER_REJECTED,
    Action.CANCEL: EventType.ORDER_CANCELLED,
}

_USE = {
    Action.EDIT: Use.EDIT,
    Action.APPROVE: Use.APPROVE,
    Action.REJECT: Use.REJECT,
    Action.CANCEL: Use.CANCEL,
}


def _decide_one(
    ctx: Context,
    order_id: int,
    action: Action,
    *,
    reason: str | None = None,
    note: str | None = None,
    code: RejectionCode | None = None,
) -> Outcome:
    warnings: tuple[str, ...] = ()
    try:
        with ctx.store.session(write=True) as session:
            authorise(ctx, session, _USE[action], order=order_id)
            # FOR UPDATE (PostgreSQL): a cancellation racing an approval must see "approved"
            # once it gets the row, to warn and to audit the real `from`.
            before = session.exec(
                select(HardwareOrder.status).where(HardwareOrder.id == order_id).with_for_update()
            ).first()
            if before is None:
                raise NotFound(f"order {order_id} does not exist", order=order_id)
            now = ctx.now().replace(microsecond=0)
            # decided_by/decided_at name the last decision, a cancellation included.
            values: dict = {"decided_by": ctx.actor, "decided_at": now}
            if action is Action.REJECT:
                values["rejection_reason"] = reason
                values["rejection_code"] = code
            if action is Action.APPROVE and note:
                values["note"] = note
            guard_status(session, order_id, action, values)
            if action is Action.CANCEL and before == OrderStatus.APPROVED:
                warnings = (
                    f"order {order_id} was approved: the hardware may already be ordered "
                    f"from the distributor",
                )
            audit.record(
                session,
                ctx,
                action=action.value,
                order_id=order_id,
                # the rejection's or the cancellation's reason, or the approval's note
                reason=note if action is Action.APPROVE else reason,
                details={
                    "from": before,
                    "to": lifecycle.target(action).value,
                    **({"code": code.value} if code else {}),
                },
            )
            events.emit(session, ctx, order_id, _EVENT[action])
    except (NotFound, InvalidTransition) as e:
        return Outcome(order_id, False, e.message, error=e)
    return Outcome(
        order_id,
        True,
        lifecycle.target(action).value,
        lifecycle.target(action).value,
        warnings,
    )


def decide(
    ctx: Context,
    order_ids: Sequence[int],
    action: Action,
    *,
    reason: str | None = None,
    note: str | None = None,
    code: RejectionCode | str | None = None,
) -> list[Outcome]:
    """Approve, reject or cancel each order on its own (own transaction, own audit entry).

    `reason` is the rejection's (required) or the cancellation's (optional) reason, `note` the
    approval's note; each goes into the audit entry's `reason`, a rejection reason also onto the
    order (`rejection_reason`) and a note onto the order (`note`). Every decision sets
    `decided_by` and `decided_at`. Not being a super-admin refuses the whole call; a wrong state
    refuses only that order.
    """
    if action not in (Action.APPROVE, Action.REJECT, Action.CANCEL):
        raise ValueError(action)
    # Texts from outside: one line, no control characters, capped (see status.decision_text).
    # The messages name the field (`reason: ...`), not a command-line option.
    rejection = None
    if action is Action.REJECT:
        rejected = lifecycle.Rejection.of(reason, code)  # the one rule (a door may call it too)
        reason, rejection = rejected.reason, rejected.code
    elif action is Action.CANCEL:
        reason = lifecycle.decision_text("reason", reason)  # optional: None when blank
    else:
        reason = None
    note = lifecycle.decision_text("note", note) if action is Action.APPROVE else None
    seen: list[int] = []
    for oid in order_ids:
        if oid not in seen:
            seen.append(oid)
    preflight(ctx, seen, action)
    return [_decide_one(ctx, oid, action, reason=reason, note=note, code=rejection) for oid in seen]
