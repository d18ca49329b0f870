"""The pending report's formats: text, JSON, CSV, the Prometheus text format, and the one-line
check of the monitoring-plugin convention, as strings for every door. The CLI prints or writes
them (`report pending`); the HTTP API can serve them. Pure text from the report view; stdlib
only."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from datetime import UTC, datetime

from hwctl.app.reports import PendingReport
from hwctl.app.views import iso
from hwctl.domain.monitoring import Range, Thresholds, format_age

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\n\x0b\x0c\r\x85\u2028\u2029]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(value: object) -> str:
    """One line without control characters: line breaks and tabs become a space, ESC and the
    rest are dropped (a platform's name never splits or colours a report line)."""
    if value is None:
        return ""
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", str(value)))


def neutralise(cell: object) -> object:
    """Stop a spreadsheet running a cell as a formula: prefix `'`."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def _date(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def cell_len(text: str) -> int:
    """Columns `text` takes in a terminal: wide (East Asian) characters two, combining none."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def pending_report(report: PendingReport, fmt: str) -> str:
    """The pending report as text, json, csv or prometheus; always ends with a newline."""
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(PENDING_CSV)
        for p in report.platforms:
            writer.writerow([neutralise(p.platform), p.pending, iso(p.oldest_ordered_at) or ""])
        return buf.getvalue()
    if fmt == "prometheus":
        return _prometheus(report)
    return _pending_text(report)


PENDING_CSV = ("platform", "pending", "oldest_ordered_at")


def _age(report: PendingReport, at: datetime | None) -> str:
    if at is None:
        return ""
    return format_age(max(0, int((report.now - at).total_seconds())))


def _one_line(value: str) -> str:
    return clean(value).replace("\n", " ").replace("\t", " ")


def _pending_text(report: PendingReport) -> str:
    if report.oldest_ordered_at is None:
        head = "Pending orders: 0"
    else:
        head = (f"Pending orders: {report.pending} · oldest {_date(report.oldest_ordered_at)} UTC "
                f"({_age(report, report.oldest_ordered_at)} ago)")  # fmt: skip
    rows = [("Platform", "Pending", "Oldest (UTC)", "Age")]
    rows += [(_one_line(p.platform), str(p.pending), _date(p.oldest_ordered_at),
              _age(report, p.oldest_ordered_at)) for p in report.platforms]  # fmt: skip
    widths = [max(cell_len(r[i]) for r in rows) for i in range(4)]
    lines = [head, ""] if report.platforms else [head]
    for r in rows if report.platforms else []:
        name = r[0] + " " * (widths[0] - cell_len(r[0]))
        line = f"{name}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}"
        lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def prometheus_label(value: str) -> str:
    """A label value for the Prometheus text format: backslash, quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _prometheus(report: PendingReport) -> str:
    def family(name: str, help_: str) -> list[str]:
        return [f"# HELP {name} {help_}", f"# TYPE {name} gauge"]

    lines = family("hwctl_orders_pending", "Hardware orders waiting for approval, per platform.")
    lines += [f'hwctl_orders_pending{{platform="{prometheus_label(p.platform)}"}} {p.pending}'
              for p in report.platforms]  # fmt: skip
    lines += family("hwctl_orders_pending_all", "Hardware orders waiting for approval, in all.")
    lines.append(f"hwctl_orders_pending_all {report.pending}")
    lines += family("hwctl_oldest_pending_age_seconds",
                    "Age of the oldest order waiting for approval (0 when none is).")  # fmt: skip
    lines.append(f"hwctl_oldest_pending_age_seconds {report.oldest_age_seconds or 0}")
    return "\n".join(lines) + "\n"


def _limit(value: int | Range | None) -> str:
    """A threshold in the performance data: as given (`5`, `10:20`, `@~:3`), empty when none."""
    if value is None:
        return ""
    return value.text if isinstance(value, Range) else str(value)


def check_line(verdict: object, report: PendingReport, limits: Thresholds) -> str:
    """`PENDING WARNING - 4 orders pending, oldest 6d | pending=4;3;20;0 oldest_age=…s;…`"""
    name = getattr(verdict, "name", str(verdict))
    n = report.pending
    text = f"{n} order{'' if n == 1 else 's'} pending"
    age = report.oldest_age_seconds
    if age is not None:
        text += f", oldest {format_age(age)}"
    perf = (
        f"pending={n};{_limit(limits.warn)};{_limit(limits.crit)};0 "
        f"oldest_age={age or 0}s;{_limit(limits.warn_age)};{_limit(limits.crit_age)};0"
    )
    return f"PENDING {name} - {text} | {perf}"


def check_unknown(message: str) -> str:
    """An UNKNOWN check line; `|` would start performance data, so it cannot appear."""
    one_line = " ".join(clean(message).split())
    return f"PENDING UNKNOWN - {one_line.replace('|', '/')}"
