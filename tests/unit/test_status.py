"""The order lifecycle as data (hwctl.domain.status): every action from every status."""

from __future__ import annotations

import pytest

from hwctl.cli.words import exit_code  # the CLI's error table: code -> exit code
from hwctl.domain.status import (
    TERMINAL,
    Action,
    OrderStatus,
    can,
    check_transition,
    refusal,
)
from hwctl.errors import InvalidTransition

P, A, F, R, C = (
    OrderStatus.PENDING,
    OrderStatus.APPROVED,
    OrderStatus.FULFILLED,
    OrderStatus.REJECTED,
    OrderStatus.CANCELLED,
)

# Written out by hand from the issue, not derived from the table under test:
# action -> {status it may start from: status it leads to}
EXPECTED: dict[Action, dict[OrderStatus, OrderStatus]] = {
    Action.EDIT: {P: P},
    Action.APPROVE: {P: A},
    Action.REJECT: {P: R},
    Action.CANCEL: {P: C, A: C},
    Action.FULFILL: {A: F},
}

# How each refusal names what is allowed and what was asked.
ALLOWED_TEXT = {
    Action.EDIT: "only pending orders can be edited",
    Action.APPROVE: "only pending orders can be approved",
    Action.REJECT: "only pending orders can be rejected",
    Action.CANCEL: "only pending or approved orders can be cancelled",
    Action.FULFILL: "only approved orders can be fulfilled",
}

MATRIX = [(action, status) for action in Action for status in OrderStatus]


def test_the_lifecycle_has_exactly_the_statuses_and_actions_of_the_product_text():
    # Spelled out by hand: a status or action added to the enums without a decision here fails.
    assert [s.value for s in OrderStatus] == [
        "pending", "approved", "fulfilled", "rejected", "cancelled"
    ]  # fmt: skip
    assert [a.value for a in Action] == ["edit", "approve", "reject", "cancel", "fulfill"]
    assert set(EXPECTED) == set(Action)


def test_the_transition_table_is_exactly_the_hand_written_one():
    from hwctl.domain.status import TRANSITIONS

    table = {action: dict.fromkeys(starts, end) for action, (starts, end) in TRANSITIONS.items()}
    assert table == EXPECTED


@pytest.mark.parametrize(("action", "status"), MATRIX, ids=[f"{a}-from-{s}" for a, s in MATRIX])
def test_each_action_from_each_status_is_allowed_or_refused_with_one_line(action, status):
    allowed = EXPECTED[action]
    if status in allowed:
        assert can(action, status)
        assert check_transition(7, action, status) is allowed[status]
    else:
        assert not can(action, status)
        with pytest.raises(InvalidTransition) as caught:
            check_transition(7, action, status)
        assert str(caught.value) == f"order 7 is {status.value}, {ALLOWED_TEXT[action]}"
        assert exit_code(caught.value) == 1


def test_rejecting_an_approved_order_is_refused_with_the_issue_s_wording():
    with pytest.raises(
        InvalidTransition, match=r"^order 7 is approved, only pending orders can be rejected$"
    ):
        check_transition(7, Action.REJECT, OrderStatus.APPROVED)


def test_refusal_names_the_order_it_is_about():
    assert refusal(1234, Action.APPROVE, "fulfilled") == (
        "order 1234 is fulfilled, only pending orders can be approved"
    )


def test_statuses_given_as_plain_strings_are_understood():
    assert check_transition(3, Action.CANCEL, "approved") is C
    assert not can(Action.FULFILL, "pending")


def test_an_unknown_status_is_not_silently_allowed():
    with pytest.raises(ValueError):
        can(Action.APPROVE, "on-hold")


@pytest.mark.parametrize("status", [F, R, C])
def test_terminal_statuses_allow_no_action_at_all(status):
    assert status in TERMINAL
    assert not any(can(action, status) for action in Action)


def test_only_rejected_cancelled_and_fulfilled_are_terminal():
    assert {F, R, C} == TERMINAL


def test_action_words_are_the_audit_log_s_words():
    assert [a.value for a in Action] == ["edit", "approve", "reject", "cancel", "fulfill"]


ESC_PROBLEM = "control characters are not allowed (ESC at character 4)"


def test_a_rejection_is_one_rule_naming_its_field_and_problem():
    from hwctl.domain.status import Rejection
    from hwctl.errors import InvalidInput
    from hwctl.vocabulary import RejectionCode

    assert Rejection.of("  same as #6 ") == Rejection("same as #6", RejectionCode.OTHER)
    assert Rejection.of("gone", "out_of_stock").code is RejectionCode.OUT_OF_STOCK
    refusals = {}
    for reason, code in [(None, None), ("   ", None), ("dup\x1b[2J", None), ("x" * 501, None),
                         ("dup", "nope")]:  # fmt: skip
        with pytest.raises(InvalidInput) as caught:
            Rejection.of(reason, code)
        refusals[reason, code] = (str(caught.value), caught.value.fields)
    assert refusals == {
        (None, None): ("a rejection needs a reason", {"field": "reason", "blank": True}),
        ("   ", None): ("a rejection needs a reason", {"field": "reason", "blank": True}),
        ("dup\x1b[2J", None): (
            "reason: control characters are not allowed (ESC at character 4)",
            {
                "field": "reason",
                "problem": "control characters are not allowed (ESC at character 4)",
            },
        ),
        ("x" * 501, None): (
            "reason: at most 500 characters (this one has 501)",
            {"field": "reason", "problem": "at most 500 characters (this one has 501)"},
        ),
        ("dup", "nope"): (
            "unknown rejection code 'nope': use one of "
            + ", ".join(c.value for c in RejectionCode),
            {"field": "code"},
        ),
    }
