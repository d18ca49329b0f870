"""The one place that writes output and the only module that imports Rich.

Stdout is data (tables, JSON, CSV), stderr is talk (progress, warnings, errors). Names from the
store are data too: they go into Rich `Text` objects (never parsed as markup) with control
characters stripped. Piped output carries no ANSI codes; NO_COLOR is honoured everywhere.
Everything goes out through `printable`: on a stream whose encoding cannot show `·`, `×`, `→`
or `…` (PYTHONIOENCODING=ascii), ASCII stand-ins are printed instead, and Rich draws its tables
with ASCII lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # Rich and the views are imported where used: --help and TAB stay fast
    from rich.console import Console
    from rich.table import Table

    from hwctl.app.reports import PendingReport
    from hwctl.app.views import (
        AdminView,
        AuditView,
        DeviceView,
        LineView,
        OrderDetail,
        OrderPage,
        OrderView,
    )
    from hwctl.domain.monitoring import Thresholds

TABLE_ROWS = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\n\x0b\x0c\r\x85\u2028\u2029]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def iso(value: datetime | None) -> str | None:
    """`hwctl.app.views.iso` (imported on first use)."""
    from hwctl.app.views import iso as views_iso

    return views_iso(value)


def format_items(items: Sequence[LineView]) -> str:
    """`hwctl.app.views.format_items` (imported on first use)."""
    from hwctl.app.views import format_items as views_format_items

    return views_format_items(items)


def clean(value: object) -> str:
    """Text for a terminal: line breaks and tabs become one space (a name never splits a line),
    other control characters (ESC included) are removed."""
    if value is None:
        return ""
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", str(value)))


# -- what the output encoding can show ---------------------------------------------------------
# The typography hwctl prints, and what is printed instead on a stream that cannot encode it.
# Any other character such a stream cannot encode (a name from the store) is printed as `?`.
STAND_INS = {"·": "-", "×": "x", "→": "->", "…": "...", "—": "-", "–": "-"}
_STAND_IN_ERRORS = "hwctl-stand-in"


def _stand_in(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(STAND_INS.get(c, "?") for c in bad), error.end


codecs.register_error(_STAND_IN_ERRORS, _stand_in)


def _encoding(stream: object) -> str:
    """The codec name of `stream`'s encoding (`ascii`, `utf-8`); UTF-8 when it has none."""
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name
    except LookupError:
        return "utf-8"


def can_show(text: str, stream: TextIO | None = None) -> bool:
    """Whether `stream` (stdout by default) can encode every character of `text`."""
    try:
        text.encode(_encoding(sys.stdout if stream is None else stream))
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str, stream: TextIO | None = None) -> str:
    """`text` as `stream` (stdout by default) can show it: unchanged when its encoding can encode
    every character (UTF-8 always can), else with STAND_INS (`·` -> `-`, `×` -> `x`, `→` -> `->`,
    `…` -> `...`) and `?` for the rest."""
    encoding = _encoding(sys.stdout if stream is None else stream)
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, _STAND_IN_ERRORS).decode(encoding)
    return text


class _Printable:
    """A text stream that writes through `printable`, for Rich on a stream that is not UTF-8;
    everything else (encoding, isatty, fileno, flush) is the stream's own."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(printable(text, self._stream))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    is_tty = hasattr(stream, "isatty") and stream.isatty()
    width = None
    if not is_tty:
        width = int(os.environ.get("COLUMNS", "0") or 0) or 200
    return Console(
        # Rich sees the stream's encoding and draws ASCII box lines when it is not UTF-8
        file=stream if _encoding(stream).startswith("utf") else _Printable(stream),
        no_color=bool(os.environ.get("NO_COLOR")) or not is_tty,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
        width=width,
        force_terminal=None if is_tty else False,
    )


# -- talk (stderr) -----------------------------------------------------------------------------
def _line(stream: TextIO, text: str) -> None:
    print(printable(text, stream), file=stream)


def info(message: str) -> None:
    _line(sys.stderr, clean(message))


def _coloured(stream: TextIO, label: str, sgr: str) -> str:
    """`label` in colour (an SGR code: 31 red, 33 yellow) when `stream` is a terminal that wants
    colour: not when NO_COLOR is set to anything non-empty (no-color.org), nor for TERM=dumb."""
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        terminal = False
    if not terminal or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return label
    return f"\x1b[{sgr}m{label}\x1b[0m"


def warn(message: str) -> None:
    _line(sys.stderr, f"{_coloured(sys.stderr, 'warning:', '33')} {clean(message)}")


def error(message: str) -> None:
    _line(sys.stderr, f"hwctl: {_coloured(sys.stderr, 'error:', '1;31')} {clean(message)}")


def result(message: str) -> None:
    """A line of result on stdout (e.g. `order 7: approved`)."""
    _line(sys.stdout, clean(message))


# -- machine formats ---------------------------------------------------------------------------
def emit_json(data: Any) -> None:
    """JSON on stdout; what stdout's encoding cannot show is `\\uXXXX`-escaped (no data lost)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if not can_show(text):
        text = json.dumps(data, indent=2)
    sys.stdout.write(text + "\n")


def neutralise(cell: object) -> object:
    """Stop a spreadsheet running a cell as a formula: prefix `'`."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def emit_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if c is None else neutralise(c) for c in row])
    sys.stdout.write(printable(buf.getvalue()))


# -- tables ------------------------------------------------------------------------------------
def _date(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _table(*columns: str, title: str | None = None, caption: str | None = None) -> Table:
    from rich.table import Table

    table = Table(title=title, caption=caption, title_justify="left", caption_justify="left")
    for c in columns:
        table.add_column(c, overflow="fold")
    return table


def _row(table: Table, *cells: object) -> None:
    from rich.text import Text

    table.add_row(*(Text(clean(c)) for c in cells))


def _print(renderable: object) -> None:
    _console().print(renderable)


ORDER_CSV = ("id", "status", "platform", "account", "items", "ordered_at", "rejection_reason",
             "decided_by", "decided_at", "note")  # fmt: skip


def orders(page: OrderPage, fmt: str, status: str) -> None:
    if fmt == "json":
        emit_json([o.to_json() for o in page.orders])
        return
    if fmt == "csv":
        emit_csv(
            ORDER_CSV,
            (
                (o.id, o.status, o.platform, o.account, format_items(o.items), iso(o.ordered_at),
                 o.rejection_reason, o.decided_by, iso(o.decided_at), o.note)
                for o in page.orders
            ),
        )  # fmt: skip
        return
    shown = page.orders  # the command fetched at most --limit (default 50) rows
    more = page.total - len(shown)
    title = f"Hardware orders ({status}) · {page.pending} waiting for approval"
    caption = f"… and {more} more (use --limit, or --format json|csv for all)" if more > 0 else None
    if not shown:
        if page.total:
            info(f"{page.pending} waiting for approval · {page.total} {status} orders match, "
                 "none shown (--limit 0)")  # fmt: skip
        else:
            info(f"{page.pending} waiting for approval · no {status} orders match")
        return
    table = _table("ID", "Status", "Platform", "Account", "Items", "Ordered", title=title,
                   caption=caption)  # fmt: skip
    for o in shown:
        _row(table, f"#{o.id}", status_text(o), o.platform, o.account, format_items(o.items),
             _date(o.ordered_at))  # fmt: skip
    _print(table)


def status_text(o: OrderView) -> str:
    """The status, with a split shipment's progress: `approved (2/5 delivered)`."""
    if o.partly_fulfilled:
        return f"{o.status} ({o.units_done}/{o.units_total} delivered)"
    return o.status


def intent_text(user: str | None, location: str | None) -> str:
    return " · ".join(clean(x) for x in (user, location) if x)


def device_identifier(d: DeviceView | None) -> str:
    if d is None:
        return ""
    if d.mac:
        return ":".join(d.mac[i : i + 2] for i in range(0, 12, 2))
    return f"{d.ipei[:5]} {d.ipei[5:12]} {d.ipei[12:]}" if d.ipei else ""


ORDER_UNIT_CSV = ("order", "status", "platform", "account", "ordered_at", "unit", "line", "sku",
                  "kind", "user", "location", "device", "mac", "ipei", "ipui", "base")  # fmt: skip


def order_detail(detail: OrderDetail, fmt: str) -> None:
    if fmt == "json":
        emit_json(detail.to_json())
        return
    if fmt == "csv":  # one row per unit, the order's fields repeated
        o = detail.order
        emit_csv(
            ORDER_UNIT_CSV,
            (
                (o.id, o.status, o.platform, o.account, iso(o.ordered_at), u.unit, u.line, u.sku,
                 u.kind, u.user, u.location, u.device.id if u.device else None,
                 u.device.mac if u.device else None, u.device.ipei if u.device else None,
                 u.device.ipui if u.device else None, u.device.base if u.device else None)
                for u in detail.units
            ),
        )  # fmt: skip
        return
    o = detail.order
    head = _table("Field", "Value", title=f"Order #{o.id}")
    _row(head, "Status", status_text(o))
    _row(head, "Platform", o.platform)
    _row(head, "Account", o.account)
    _row(head, "Ordered", _date(o.ordered_at))
    _row(head, "Items", format_items(o.items))
    if o.decided_by:
        _row(head, "Decided", f"{_date(o.decided_at)} by {o.decided_by}")
    if detail.note or o.note:
        _row(head, "Note", detail.note or o.note)
    if o.rejection_reason:
        _row(head, "Rejection reason", o.rejection_reason)
        if o.rejection_code:
            _row(head, "Rejection code", o.rejection_code)
    if o.cancel_reason:
        _row(head, "Cancellation reason", o.cancel_reason)
    _print(head)
    units = _table("Unit", "Line", "SKU", "Kind", "Intent", "Device", "Base", title="Units")
    for u in detail.units:
        base = device_identifier_mac(u.device.base) if u.device else ""
        _row(units, u.unit, u.line, u.sku, u.kind, intent_text(u.user, u.location),
             device_identifier(u.device), base)  # fmt: skip
    _print(units)
    audit(detail.audit, "table", title="Audit trail")


def _details_text(details: dict | None) -> str:
    if not details:
        return ""
    return json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


AUDIT_CSV = ("id", "at", "actor", "action", "order", "reason", "details")


def audit(
    entries: Sequence[AuditView],
    fmt: str,
    title: str = "Audit log",
    limit: int | None = None,
) -> None:
    """Oldest first; `limit` keeps the most recent N (tables: 50 unless given)."""
    if limit is None and fmt == "table" and title == "Audit log":
        limit = TABLE_ROWS
    earlier = max(len(entries) - limit, 0) if limit is not None else 0
    entries = entries[earlier:]
    if fmt == "json":
        emit_json([e.to_json() for e in entries])
        return
    if fmt == "csv":
        emit_csv(
            AUDIT_CSV,
            ((e.id, iso(e.at), e.actor, e.action, e.order, e.reason, _details_text(e.details))
             for e in entries),
        )  # fmt: skip
        return
    caption = (
        f"… {earlier} earlier entries not shown (use --limit, or --format json|csv for all)"
        if earlier and fmt == "table"
        else None
    )
    table = _table("ID", "At (UTC)", "Actor", "Action", "Order", "Reason / note", "Details",
                   title=title, caption=caption)  # fmt: skip
    for e in entries:
        _row(table, e.id, iso(e.at), e.actor, e.action, f"#{e.order}" if e.order else "",
             e.reason or "", _details_text(e.details))  # fmt: skip
    _print(table)


DEVICE_CSV = ("id", "platform", "account", "kind", "sku", "mac", "ipei", "ipui", "user",
              "location", "base", "order")  # fmt: skip


def devices(rows: Sequence[DeviceView], fmt: str, limit: int | None = None) -> None:
    """`limit` keeps the first N (tables: 50 unless given)."""
    total = len(rows)
    if limit is None and fmt == "table":
        limit = TABLE_ROWS
    rows = rows[:limit] if limit is not None else rows
    if fmt == "json":
        emit_json([d.to_json() for d in rows])
        return
    if fmt == "csv":
        emit_csv(DEVICE_CSV, ([d.to_json()[k] for k in DEVICE_CSV] for d in rows))
        return
    if not rows:
        info(f"{total} devices match, none shown (--limit 0)" if total else "no devices match")
        return
    more = total - len(rows)
    caption = f"… and {more} more (use --limit, or --format json|csv for all)" if more else None
    table = _table("ID", "Platform", "Account", "Kind", "SKU", "Identifier", "User", "Location",
                   "Base", "Order", title="Devices", caption=caption)  # fmt: skip
    for d in rows:
        base = device_identifier_mac(d.base)
        _row(table, d.id, d.platform, d.account, d.kind, d.sku or "", device_identifier(d),
             d.user or "", d.location or "", base, f"#{d.order}" if d.order else "")  # fmt: skip
    _print(table)


def device_identifier_mac(mac: str | None) -> str:
    if not mac:
        return ""
    return ":".join(mac[i : i + 2] for i in range(0, 12, 2))


def admins(rows: Sequence[AdminView], fmt: str) -> None:
    if fmt == "json":
        emit_json([a.to_json() for a in rows])
        return
    if fmt == "csv":
        emit_csv(("name", "added_at", "added_by"),
                 ((a.name, iso(a.added_at), a.added_by) for a in rows))  # fmt: skip
        return
    if not rows:
        info("no super-admins registered yet: `hwctl admins add NAME` registers the first")
        return
    table = _table("Name", "Added (UTC)", "Added by", title="Super-admins")
    for a in rows:
        _row(table, a.name, iso(a.added_at), a.added_by)
    _print(table)


def order_line(o: OrderView) -> str:
    return f"order {o.id}: {o.status} · {o.platform} · {o.account} · {format_items(o.items)}"


def key_values(title: str, pairs: Sequence[tuple[str, object]]) -> None:
    table = _table("Field", "Value", title=title)
    for k, v in pairs:
        _row(table, k, v)
    _print(table)


def plain_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[object]],
                stderr: bool = False) -> None:  # fmt: skip
    table = _table(*columns, title=title)
    for r in rows:
        _row(table, *r)
    _console(stderr).print(table)


# -- fulfilment ----------------------------------------------------------------------------------


_ACTION_WORDS = {
    "create": "new device",
    "link": "link existing",
    "skip": "done already",
    "open": "still open",
}


def fulfil_plan(plan, *, title: str, stderr: bool = False) -> None:  # noqa: ANN001
    base_label = {u.number: u.shown for u in plan.units if u.kind == "dect_base"}
    table = _table("Unit", "SKU", "Identifier", "Device", "User", "Location", "Paired base",
                   title=title)  # fmt: skip
    for u in plan.units:
        base = ""
        if u.base_unit is not None:
            base = f"unit {u.base_unit} ({base_label.get(u.base_unit, '')})"
        elif u.kind == "dect_handset":
            base = "on-site registration"
        _row(table, u.number, u.sku, u.shown, _ACTION_WORDS[u.action], u.user or "",
             u.location or "", base)  # fmt: skip
    _console(stderr).print(table)


class _Progress:
    def __init__(self, description: str, total: int) -> None:
        from rich.progress import Progress

        self._progress = Progress(console=_console(stderr=True), transient=True)
        self._task = self._progress.add_task(description, total=total)

    def __enter__(self):  # noqa: ANN204
        self._progress.start()
        return self.update

    def update(self, done: int, total: int) -> None:
        self._progress.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


class _NoProgress:
    def __enter__(self):  # noqa: ANN204
        return None

    def __exit__(self, *exc: object) -> None:
        return None


PROGRESS_THRESHOLD = 50


def progress(description: str, total: int):  # noqa: ANN201
    """A progress bar on stderr for long work, on a terminal only; yields a (done, total) callback
    or None."""
    if total < PROGRESS_THRESHOLD or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return _NoProgress()
    return _Progress(description, total)


# -- reports for cron and monitoring (`hwctl report pending`) ----------------------------------
def emit_text(text: str) -> None:
    """Text that is already formatted (a report, a completion script) to stdout as is."""
    sys.stdout.write(printable(text))


def emit_pending_report(report: PendingReport, fmt: str) -> None:
    """`pending_report` on stdout (its JSON escaped as `emit_json` does)."""
    if fmt == "json":
        emit_json(report.to_json())
    else:
        emit_text(pending_report(report, fmt))


def write_atomic(path: str, text: str) -> None:
    """`hwctl.io.files.write_output` with `--output PATH` in its errors: a regular file or a new
    path is replaced atomically, a FIFO or a device such as /dev/stdout is written through."""
    from hwctl.io.files import write_output

    write_output(path, text, label=f"--output {path}")


# The report's formats live in the application layer (hwctl.app.report_formats), so that the
# HTTP door can serve them too; these names are kept for the CLI's callers.
def pending_report(report: PendingReport, fmt: str) -> str:
    from hwctl.app.report_formats import pending_report as formatted

    return formatted(report, fmt)


def check_line(verdict: object, report: PendingReport, limits: Thresholds) -> str:
    from hwctl.app.report_formats import check_line as formatted

    return formatted(verdict, report, limits)


def check_unknown(message: str) -> str:
    from hwctl.app.report_formats import check_unknown as formatted

    return formatted(message)
