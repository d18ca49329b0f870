"""Every error as an RFC 9457 problem (`application/problem+json`): `type`, `title`,
`status`, `detail`, and where it helps `field`. The error kinds of `hwctl.errors` map to HTTP
statuses here, and only here; `install` puts the application's error handlers in place."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hwctl.api.dependencies import UNKNOWN_TOKEN, Unauthorised, bearer_of, door_of
from hwctl.app.context import system_clock
from hwctl.app.platform import validation_words
from hwctl.errors import (
    Conflict,
    HwctlError,
    InvalidInput,
    InvalidTransition,
    NotAuthorised,
    NotFound,
    StoreError,
    TokenRevoked,
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


def unauthorised(detail: str = UNKNOWN_TOKEN) -> JSONResponse:
    """401 with `WWW-Authenticate: Bearer`."""
    return problem(401, detail, kind="unauthorized", headers={"WWW-Authenticate": "Bearer"})


def unavailable(detail: str) -> JSONResponse:
    """503: the store does not answer."""
    return problem(503, detail, kind="store")


async def on_unauthorised(request: Request, exc: Unauthorised) -> JSONResponse:
    return unauthorised(exc.detail)


async def refusal(request: Request, token: str | None) -> JSONResponse | None:
    """The answer to a request that failed for another reason when its token, looked up now,
    is unknown or revoked (401), or cannot be looked up (the store's 503); None when the token
    is valid and the request's own error stands."""
    try:
        found = await run_in_threadpool(door_of(request).authenticator.look_up, token,
                                        system_clock())  # fmt: skip
    except HwctlError as e:
        return from_error(e)
    if found is None:
        return unauthorised()
    return None


async def on_error(request: Request, exc: HwctlError) -> JSONResponse:
    """A use case's error; first a 401 when the request's token turns out revoked."""
    token = bearer_of(request.headers.get("authorization"))
    authenticator = door_of(request).authenticator
    if isinstance(exc, TokenRevoked):  # revoked since the authenticator looked it up
        authenticator.forget(token)
        return unauthorised()
    # A remembered token was not looked up for this request, and the error may have come
    # before the use case's first transaction (which checks it): a body that is not JSON.
    # A revoked token's holder learns no more than a 401.
    if not isinstance(exc, StoreError) and authenticator.remembers(token):
        refused = await refusal(request, token)
        if refused is not None:
            return refused
    return from_error(exc)


async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI checks the path and query before the endpoint (where the token is looked up)
    runs: a request with an unknown or revoked token is a 401 first."""
    token = bearer_of(request.headers.get("authorization"))
    refused = None if token is None else await refusal(request, token)
    return refused or await on_validation_error(request, exc)


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


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # A bug: never the exception's text (it may hold SQL and its parameters).
    return problem(500, "the server could not handle this request", kind="internal")


def install(api: FastAPI) -> None:
    """The application's error handlers: every error a problem."""
    api.add_exception_handler(Unauthorised, on_unauthorised)  # type: ignore[arg-type]
    api.add_exception_handler(HwctlError, on_error)  # type: ignore[arg-type]
    api.add_exception_handler(RequestValidationError, on_invalid)  # type: ignore[arg-type]
    api.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    api.add_exception_handler(Exception, on_unexpected)
