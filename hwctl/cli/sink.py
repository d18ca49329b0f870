"""The one output sink, as a command sees it: every listing and record a command prints goes
out through here, in the mode `--format` chose, and each noun says once, declaratively, how it
is shown. A command parses, calls one use case and hands what it returned to the sink it chose
once:

    sink.for_format(fmt).rows(sink.DEVICES, devices, limit=limit)

The machinery (`View`, `Record`, `Part`, `Column`, the table, JSON and CSV sinks,
`for_format`) is `hwctl.cli.output`, the cells (`date`, `iso`, `order_line`...) are
`hwctl.cli.cells`; both are re-exported here, so a command needs this one module. This module
holds the views of hwctl's nouns: orders, the audit log, devices, admins, one order in full, an
edit, a fulfilment.

Nothing here imports Rich, the store or the application's views at import time: `--help` and
TAB completion stay fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

from hwctl.cli import render
from hwctl.cli.cells import (
    date,
    details_text,
    device_identifier,
    format_items,
    intent_text,
    iso,
    mac_text,
    order_line,
    order_ref,
    status_text,
)
from hwctl.cli.output import (
    Column,
    CsvSink,
    JsonSink,
    Keep,
    Part,
    Record,
    Sink,
    TableSink,
    View,
    earlier_entries,
    for_format,
    more_rows,
)

if TYPE_CHECKING:
    from hwctl.app.edits import EditPlan
    from hwctl.app.fulfilment import FulfilResult, Plan, UnitPlan
    from hwctl.app.views import (
        AdminView,
        AuditView,
        DeviceView,
        OrderDetail,
        OrderView,
        UnitView,
    )


__all__ = [
    "ADMINS", "AUDIT_LOG", "AUDIT_TRAIL", "DEVICES", "FIELDS", "FULFILMENT", "LINE_CHANGES",
    "ORDERS", "ORDER_DETAIL", "ORDER_UNITS", "PLAN_DRY_RUN", "PLAN_TO_CONFIRM", "PLAN_UNITS",
    "SUBMITTED", "Column", "CsvSink", "JsonSink", "Keep", "Part", "Record", "Sink", "TableSink",
    "View", "date", "details_text", "device_identifier", "earlier_entries", "for_format",
    "format_items", "intent_text", "iso", "line_changes", "mac_text", "more_rows",
    "order_fields", "order_line", "order_ref", "orders_view", "status_text",
]  # fmt: skip


# -- the views of hwctl's nouns --------------------------------------------------------------------
ORDER_CSV = ("id", "status", "platform", "account", "items", "ordered_at", "rejection_reason",
             "decided_by", "decided_at", "note")  # fmt: skip


def _order_csv(o: OrderView) -> tuple[object, ...]:
    return (o.id, o.status, o.platform, o.account, format_items(o.items), iso(o.ordered_at),
            o.rejection_reason, o.decided_by, iso(o.decided_at), o.note)  # fmt: skip


ORDERS: View[OrderView] = View(
    columns=(
        Column("ID", lambda o: f"#{o.id}", no_wrap=True),
        Column("Status", status_text),
        Column("Platform", attrgetter("platform")),
        Column("Account", attrgetter("account")),
        Column("Items", lambda o: format_items(o.items)),
        Column("Ordered", lambda o: date(o.ordered_at), no_wrap=True),
    ),
    csv_header=ORDER_CSV,
    csv_row=_order_csv,
    table_limit=render.TABLE_ROWS,
)


def orders_view(status: str, pending: int) -> View[OrderView]:
    """ORDERS as the Hardware Orders page shows them: the status filter and the pending badge
    in the title, and both in the line that replaces a table with no row."""

    def empty(total: int) -> str:
        if total:
            return (f"{pending} waiting for approval · {total} {status} orders match, "
                    "none shown (--limit 0)")  # fmt: skip
        return f"{pending} waiting for approval · no {status} orders match"

    title = f"Hardware orders ({status}) · {pending} waiting for approval"
    return replace(ORDERS, title=title, empty=empty)


AUDIT_CSV = ("id", "at", "actor", "action", "order", "reason", "details")


def _audit_csv(e: AuditView) -> tuple[object, ...]:
    return (e.id, iso(e.at), e.actor, e.action, e.order, e.reason, details_text(e.details))


# The audit log: a table shows the 50 most recent entries unless --limit says otherwise.
AUDIT_LOG: View[AuditView] = View(
    columns=(
        Column("ID", attrgetter("id"), no_wrap=True),
        Column("At (UTC)", lambda e: iso(e.at), no_wrap=True),
        Column("Actor", attrgetter("actor")),
        Column("Action", attrgetter("action"), no_wrap=True),
        Column("Order", lambda e: order_ref(e.order), no_wrap=True),
        Column("Reason / note", attrgetter("reason")),
        Column("Details", lambda e: details_text(e.details)),
    ),
    csv_header=AUDIT_CSV,
    csv_row=_audit_csv,
    title="Audit log",
    table_limit=render.TABLE_ROWS,
    keep="last",
    left_out=earlier_entries,
)
# One order's audit trail (in `show`): every entry, however many.
AUDIT_TRAIL: View[AuditView] = replace(AUDIT_LOG, title="Audit trail", table_limit=None)

DEVICE_CSV = ("id", "platform", "account", "kind", "sku", "mac", "ipei", "ipui", "user",
              "location", "base", "order")  # fmt: skip

DEVICES: View[DeviceView] = View(
    columns=(
        Column("ID", attrgetter("id"), no_wrap=True),
        Column("Platform", attrgetter("platform")),
        Column("Account", attrgetter("account")),
        Column("Kind", attrgetter("kind"), no_wrap=True),
        Column("SKU", attrgetter("sku"), no_wrap=True),
        Column("Identifier", device_identifier, no_wrap=True),
        Column("User", attrgetter("user")),
        Column("Location", attrgetter("location")),
        Column("Base", lambda d: mac_text(d.base), no_wrap=True),
        Column("Order", lambda d: order_ref(d.order), no_wrap=True),
    ),
    csv_header=DEVICE_CSV,
    csv_row=lambda d: [d.to_json()[k] for k in DEVICE_CSV],
    title="Devices",
    table_limit=render.TABLE_ROWS,
    empty=lambda total: (
        f"{total} devices match, none shown (--limit 0)" if total else "no devices match"
    ),
)

ADMINS: View[AdminView] = View(
    columns=(
        Column("Name", attrgetter("name")),
        Column("Added (UTC)", lambda a: iso(a.added_at), no_wrap=True),
        Column("Added by", attrgetter("added_by")),
    ),
    csv_header=("name", "added_at", "added_by"),
    csv_row=lambda a: (a.name, iso(a.added_at), a.added_by),
    title="Super-admins",
    empty=lambda _: "no super-admins registered yet: `hwctl admins add NAME` registers the first",
)

# -- one order (`show`, and the sheet `review` starts from) ---------------------------------------
FIELDS: View[tuple[str, object]] = View(
    columns=(Column("Field", itemgetter(0), no_wrap=True), Column("Value", itemgetter(1))),
)


def order_fields(detail: OrderDetail) -> list[tuple[str, object]]:
    """The order's fields, those it has."""
    o = detail.order
    fields: list[tuple[str, object]] = [
        ("Status", status_text(o)),
        ("Platform", o.platform),
        ("Account", o.account),
        ("Ordered", date(o.ordered_at)),
        ("Items", format_items(o.items)),
    ]
    if o.decided_by:
        fields.append(("Decided", f"{date(o.decided_at)} by {o.decided_by}"))
    if o.fulfilled_by:
        fields.append(("Fulfilled", f"{date(o.fulfilled_at)} by {o.fulfilled_by}"))
    if detail.note or o.note:
        fields.append(("Note", detail.note or o.note))
    if o.rejection_reason:
        fields.append(("Rejection reason", o.rejection_reason))
        if o.rejection_code:
            fields.append(("Rejection code", o.rejection_code))
    if o.cancel_reason:
        fields.append(("Cancellation reason", o.cancel_reason))
    return fields


ORDER_UNIT_CSV = ("order", "status", "platform", "account", "ordered_at", "unit", "line", "sku",
                  "kind", "user", "location", "device", "mac", "ipei", "ipui", "base")  # fmt: skip


def _unit_csv(row: tuple[OrderView, UnitView]) -> tuple[object, ...]:
    """One unit with its order's fields repeated."""
    o, u = row
    d = u.device
    return (o.id, o.status, o.platform, o.account, iso(o.ordered_at), u.unit, u.line, u.sku,
            u.kind, u.user, u.location, d.id if d else None, d.mac if d else None,
            d.ipei if d else None, d.ipui if d else None, d.base if d else None)  # fmt: skip


# Rows: (order, unit) pairs, so that a CSV row carries its order.
ORDER_UNITS: View[tuple[OrderView, UnitView]] = View(
    columns=(
        Column("Unit", lambda r: r[1].unit, no_wrap=True),
        Column("Line", lambda r: r[1].line, no_wrap=True),
        Column("SKU", lambda r: r[1].sku, no_wrap=True),
        Column("Kind", lambda r: r[1].kind, no_wrap=True),
        Column("Intent", lambda r: intent_text(r[1].user, r[1].location)),
        Column("Device", lambda r: device_identifier(r[1].device), no_wrap=True),
        Column("Base", lambda r: mac_text(r[1].device.base) if r[1].device else "", no_wrap=True),
    ),
    csv_header=ORDER_UNIT_CSV,
    csv_row=_unit_csv,
    title="Units",
)
_UNITS: Part[OrderDetail] = Part(ORDER_UNITS, lambda d: [(d.order, u) for u in d.units])

ORDER_DETAIL: Record[OrderDetail] = Record(
    parts=(
        Part(FIELDS, order_fields, title=lambda d: f"Order #{d.order.id}"),
        _UNITS,
        Part(AUDIT_TRAIL, attrgetter("audit")),
    ),
    csv=_UNITS,
)

SUBMITTED: Record[Sequence[OrderView]] = Record(
    lines=lambda created: [f"submitted {order_line(o)}" for o in created],
    to_json=lambda created: [o.to_json() for o in created],
)

# -- an edit (`review`: the change shown before the question) ------------------------------------
LINE_CHANGES: View[tuple[object, ...]] = View(
    columns=tuple(
        Column(h, itemgetter(i), no_wrap=True)
        for i, h in enumerate(("Line", "SKU", "Before", "After"))
    ),
)


def line_changes(plan: EditPlan) -> list[tuple[object, ...]]:
    """Each line the edit touches or keeps: (line, sku, quantity before, quantity after)."""
    before = {x.line: x for x in plan.before}
    after = {x.line: x for x in plan.after}
    rows: list[tuple[object, ...]] = []
    for line in sorted(set(before) | set(after)):
        b, a = before.get(line), after.get(line)
        sku = (a or b).sku
        rows.append((line, sku, b.quantity if b else "—", a.quantity if a else "removed"))
    return rows


# -- fulfilment ------------------------------------------------------------------------------------
_ACTION_WORDS = {
    "create": "new device",
    "link": "link existing",
    "skip": "done already",
    "open": "still open",
}


def _plan_rows(plan: Plan) -> list[tuple[UnitPlan, str]]:
    """Each unit of the plan with the base it is paired to, as words."""
    base_label = {u.number: u.shown for u in plan.units if u.kind == "dect_base"}
    rows = []
    for u in plan.units:
        base = ""
        if u.base_unit is not None:
            base = f"unit {u.base_unit} ({base_label.get(u.base_unit, '')})"
        elif u.kind == "dect_handset":
            base = "on-site registration"
        rows.append((u, base))
    return rows


PLAN_UNITS: View[tuple[UnitPlan, str]] = View(
    columns=(
        Column("Unit", lambda r: r[0].number, no_wrap=True),
        Column("SKU", lambda r: r[0].sku, no_wrap=True),
        Column("Identifier", lambda r: r[0].shown, no_wrap=True),
        Column("Device", lambda r: _ACTION_WORDS[r[0].action]),
        Column("User", lambda r: r[0].user),
        Column("Location", lambda r: r[0].location),
        Column("Paired base", itemgetter(1)),
    ),
)


def _plan_json(plan: Plan) -> dict[str, Any]:
    from hwctl.app.fulfilment import plan_json

    return plan_json(plan, dry_run=True)


# `fulfill --dry-run`: the plan, written nowhere.
PLAN_DRY_RUN: Record[Plan] = Record(
    parts=(
        Part(PLAN_UNITS, _plan_rows, lambda p: f"Order #{p.order_id}: fulfilment plan (dry run)"),
    ),
    to_json=_plan_json,
)
# The plan shown (on stderr) before the question whether to write it; tables only.
PLAN_TO_CONFIRM: Record[Plan] = Record(
    parts=(Part(PLAN_UNITS, _plan_rows, lambda p: f"Order #{p.order_id}: fulfilment plan"),),
)


def _fulfilment_lines(done: FulfilResult) -> list[str]:
    p = done.plan
    if done.already:
        return [f"order {p.order_id}: {done.outcome}"]
    open_units = f", {p.count('open')} still open" if not p.complete else ""
    return [
        f"order {p.order_id}: {done.outcome} · {p.count('create')} created, "
        f"{p.count('link')} linked, {p.count('skip')} skipped, {p.paired} handset(s) paired"
        f"{open_units}"
    ]


# What a fulfilment did (or, run again, found done already).
FULFILMENT: Record[FulfilResult] = Record(lines=_fulfilment_lines)
