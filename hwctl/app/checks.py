"""The domain's rules a door may call for early feedback (a prompt's validator, an option's
check before a confirmation), so it calls the rule the use case applies instead of copying it.
The use cases check the same again, inside their transaction.

Cheap to import (stdlib only): a door's option callbacks run before any store is opened.
"""

from __future__ import annotations

from hwctl.domain.order_edit import line_quantity_problem
from hwctl.domain.status import Rejection, decision_text
from hwctl.vocabulary import RejectionCode


def rejection(reason: str | None, code: RejectionCode | str | None = None) -> Rejection:
    """A rejection's reason and code as `decide` will take them, or InvalidInput naming the
    field (`reason` with `blank` or the text's `problem`; `code`)."""
    return Rejection.of(reason, code)


# `line_quantity_problem(quantity)`: why a line cannot hold that many units (review's prompt).
# A decision's optional text (a note, a cancellation's reason) as `decide` takes it: stripped,
# None when blank; InvalidInput naming the `field` and its `problem` otherwise.
__all__ = ["Rejection", "decision_text", "line_quantity_problem", "rejection"]
