"""Every error as an RFC 9457 problem (`application/problem+json`): `type`, `title`,
`status`, `detail`, and where it helps `field`. The error kinds of `hwctl.errors` map to HTTP
statuses here, and only here."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hwctl.app.platform import validation_words
from hwctl.errors import (
    Conflict,
    HwctlError,
    InvalidInput,
    InvalidTransition,
    NotAuthorised,
    NotFound,
    StoreError,
    UsageError,
)

MEDIA_TYPE = "application/problem+json"

_STATUS: list[tuple[type[HwctlError], int, str]] = [
    (InvalidInput, 422, "Invalid input"),
    (NotFound, 404, "Not found"),
    (InvalidTransition, 409, "Not possible in the order's state"),
    (Conflict, 409, "Conflict"),
    (NotAuthorised, 403, "Forbidden"),
    (StoreError, 503, "Store unavailable"),
    (UsageError, 400, "Bad request"),
]

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,  # noqa: ANN401
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{kind or _slug(status)}",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _slug(status: int) -> str:
    return _TITLES.get(status, "error").lower().replace(" ", "_")


def from_error(err: HwctlError) -> JSONResponse:
    status, title = next(
        ((code, text) for cls, code, text in _STATUS if isinstance(err, cls)), (400, "Bad request")
    )
    detail = err.message
    if isinstance(err, NotFound):
        # The same body whether the order is another platform's or does not exist.
        title = "Not found"
    if isinstance(err, StoreError):
        detail = "the store cannot be reached; try again later"
    field = err.fields.get("field") if isinstance(err.fields.get("field"), str) else None
    return problem(status, detail, kind=err.code, title=title, field=field)


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")] or list(loc)
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + str(p)
    return out


async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    field = _loc(tuple(first.get("loc", ())))
    if first.get("type") == "json_invalid":
        return problem(422, "the body is not valid JSON", kind="invalid_input", field="body")
    # In hwctl's words (`must be a whole number`), as the JSON readers word a body's errors.
    detail = f"{field}: {validation_words(first)}"
    return problem(422, detail, kind="invalid_input", field=field)


async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "")
    if exc.status_code == 404:
        detail = f"no such resource: {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))


async def on_hwctl_error(request: Request, exc: HwctlError) -> JSONResponse:
    return from_error(exc)


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # A bug: never the exception's text (it may hold SQL and its parameters).
    return problem(500, "the server could not handle this request", kind="internal")
