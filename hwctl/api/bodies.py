"""The request bodies and headers a platform sends, read into the plain values the use cases
take, and described for the OpenAPI document. Each problem is one InvalidInput naming the field
(the HTTP name: `body`, `reason`, `Idempotency-Key`), which `problems` answers with a 422."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from hwctl.app import platform
from hwctl.errors import InvalidInput

MAX_BODY = 1 << 20  # an order of 100 lines of 10,000 units' intents stays far below this
KEY_HEADER = "Idempotency-Key"


async def raw_body(request: Request) -> bytes:
    """The request body's bytes. Decoded (`json_body`) in the endpoint, after the token has
    been looked up: a caller without a valid token gets a 401, whatever its body."""
    return await request.body()


def json_body(raw: bytes, optional: bool = False) -> Any:  # noqa: ANN401
    """The body as JSON (whatever its Content-Type says), or None for an optional body that is
    empty; one clear 422 otherwise."""
    if optional and not raw.strip():
        return None
    if len(raw) > MAX_BODY:
        raise InvalidInput(f"body: larger than {MAX_BODY} bytes", field="body")
    return platform.read_json(raw, "body")


def idempotency_key(header: str | None) -> str | None:
    """The `Idempotency-Key` header's key (surrounding blanks dropped), or None without one;
    InvalidInput naming the header when it is blank, too long or not printable ASCII."""
    if header is None:
        return None
    key = header.strip()
    if not key or len(key) > platform.MAX_KEY_LENGTH:
        raise InvalidInput(
            f"{KEY_HEADER} must be 1 to {platform.MAX_KEY_LENGTH} characters", field=KEY_HEADER
        )
    if not key.isascii() or not key.isprintable():
        raise InvalidInput(f"{KEY_HEADER} must be printable ASCII", field=KEY_HEADER)
    return key


def key_reused() -> InvalidInput:
    """The use case's KeyReused in the header's words."""
    return InvalidInput(
        f"this {KEY_HEADER} was used with a different body; use a new key for a new order",
        field=KEY_HEADER,
    )


def cancel_reason(payload: Any) -> str | None:  # noqa: ANN401
    """The reason in a cancellation's optional body `{"reason": "…"}` (None: no body or no
    reason); InvalidInput naming the field otherwise. The use case checks its text."""
    if payload is None:
        return None
    if not isinstance(payload, dict):
        raise InvalidInput("body: must be an object with an optional reason", field="body")
    unknown = sorted(str(k) for k in payload if k != "reason")
    if unknown:
        name = unknown[0][:40]
        raise InvalidInput(f"body: unknown field {name!r}", field="body")
    reason = payload.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise InvalidInput("reason: must be a string", field="reason")
    return reason


CANCEL_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reason": {
            "type": ["string", "null"],
            "description": "Why the customer cancelled (kept in the audit log and shown as "
            "the order's cancel_reason)",
        }
    },
    "additionalProperties": False,
}


def order_body_schema() -> dict[str, Any]:
    """The JSON Schema of an order creation's body, its definitions under `$defs`."""
    return platform.OrderForm.model_json_schema(ref_template="#/components/schemas/{model}")
