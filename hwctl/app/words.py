"""What a door needs to parse, word and complete what it shows: the vocabulary (spelled once in
`hwctl.vocabulary`), the edits a review names, the plans a door shows (an edit's, a
fulfilment's), and the domain's wording of a refusal and of a
name's characters. Re-exported here so that a door imports the application layer only.

Cheap to import: TAB completion and `--help` read the vocabulary, so the domain's names are
imported when first asked for (`from hwctl.app.words import AddItem` inside a command).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hwctl.vocabulary import (
    OPEN_STATUSES,
    Action,
    AuditAction,
    DeliveryStatus,
    EventType,
    OrderStatus,
    RejectionCode,
    sql_list,
)

if TYPE_CHECKING:
    from hwctl.domain.fulfilment import Plan, UnitPlan
    from hwctl.domain.order_edit import AddItem, EditPlan, RemoveLine, SetQuantity
    from hwctl.domain.status import worded
    from hwctl.domain.text import character_problem


def __getattr__(name: str) -> Any:
    """The domain's names, imported on first use."""
    if name in ("Plan", "UnitPlan"):
        from hwctl.domain import fulfilment as module
    elif name in ("AddItem", "EditPlan", "RemoveLine", "SetQuantity"):
        from hwctl.domain import order_edit as module
    elif name == "worded":
        from hwctl.domain import status as module
    elif name == "character_problem":
        from hwctl.domain import text as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(module, name)


__all__ = [
    "OPEN_STATUSES",
    "Action",
    "AddItem",
    "AuditAction",
    "EditPlan",
    "DeliveryStatus",
    "EventType",
    "OrderStatus",
    "Plan",
    "RejectionCode",
    "RemoveLine",
    "SetQuantity",
    "UnitPlan",
    "character_problem",
    "sql_list",
    "worded",
]
