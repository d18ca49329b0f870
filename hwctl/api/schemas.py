"""The response shapes, for the OpenAPI document (and schemathesis, which checks every response
against them). The routes return the use cases' plain dicts; these only describe them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None


class CatalogItemOut(_Out):
    sku: str
    name: str
    kind: str
    max_handsets: int | None


class CatalogOut(_Out):
    data: list[CatalogItemOut]


class LineOut(_Out):
    line: int
    sku: str
    name: str
    kind: str
    quantity: int


class UnitDeviceOut(_Out):
    id: int
    kind: str
    sku: str | None
    mac: str | None
    ipei: str | None
    ipui: str | None
    user: str | None
    location: str | None
    base: str | None


class UnitOut(_Out):
    unit: int
    line: int
    sku: str
    kind: str
    user: str | None
    location: str | None
    device: UnitDeviceOut | None


class OrderSummaryOut(_Out):
    id: int
    status: str
    account: str
    ordered_at: str
    items: list[LineOut]
    rejection_reason: str | None
    rejection_code: str | None
    cancel_reason: str | None
    decided_at: str | None
    fulfilled_at: str | None
    units_done: int
    units_total: int


class OrderOut(OrderSummaryOut):
    units: list[UnitOut]


class OrderListOut(_Out):
    data: list[OrderSummaryOut]
    next_cursor: str | None


class DeviceOut(_Out):
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
    base: str | None
    order: int | None


class DevicesOut(_Out):
    data: list[DeviceOut]


class HealthOut(_Out):
    status: str
