"""Reading the platform side's JSON documents (directory import, order submission) into plain,
validated rows. Every problem becomes one line naming where it is and what is wrong."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from hwctl.domain.order_edit import MAX_QUANTITY
from hwctl.errors import InvalidInput

# No NUL: PostgreSQL text cannot hold it, so neither backend stores it.
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00]*$"),
]
Sku = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00]*$"),
]
Kind = Literal["deskphone", "dect_base", "dect_handset"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CatalogIn(_Strict):
    sku: Sku
    name: Name
    kind: Kind
    max_handsets: Annotated[int, Field(ge=0)] | None = None
    # Other names shipping files use for the item (vendor model, part or article numbers).
    aliases: Annotated[list[Name], Field(max_length=50)] = []
    vendor: Sku | None = None


class DeviceIn(_Strict):
    sku: Sku
    mac: str | None = None
    ipei: str | None = None
    ipui: str | None = None
    user: Name | None = None
    location: Name | None = None


class AccountIn(_Strict):
    name: Name
    users: list[Name] = []
    locations: list[Name] = []
    devices: list[DeviceIn] = []


class PlatformIn(_Strict):
    name: Name
    catalog: list[CatalogIn] = []
    accounts: list[AccountIn] = []


class DirectoryIn(_Strict):
    platforms: list[PlatformIn]


class UnitIntentIn(_Strict):
    user: Name | None = None
    location: Name | None = None


class ItemIn(_Strict):
    sku: Sku
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
    units: list[UnitIntentIn] = []


class OrderIn(_Strict):
    platform: Name
    account: Name
    ordered_at: datetime | None = None
    items: Annotated[list[ItemIn], Field(min_length=1)]


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "document"


def _one_line(source: str, err: ValidationError, prefix: str = "") -> InvalidInput:
    first = err.errors(include_url=False)[0]
    where = prefix + _where(tuple(first["loc"]))
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown field"
    elif first["type"] == "missing":
        msg = "is required"
    elif first["type"] == "string_too_short":
        msg = "must not be blank"
    elif first["type"] == "too_short":
        msg = "must not be empty"
    elif first["type"] == "string_pattern_mismatch":
        msg = "must not contain NUL characters"
    return InvalidInput(f"{source}: {where}: {msg}")


def load_json(text: str | bytes, source: str) -> Any:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise InvalidInput(f"{source}: not UTF-8 text") from e
    if not text.strip():
        raise InvalidInput(f"{source}: empty input, expected JSON")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(
            f"{source}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}"
        ) from e


def parse_directory(text: str | bytes, source: str) -> DirectoryIn:
    data = load_json(text, source)
    try:
        return DirectoryIn.model_validate(data)
    except ValidationError as e:
        raise _one_line(source, e) from e


def parse_orders(text: str | bytes, source: str) -> list[OrderIn]:
    """One order object or a list of them. `ordered_at` comes back aware (naive means UTC)."""
    data = load_json(text, source)
    many = isinstance(data, list)
    items = data if many else [data]
    if many and not items:
        raise InvalidInput(f"{source}: the list of orders is empty")
    orders: list[OrderIn] = []
    for index, item in enumerate(items):
        prefix = f"order {index + 1}: " if many else ""
        if isinstance(item, dict) and isinstance(item.get("ordered_at"), str):
            item = dict(item)
            item["ordered_at"] = _parse_time(item["ordered_at"], source, prefix)
        try:
            order = OrderIn.model_validate(item)
        except ValidationError as e:
            raise _one_line(source, e, prefix) from e
        if order.ordered_at is not None and order.ordered_at.tzinfo is None:
            order.ordered_at = order.ordered_at.replace(tzinfo=UTC)
        for n, line in enumerate(order.items):
            if len(line.units) > line.quantity:
                raise InvalidInput(
                    f"{source}: {prefix}items[{n}]: {len(line.units)} unit intents for "
                    f"{line.quantity} units of {line.sku}"
                )
        orders.append(order)
    return orders


def _parse_time(text: str, source: str, prefix: str) -> datetime:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as e:
        raise InvalidInput(
            f"{source}: {prefix}ordered_at: {text!r} is not an ISO 8601 date and time"
        ) from e
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
