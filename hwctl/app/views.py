"""Plain views returned by services, with their JSON forms (a contract with users' scripts:
field names and meanings change only with a major version; see README "Machine output")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hwctl.errors import HwctlError


def iso(value: datetime | None) -> str | None:
    """UTC, seconds precision, `Z` suffix: `2026-11-20T09:30:00Z`."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class LineView:
    line: int
    sku: str
    name: str
    kind: str
    quantity: int
    aliases: tuple[str, ...] = ()  # the catalog item's other names in shipping files

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "sku": self.sku,
            "name": self.name,
            "kind": self.kind,
            "quantity": self.quantity,
            "aliases": list(self.aliases),
        }


def format_items(items: list[LineView] | tuple[LineView, ...]) -> str:
    """`2× T54W, 1× W70B`"""
    return ", ".join(f"{i.quantity}× {i.sku}" for i in items)


@dataclass(frozen=True)
class DeviceView:
    id: int
    platform: str
    account: str
    kind: str
    sku: str | None
    mac: str | None
    ipei: str | None
    ipui: str | None
    user: str | None
    location: str | None
    base: str | None  # the paired base's MAC
    order: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "platform": self.platform,
            "account": self.account,
            "kind": self.kind,
            "sku": self.sku,
            "mac": self.mac,
            "ipei": self.ipei,
            "ipui": self.ipui,
            "user": self.user,
            "location": self.location,
            "base": self.base,
            "order": self.order,
        }


@dataclass(frozen=True)
class UnitView:
    unit: int
    line: int
    sku: str
    name: str
    kind: str
    user: str | None
    location: str | None
    device: DeviceView | None

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "line": self.line,
            "sku": self.sku,
            "kind": self.kind,
            "user": self.user,
            "location": self.location,
            "device": self.device.to_json() if self.device else None,
        }


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    actor: str
    actor_kind: str
    action: str
    order: int | None
    reason: str | None
    details: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": iso(self.at),
            "actor": self.actor,
            "actor_kind": self.actor_kind,
            "action": self.action,
            "order": self.order,
            "reason": self.reason,
            "details": self.details,
        }


@dataclass(frozen=True)
class OrderView:
    id: int
    status: str
    platform: str
    account: str
    ordered_at: datetime
    items: tuple[LineView, ...]
    rejection_reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    units_done: int = 0  # units with their device (a split shipment shows its progress)
    units_total: int = 0
    note: str | None = None  # the approval note
    cancel_reason: str | None = None  # the cancellation's reason, from its audit entry
    rejection_code: str | None = (
        None  # why, from a short list (RejectionCode); None unless rejected
    )
    fulfilled_by: str | None = None  # who gave the last unit its device
    fulfilled_at: datetime | None = None  # and when (the order became fulfilled)

    @property
    def partly_fulfilled(self) -> bool:
        """Some parcels of an approved order have arrived, not all."""
        return self.status == "approved" and 0 < self.units_done < self.units_total

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "platform": self.platform,
            "account": self.account,
            "ordered_at": iso(self.ordered_at),
            "items": [i.to_json() for i in self.items],
            "rejection_reason": self.rejection_reason,
            "rejection_code": self.rejection_code,
            "decided_by": self.decided_by,
            "decided_at": iso(self.decided_at),
            "fulfilled_by": self.fulfilled_by,
            "fulfilled_at": iso(self.fulfilled_at),
            "units_done": self.units_done,
            "units_total": self.units_total,
            "note": self.note,
            "cancel_reason": self.cancel_reason,
        }


@dataclass(frozen=True)
class OrderDetail:
    order: OrderView
    units: tuple[UnitView, ...]
    audit: tuple[AuditView, ...]
    note: str | None = None  # the same as order.note (kept for callers that read it here)

    def to_json(self) -> dict[str, Any]:
        data = self.order.to_json()
        data["units"] = [u.to_json() for u in self.units]
        data["audit"] = [a.to_json() for a in self.audit]
        return data


@dataclass(frozen=True)
class OrderPage:
    """One page of the Hardware Orders list."""

    orders: tuple[OrderView, ...]
    total: int  # matching the filters
    pending: int  # the badge: pending orders across all platforms, whatever the filters


@dataclass(frozen=True)
class Outcome:
    """What happened to one order in a multi-order decision."""

    order: int
    ok: bool
    message: str  # a refusal's message: the status and the act, no names
    status: str | None = None
    warnings: tuple[str, ...] = ()
    error: HwctlError | None = None  # the refusal, for a door to word (who decided, and when)


@dataclass(frozen=True)
class ImportSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


@dataclass(frozen=True)
class AdminView:
    name: str
    added_at: datetime
    added_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "added_at": iso(self.added_at),
            "added_by": self.added_by,
        }


@dataclass(frozen=True)
class ChainHead:
    """The last entry of the audit chain: its id (None while the log is empty) and hash."""

    id: int | None
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "hash": self.hash}


@dataclass(frozen=True)
class ChainVerdict:
    """What walking the audit chain found: intact (`entries` of them, up to `head`), or the
    first broken entry and why (`entries`: those found intact before it)."""

    ok: bool
    entries: int
    head: ChainHead
    broken_id: int | None = None
    reason: str | None = None
    expected_at: int | None = None  # the entry whose hash --expect-head named

    def to_json(self) -> dict[str, Any]:
        if self.ok:
            return {"ok": True, "entries": self.entries, "head": self.head.to_json()}
        return {
            "ok": False,
            "entries": self.entries,
            "broken": {"id": self.broken_id, "reason": self.reason},
        }
