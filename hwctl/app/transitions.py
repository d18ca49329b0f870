"""The one gate every state change of an order passes (`guard_status`: a conditional UPDATE
on the statuses the lifecycle allows, so a race has one winner), and the refusal it raises
(`refused`). Shared by the edits, the decisions and the fulfilment.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from hwctl.app.views import iso
from hwctl.domain import status as lifecycle
from hwctl.domain.status import Action, OrderStatus
from hwctl.errors import InvalidTransition, NotFound
from hwctl.store.models import HardwareOrder


def guard_status(
    session: Session, order_id: int, action: Action, values: dict | None = None
) -> None:
    """The race-free gate: UPDATE ... WHERE status IN (allowed); zero rows means refused."""
    allowed = [s.value for s in lifecycle.allowed_from(action)]
    new = lifecycle.target(action)
    result = session.execute(
        update(HardwareOrder)
        .where(col(HardwareOrder.id) == order_id, col(HardwareOrder.status).in_(allowed))
        .values(status=new.value, **(values or {}))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        current = session.exec(
            select(HardwareOrder)
            .where(HardwareOrder.id == order_id)
            .execution_options(populate_existing=True)  # as stored now, not as loaded before
        ).first()
        if current is None:
            raise NotFound(f"order {order_id} does not exist", order=order_id)
        raise refused(current, action)


def refused(order: HardwareOrder, action: Action) -> InvalidTransition:
    """`action` refused in the order's state, with who brought it there and when (`by`, `at`):
    the fulfilment's actor and time for a fulfilled order, the last decision's otherwise (none
    for a pending order). Its message names neither (a platform may read it); the CLI adds
    them."""
    by, at = order.decided_by, order.decided_at
    if order.status == OrderStatus.FULFILLED:
        by, at = order.fulfilled_by, order.fulfilled_at
    elif order.status == OrderStatus.PENDING:
        by = at = None
    return lifecycle.invalid_transition(order.id or 0, action, order.status, by, iso(at))
