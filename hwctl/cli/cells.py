"""The cells of hwctl's tables and result lines: dates, statuses, intents, MACs and IPEIs,
audit details, order references. Shared by the nouns declared in `hwctl.cli.sink` and the
commands that declare their own views (tokens, webhooks); reached as `sink.date`, `sink.iso`...
The application's views are imported on first use, so `--help` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from hwctl.cli import render

if TYPE_CHECKING:
    from hwctl.app.views import (
        DeviceView,
        LineView,
        OrderView,
    )


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
