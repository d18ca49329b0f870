"""Orders, by their old name: the use cases now live in one module per family, and this
module only re-exports them so that callers written against `hwctl.app.orders` keep working.

- `intake`: submitting orders (`submit`), and the insert the platform API's creation shares
  (`insert_order`, `announce_and_record`, `NewOrder`);
- `listing`: the Hardware Orders list, one order in full, an order's catalog, the orders a
  confirmation is about (`list_orders`, `show_order`, `catalog_for_order`, `at_hand`);
- `edits`: reviewing and editing a pending order's lines (`open_review`, `preview_edit`,
  `edit_order`);
- `decisions`: approve, reject, cancel (`preflight`, `decide`);
- `transitions`: the conditional UPDATE every state change passes (`guard_status`) and its
  refusal (`refused`).

New code imports from those modules.
"""

from __future__ import annotations

from hwctl.app.decisions import decide, preflight
from hwctl.app.edits import (
    EditResult,
    ReviewSheet,
    describe_drops,
    edit_order,
    open_review,
    preview_edit,
)
from hwctl.app.intake import NewOrder, announce_and_record, insert_order, submit
from hwctl.app.listing import STATUS_FILTERS, at_hand, catalog_for_order, list_orders, show_order
from hwctl.app.transitions import guard_status, refused

__all__ = [
    "STATUS_FILTERS",
    "EditResult",
    "NewOrder",
    "ReviewSheet",
    "announce_and_record",
    "at_hand",
    "catalog_for_order",
    "decide",
    "describe_drops",
    "edit_order",
    "guard_status",
    "insert_order",
    "list_orders",
    "open_review",
    "preflight",
    "preview_edit",
    "refused",
    "show_order",
    "submit",
]
