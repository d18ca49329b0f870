"""The CLI's error table (hwctl.cli.words): exit codes keyed by an error's `code`, words keyed
by its kind and fields; the error kinds themselves carry no door's words."""

from __future__ import annotations

import pytest

from hwctl import errors
from hwctl.cli.words import EXIT_CODES, exit_code, message, problem

KINDS = [
    cls
    for cls in vars(errors).values()
    if isinstance(cls, type) and issubclass(cls, errors.HwctlError)
]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_an_error_kind_carries_no_exit_code(kind):
    assert not hasattr(kind, "exit_code")
    assert not hasattr(kind("x"), "exit_code")


def test_the_exit_code_is_keyed_by_the_error_s_code():
    codes = {kind.__name__: exit_code(kind("x")) for kind in KINDS}
    assert codes == {
        "HwctlError": 1,
        "InvalidInput": 1,
        "NotFound": 1,
        "InvalidTransition": 1,
        "Conflict": 1,
        "NotAuthorised": 1,
        "TokenRevoked": 1,
        "UsageError": 2,
        "ConfirmationNeeded": 2,
        "StoreError": 1,
        "SchemaBehind": 1,
    }
    assert set(EXIT_CODES) == {"usage", "confirmation_needed"}


def test_a_blank_reason_is_worded_by_its_fields_not_its_message():
    blank = errors.InvalidInput("any words the core chooses", field="reason", blank=True)
    assert message(blank) == "any words the core chooses: --reason TEXT (not blank)"
    assert problem(blank) == "the reason must not be blank"
    worded = errors.InvalidInput("a rejection needs a reason", field="reason")
    assert message(worded) == "a rejection needs a reason"  # no `blank` field: no hint
    assert problem(errors.InvalidInput("note: too long", field="note", problem="too long")) == (
        "too long"
    )
