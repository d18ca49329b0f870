"""Reading the platform side's JSON documents (directory import, order submission) into plain,
validated rows. Every problem becomes one line naming where it is and what is wrong."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hwctl.domain.order_edit import MAX_QUANTITY
from hwctl.domain.text import described, is_control, refused_character
from hwctl.errors import InvalidInput


# Names and texts from the platform side are data: a control character (C0, DEL, C1, and the
# Unicode line and paragraph separators) would split a line or drive the terminal, and an
# invisible formatting character (Unicode Cf: bidi overrides, zero-width characters) would
# reorder or hide what is shown, so none is stored (the one rule: hwctl.domain.text). NUL gets
# its own message: PostgreSQL text cannot hold it at all.
def _plain_text(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain NUL characters")
    found = refused_character(value)
    if found is not None and is_control(found[1]):
        raise PydanticCustomError("control_character", "must not contain control characters")
    if found is not None:
        raise PydanticCustomError(
            "invisible_character",
            "must not contain invisible formatting characters ({character})",
            {"character": described(found[1])},
        )
    return value


NAME_MAX = 200
SKU_MAX = 100
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX),
    AfterValidator(_plain_text),
]
Sku = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=SKU_MAX),
    AfterValidator(_plain_text),
]
Kind = Literal["deskphone", "dect_base", "dect_handset"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CatalogIn(_Strict):
    sku: Sku
    name: Name
    kind: Kind
    # No order line has more units than MAX_QUANTITY, so no base pairs more handsets; the cap
    # also keeps the value inside the store's 32-bit INTEGER.
    max_handsets: Annotated[int, Field(ge=0, le=MAX_QUANTITY)] | None = None
    # Other names shipping files use for the item (vendor model, part or article numbers).
    aliases: Annotated[list[Name], Field(max_length=50)] = []
    vendor: Sku | None = None

    @model_validator(mode="after")
    def _only_a_base_pairs_handsets(self) -> CatalogIn:
        if self.max_handsets is not None and self.kind != "dect_base":
            raise PydanticCustomError(
                "max_handsets_kind",
                "max_handsets applies only to a dect_base, not to a {kind}",
                {"kind": self.kind},
            )
        return self


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


_NAME: TypeAdapter[str] = TypeAdapter(Name)


class NewAccountIn(_Strict):
    """An account being created with the order (the platform's account-creation form): it is
    created, or its missing users and locations are added."""

    name: Name
    users: Annotated[list[Name], Field(max_length=MAX_QUANTITY)] = []
    locations: Annotated[list[Name], Field(max_length=MAX_QUANTITY)] = []


class PlatformOrderIn(_Strict):
    """The body of `POST /v1/orders`: the platform is the token's."""

    account: Name | NewAccountIn
    ordered_at: datetime | None = None
    items: Annotated[list[ItemIn], Field(min_length=1, max_length=100)]


def parse_platform_order(data: Any, source: str = "body") -> PlatformOrderIn:
    """A `POST /v1/orders` body (already decoded JSON) as a checked order; InvalidInput naming
    the field (`items[0].quantity`) otherwise."""
    if isinstance(data, dict) and isinstance(data.get("ordered_at"), str):
        data = dict(data)
        try:
            data["ordered_at"] = _parse_time(data["ordered_at"], source, "")
        except InvalidInput as e:
            raise InvalidInput(e.message, field="ordered_at") from None
    if isinstance(data, dict) and "account" in data:
        # Checked on its own first, so a message names `account` (or `account.users[0]`),
        # not pydantic's name for the branch of `name | object` it tried.
        account = data["account"]
        try:
            if isinstance(account, dict):
                NewAccountIn.model_validate(account)
            elif isinstance(account, str):
                _NAME.validate_python(account)
            else:
                raise InvalidInput(
                    f"{source}: account: must be an account's name or an object with name, "
                    "users and locations",
                    field="account",
                )
        except ValidationError as e:
            raise _one_line(source, e, loc=("account",)) from e
    try:
        order = PlatformOrderIn.model_validate(data)
    except ValidationError as e:
        raise _one_line(source, e) from e
    if order.ordered_at is not None and order.ordered_at.tzinfo is None:
        order.ordered_at = order.ordered_at.replace(tzinfo=UTC)
    for n, line in enumerate(order.items):
        if len(line.units) > line.quantity:
            raise InvalidInput(
                f"{source}: items[{n}].units: {len(line.units)} unit intents for "
                f"{line.quantity} units of {line.sku}",
                field=f"items[{n}].units",
            )
    return order


# A field name as the schema spells them. Any other key (an unknown field) is the input's own
# text: shown quoted and cut short, so a key with a line break or of a megabyte stays one line.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,49}")


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _FIELD_NAME.fullmatch(str(part)):
            out += ("." if out else "") + str(part)
        else:
            out += f"[{_shown(str(part))}]"
    return out or "document"


def _one_line(
    source: str, err: ValidationError, prefix: str = "", loc: tuple[int | str, ...] = ()
) -> InvalidInput:
    first = err.errors(include_url=False)[0]
    first["loc"] = loc + tuple(first["loc"])
    where = prefix + _where(tuple(first["loc"]))
    msg = validation_words(first)
    return InvalidInput(f"{source}: {where}: {msg}", field=_where(tuple(first["loc"])))


# What a field's value must be, in hwctl's words, by pydantic's error type (pydantic's own
# wording, "Input should be a valid integer", "Value error, …", is not shown).
_MUST_BE = {
    "missing": "is required",
    "extra_forbidden": "unknown field",
    "string_too_short": "must not be blank",
    "too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters",
    "too_long": "must have at most {max_length} items",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_parsing_size": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "datetime_type": "must be an ISO 8601 date and time",
    "datetime_parsing": "must be an ISO 8601 date and time",
    "datetime_from_date_parsing": "must be an ISO 8601 date and time",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "json_invalid": "is not valid JSON",
}


def validation_words(error: Mapping[str, Any]) -> str:
    """One validation error (an item of pydantic's `ValidationError.errors()`) as hwctl words
    it: `must be a whole number`, `must be at least 1`, `must be one of 'a', 'b' or 'c'`; the
    readers' own errors (`must not contain control characters`) as they are."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    template = _MUST_BE.get(kind)
    if template is not None:
        try:
            return template.format(**ctx)
        except (KeyError, IndexError, ValueError):
            pass
    msg = str(error.get("msg", "is not valid"))
    if kind == "value_error" or msg.startswith("Value error, "):
        return msg.removeprefix("Value error, ")
    if msg.startswith("Input should be "):
        return "must be " + msg.removeprefix("Input should be ")
    return msg


class _BadNumber(ValueError):
    """A JSON number hwctl cannot hold: raised from the decoder's hooks, with its message."""


def _int(text: str) -> int:
    # Python refuses to convert more than 4300 digits, and no count hwctl reads needs 20.
    if len(text.lstrip("-")) > 100:
        raise _BadNumber(f"a number of {len(text.lstrip('-'))} digits is out of range")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _BadNumber(f"the number {_shown(text)} is out of range")
    return value


def _constant(name: str) -> float:
    raise _BadNumber(f"{name} is not a number JSON allows")


def load_json(text: str | bytes, source: str) -> Any:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise InvalidInput(f"{source}: not UTF-8 text") from e
    if not text.strip():
        raise InvalidInput(f"{source}: empty input, expected JSON")
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as e:
        raise InvalidInput(
            f"{source}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}"
        ) from e
    except _BadNumber as e:
        raise InvalidInput(f"{source}: {e}") from None
    except RecursionError:
        # `[[[[…`: the decoder recurses per level; no hwctl document is more than a few deep.
        raise InvalidInput(f"{source}: too deeply nested") from None


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


EARLIEST_ORDER = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(days=1)


def _parse_time(text: str, source: str, prefix: str) -> datetime:
    """An aware UTC time between EARLIEST_ORDER and a day from now. Converted here, so a time
    whose conversion to UTC overflows (year 9999 west of Greenwich) never reaches the store."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as e:
        raise InvalidInput(
            f"{source}: {prefix}ordered_at: {_shown(text)} is not an ISO 8601 date and time"
        ) from e
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        utc = parsed.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST_ORDER <= utc <= datetime.now(UTC) + CLOCK_SKEW:
        raise InvalidInput(
            f"{source}: {prefix}ordered_at: {_shown(text)} is out of range: between "
            f"{EARLIEST_ORDER:%Y-%m-%d} and a day from now"
        )
    return utc


def _shown(text: str, limit: int = 40) -> str:
    """A value from the input, quoted, cut short so one line stays readable."""
    return repr(text if len(text) <= limit else text[:limit] + "…")
