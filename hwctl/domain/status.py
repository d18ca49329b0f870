"""The order lifecycle as data: statuses, the transition table and the one checker.

    pending -> approved -> fulfilled
    pending | approved -> cancelled   (the customer)
    pending -> rejected               (a super-admin, with a reason)

`rejected`, `cancelled` and `fulfilled` are terminal. Editing lines is only allowed while pending.

The texts a decision carries (a rejection reason, a cancellation reason, an approval note) come
from outside and are shown to the platform and in tables: one line, no control or invisible
formatting characters (`hwctl.domain.text`), at most MAX_DECISION_TEXT characters.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwctl.domain.text import character_problem
from hwctl.errors import HwctlError, InvalidInput, InvalidTransition
from hwctl.vocabulary import Action as Action  # re-exported: the lifecycle speaks these
from hwctl.vocabulary import OrderStatus as OrderStatus
from hwctl.vocabulary import RejectionCode

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


def refusal(
    order_id: int, action: Action, current: OrderStatus | str, decided: str | None = None
) -> str:
    """The one-line refusal, e.g. `order 7 is approved, only pending orders can be rejected`;
    with `decided` (who and when: `by dana at 2026-12-02T06:30:00Z`) after the status."""
    sources = sorted(TRANSITIONS[action][0], key=list(OrderStatus).index)
    allowed = " or ".join(s.value for s in sources)
    by = f" ({decided})" if decided else ""
    return (
        f"order {order_id} is {OrderStatus(current).value}{by}, "
        f"only {allowed} orders can be {_PARTICIPLE[action]}"
    )


def decided_text(by: str | None, at: str | None) -> str | None:
    """`by dana at 2026-12-02T06:30:00Z`, or None when either is unknown."""
    return f"by {by} at {at}" if by and at else None


def invalid_transition(
    order_id: int,
    action: Action,
    current: OrderStatus | str,
    by: str | None = None,
    at: str | None = None,
) -> InvalidTransition:
    """The error for `action` refused from `current`, with its structured fields. Its message
    names the status and the act only (it may be shown to a platform); who brought the order to
    its status and when (`by`, `at`: the decision's, or the fulfilment's for a fulfilled order,
    at as `2026-12-02T06:30:00Z`) are fields, for a super-admin's door to add (`worded`)."""
    return InvalidTransition(
        refusal(order_id, action, current),
        order=order_id,
        status=OrderStatus(current).value,
        action=action.value,
        by=by,
        at=at,
    )


def worded(err: HwctlError) -> str:
    """A refusal about an order's state as a super-admin reads it: with who brought the order
    to its status and when after the status, `order 7 is rejected (by dana at
    2026-12-02T06:30:00Z), only pending orders can be approved`, when the error carries them
    (fields `order`, `status`, `by`, `at`); its message otherwise."""
    f = err.fields
    decided = decided_text(_text(f.get("by")), _text(f.get("at")))
    head = f"order {f.get('order')} is {f.get('status')}"
    if decided is None or not err.message.startswith(head):
        return err.message
    return f"{head} ({decided}){err.message[len(head) :]}"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def check_transition(
    order_id: int,
    action: Action,
    current: OrderStatus | str,
    by: str | None = None,
    at: str | None = None,
) -> OrderStatus:
    """Return the status `action` leads to from `current`, or raise InvalidTransition (with
    who brought the order to `current` and when, given as `by` and `at`)."""
    if not can(action, current):
        raise invalid_transition(order_id, action, current, by, at)
    return target(action)


# -- the texts a decision carries ----------------------------------------------------------------
MAX_DECISION_TEXT = 500  # characters in a rejection reason, a cancellation reason, a note


def text_problem(value: str) -> str | None:
    """Why `value` cannot be a decision text, or None: `control characters are not allowed (ESC
    at character 5)`, `invisible formatting characters are not allowed (U+202E …)` (the one
    rule of `hwctl.domain.text`), `at most 500 characters (this one has 612)`. No field name:
    the caller says which field (or option) it is."""
    problem = character_problem(value)
    if problem is not None:
        return problem
    if len(value) > MAX_DECISION_TEXT:
        return f"at most {MAX_DECISION_TEXT} characters (this one has {len(value)})"
    return None


def decision_text(field: str, value: str | None) -> str | None:
    """`value` stripped, None when absent or blank; InvalidInput `field: problem` otherwise."""
    text = (value or "").strip()
    if not text:
        return None
    problem = text_problem(text)
    if problem is not None:
        raise InvalidInput(f"{field}: {problem}", field=field, problem=problem)
    return text


@dataclass(frozen=True)
class Rejection:
    """A rejection's reason (required, one decision text) and code (`RejectionCode`, `other`
    unless given): the one rule, which the use case applies and a door may call for early
    feedback (`hwctl.app.checks`) instead of copying it."""

    reason: str
    code: RejectionCode

    @classmethod
    def of(cls, reason: str | None, code: RejectionCode | str | None = None) -> Rejection:
        """The rejection, or InvalidInput naming the field: `code` (unknown code), `reason`
        (blank: field `blank`; else the text's `problem`)."""
        try:
            known = RejectionCode(code or RejectionCode.OTHER)
        except ValueError:
            codes = ", ".join(c.value for c in RejectionCode)
            raise InvalidInput(
                f"unknown rejection code {code!r}: use one of {codes}", field="code"
            ) from None
        text = decision_text("reason", reason)
        if text is None:
            raise InvalidInput("a rejection needs a reason", field="reason", blank=True)
        return cls(text, known)
