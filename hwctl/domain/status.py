"""The order lifecycle as data: statuses, the transition table and the one checker.

    pending -> approved -> fulfilled
    pending | approved -> cancelled   (the customer)
    pending -> rejected               (a super-admin, with a reason)

`rejected`, `cancelled` and `fulfilled` are terminal. Editing lines is only allowed while pending.
"""

from __future__ import annotations

from enum import StrEnum

from hwctl.errors import InvalidTransition


class OrderStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    FULFILLED = "fulfilled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Action(StrEnum):
    """Actions on an order; the same words appear in the audit log."""

    EDIT = "edit"
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    FULFILL = "fulfill"


# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[OrderStatus], OrderStatus]] = {
    Action.EDIT: (frozenset({OrderStatus.PENDING}), OrderStatus.PENDING),
    Action.APPROVE: (frozenset({OrderStatus.PENDING}), OrderStatus.APPROVED),
    Action.REJECT: (frozenset({OrderStatus.PENDING}), OrderStatus.REJECTED),
    Action.CANCEL: (
        frozenset({OrderStatus.PENDING, OrderStatus.APPROVED}),
        OrderStatus.CANCELLED,
    ),
    Action.FULFILL: (frozenset({OrderStatus.APPROVED}), OrderStatus.FULFILLED),
}

TERMINAL: frozenset[OrderStatus] = frozenset(
    {OrderStatus.FULFILLED, OrderStatus.REJECTED, OrderStatus.CANCELLED}
)

# How the refusal message names the action ("only pending orders can be rejected").
_PARTICIPLE = {
    Action.EDIT: "edited",
    Action.APPROVE: "approved",
    Action.REJECT: "rejected",
    Action.CANCEL: "cancelled",
    Action.FULFILL: "fulfilled",
}


def allowed_from(action: Action) -> frozenset[OrderStatus]:
    return TRANSITIONS[action][0]


def target(action: Action) -> OrderStatus:
    return TRANSITIONS[action][1]


def can(action: Action, current: OrderStatus | str) -> bool:
    return OrderStatus(current) in TRANSITIONS[action][0]


def refusal(order_id: int, action: Action, current: OrderStatus | str) -> str:
    """The one-line refusal, e.g. `order 7 is approved, only pending orders can be rejected`."""
    sources = sorted(TRANSITIONS[action][0], key=list(OrderStatus).index)
    allowed = " or ".join(s.value for s in sources)
    return (
        f"order {order_id} is {OrderStatus(current).value}, "
        f"only {allowed} orders can be {_PARTICIPLE[action]}"
    )


def check_transition(order_id: int, action: Action, current: OrderStatus | str) -> OrderStatus:
    """Return the status `action` leads to from `current`, or raise InvalidTransition."""
    if not can(action, current):
        raise InvalidTransition(refusal(order_id, action, current))
    return target(action)
