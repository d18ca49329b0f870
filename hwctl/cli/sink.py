"""The one output sink: every listing and record a command prints goes out through here, in the
mode `--format` chose, and each noun says once, declaratively, how it is shown.

- A `View` is how one noun's rows are shown: its table columns (a header and how to get the
  cell from a row), its CSV header and row, its JSON (the row's `to_json()` unless told), its
  title, how many rows a table shows unless `--limit` says otherwise, which rows a limit keeps
  (the first or the most recent), the caption when a limit left rows out, and the line (on
  stderr) that replaces a table with no row.
- A `Record` is one thing (an order, a fulfilment plan, a result): one JSON document; in a
  table, its `Part`s one table after the other (or result lines); in CSV, the rows of one part.
- `for_format(fmt)` is the sink for a `--format`: `TableSink` (Rich tables, drawn by
  `hwctl.cli.render`), `JsonSink` or `CsvSink`; each has `rows(view, rows, ...)` and
  `record(record, item)`. A command parses, calls one use case and hands what it returned to
  the sink it chose once:

      sink.for_format(fmt).rows(sink.DEVICES, devices, limit=limit)

Nothing here imports Rich, the store or the application's views at import time: `--help` and
TAB completion stay fast. The views of hwctl's nouns are at the end of this module.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from hwctl.cli import render

if TYPE_CHECKING:
    from hwctl.app.fulfilment import FulfilResult
    from hwctl.app.views import (
        AdminView,
        AuditView,
        DeviceView,
        LineView,
        OrderDetail,
        OrderView,
        UnitView,
    )
    from hwctl.domain.fulfilment import Plan, UnitPlan
    from hwctl.domain.order_edit import EditPlan

R = TypeVar("R")  # one row of a view
T = TypeVar("T")  # the thing a record shows

Keep = Literal["first", "last"]


def _to_json(item: Any) -> Any:
    return item.to_json()


def more_rows(left_out: int) -> str:
    """The caption of a table whose limit left `left_out` rows at the end out."""
    return f"… and {left_out} more (use --limit, or --format json|csv for all)"


def earlier_entries(left_out: int) -> str:
    """The caption of a table whose limit left the `left_out` oldest rows out."""
    return f"… {left_out} earlier entries not shown (use --limit, or --format json|csv for all)"


@dataclass(frozen=True)
class Column(Generic[R]):
    """A table column: its header, and how to get its cell from a row (None prints empty).
    `no_wrap`: the cell is one token (an id, a date, a MAC, a SKU) that a narrow terminal must
    not break; the text columns wrap at word boundaries instead."""

    header: str
    cell: Callable[[R], object]
    no_wrap: bool = False


@dataclass(frozen=True)
class View(Generic[R]):
    """How one noun's rows are shown, in every mode.

    `table_limit`: the rows a table shows when no limit is given (JSON and CSV show all);
    `keep`: which rows a limit keeps, the `first` N or the `last` (most recent) N; `left_out`:
    the table's caption when the limit left rows out (given how many); `empty`: a line on
    stderr instead of a table when no row is shown (given how many rows there are in all), or
    None to print the empty table."""

    columns: tuple[Column[R], ...]
    csv_header: tuple[str, ...] = ()
    csv_row: Callable[[R], Sequence[object]] | None = None
    to_json: Callable[[R], Any] = _to_json
    title: str | None = None
    table_limit: int | None = None
    keep: Keep = "first"
    left_out: Callable[[int], str] = more_rows
    empty: Callable[[int], str] | None = None

    def kept(self, rows: Sequence[R], limit: int | None) -> Sequence[R]:
        """The rows `limit` keeps (all of them when it is None)."""
        if limit is None:
            return rows
        if self.keep == "last":
            return rows[max(len(rows) - limit, 0) :]
        return rows[:limit]


@dataclass(frozen=True)
class Part(Generic[T]):
    """One table of a record: its view, its rows from the record, and a title from the record
    (the view's own title when None)."""

    view: View[Any]
    rows: Callable[[T], Sequence[Any]]
    title: Callable[[T], str] | None = None


@dataclass(frozen=True)
class Record(Generic[T]):
    """One thing shown whole: in a table, as `lines` of result on stdout when given, else as
    its `parts` one table after the other; in JSON, `to_json(item)` (the item's `to_json()`
    unless told); in CSV, the rows of the `csv` part (a record without one has no CSV)."""

    parts: tuple[Part[T], ...] = ()
    lines: Callable[[T], Sequence[str]] | None = None
    csv: Part[T] | None = None
    to_json: Callable[[T], Any] = _to_json


class Sink(ABC):
    """Where a command's output goes: one mode, chosen once from `--format`."""

    def limit(self, view: View[Any], limit: int | None) -> int | None:
        """How many rows of `view` this mode shows given `--limit` (None: all). A use case
        that pages asks for that many, so a table never fetches the whole history."""
        return limit

    @abstractmethod
    def rows(
        self,
        view: View[R],
        rows: Sequence[R],
        *,
        limit: int | None = None,
        total: int | None = None,
        title: str | None = None,
        fixed: Collection[str] = (),
    ) -> None:
        """Show `rows` as `view` says, keeping `limit` of them. `total` is how many rows there
        are in all when a use case fetched only some (the table's caption counts the rest);
        `title` replaces the view's title. `fixed`: the headers of columns the command's filter
        fixes (Account under `--account`); a table leaves such a column out when it holds one
        value, which its title names instead. JSON and CSV keep every field."""

    @abstractmethod
    def record(self, record: Record[T], item: T) -> None:
        """Show one thing as `record` says."""


class TableSink(Sink):
    """Tables for people (stdout, or stderr for what is shown before a question)."""

    def __init__(self, *, stderr: bool = False) -> None:
        self.stderr = stderr

    def limit(self, view: View[Any], limit: int | None) -> int | None:
        return view.table_limit if limit is None else limit

    def rows(
        self,
        view: View[R],
        rows: Sequence[R],
        *,
        limit: int | None = None,
        total: int | None = None,
        title: str | None = None,
        fixed: Collection[str] = (),
    ) -> None:
        total = len(rows) if total is None else total
        shown = view.kept(rows, self.limit(view, limit))
        if not shown and view.empty is not None:
            render.info(view.empty(total))
            return
        left_out = total - len(shown)
        title = view.title if title is None else title
        columns: list[Column[R]] = []
        named: list[str] = []  # the values of the columns left out, for the title
        for c in view.columns:
            if c.header in fixed and shown and _one_value(c, shown):
                named.append(render.clean(c.cell(shown[0])))
            else:
                columns.append(c)
        if named:
            title = " · ".join([title, *named] if title else named)
        render.plain_table(
            title,
            [c.header for c in columns],
            ([c.cell(row) for c in columns] for row in shown),
            caption=view.left_out(left_out) if left_out > 0 else None,
            stderr=self.stderr,
            no_wrap=[c.no_wrap for c in columns],
        )

    def record(self, record: Record[T], item: T) -> None:
        if record.lines is not None:
            say = render.info if self.stderr else render.result
            for line in record.lines(item):
                say(line)
            return
        for part in record.parts:
            title = part.title(item) if part.title is not None else None
            self.rows(part.view, part.rows(item), title=title)


def _one_value(column: Column[R], rows: Sequence[R]) -> bool:
    first = column.cell(rows[0])
    return all(column.cell(row) == first for row in rows)


class JsonSink(Sink):
    """One JSON document on stdout: a list of the rows' JSON, or the record's."""

    def rows(
        self,
        view: View[R],
        rows: Sequence[R],
        *,
        limit: int | None = None,
        total: int | None = None,
        title: str | None = None,
        fixed: Collection[str] = (),
    ) -> None:
        render.emit_json([view.to_json(row) for row in view.kept(rows, limit)])

    def record(self, record: Record[T], item: T) -> None:
        render.emit_json(record.to_json(item))


class CsvSink(Sink):
    """A header and one row per row on stdout; cells a spreadsheet would run are neutralised."""

    def rows(
        self,
        view: View[R],
        rows: Sequence[R],
        *,
        limit: int | None = None,
        total: int | None = None,
        title: str | None = None,
        fixed: Collection[str] = (),
    ) -> None:
        if view.csv_row is None:
            raise ValueError(f"{view.title or 'this view'} has no CSV form")
        render.emit_csv(view.csv_header, (view.csv_row(row) for row in view.kept(rows, limit)))

    def record(self, record: Record[T], item: T) -> None:
        if record.csv is None:
            raise ValueError("this record has no CSV form")
        self.rows(record.csv.view, record.csv.rows(item))


_SINKS: dict[str, type[Sink]] = {"table": TableSink, "json": JsonSink, "csv": CsvSink}


def for_format(fmt: str) -> Sink:
    """The sink for `--format` `fmt` (`table`, `json` or `csv`; a StrEnum member will do)."""
    try:
        return _SINKS[str(fmt)]()
    except KeyError:
        raise ValueError(f"no output format {fmt!r}") from None


# -- cells ---------------------------------------------------------------------------------------
def iso(value: datetime | None) -> str | None:
    """`hwctl.app.views.iso` (imported on first use)."""
    from hwctl.app.views import iso as views_iso

    return views_iso(value)


def format_items(items: Sequence[LineView]) -> str:
    """`hwctl.app.views.format_items` (imported on first use)."""
    from hwctl.app.views import format_items as views_format_items

    return views_format_items(items)


def date(value: datetime | None) -> str:
    """`2024-05-01 09:30` in UTC, for a table."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def status_text(o: OrderView) -> str:
    """The status, with a split shipment's progress: `approved (2/5 delivered)`."""
    if o.partly_fulfilled:
        return f"{o.status} ({o.units_done}/{o.units_total} delivered)"
    return o.status


def intent_text(user: str | None, location: str | None) -> str:
    return " · ".join(render.clean(x) for x in (user, location) if x)


def mac_text(mac: str | None) -> str:
    """`00:04:13:aa:bb:cc` from a stored MAC; empty for none."""
    if not mac:
        return ""
    return ":".join(mac[i : i + 2] for i in range(0, 12, 2))


def device_identifier(d: DeviceView | None) -> str:
    """A device's MAC as pairs, or its IPEI in its three groups."""
    if d is None:
        return ""
    if d.mac:
        return mac_text(d.mac)
    return f"{d.ipei[:5]} {d.ipei[5:12]} {d.ipei[12:]}" if d.ipei else ""


def details_text(details: dict | None) -> str:
    if not details:
        return ""
    return json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def order_ref(order: int | None) -> str:
    return f"#{order}" if order else ""


def order_line(o: OrderView) -> str:
    """`order 7: pending · acme · Globex · 2× T54W` (a result line)."""
    return f"order {o.id}: {o.status} · {o.platform} · {o.account} · {format_items(o.items)}"


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
