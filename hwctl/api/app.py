"""The FastAPI application: routes over `hwctl.app.platform`, one bearer-token principal per
request. Endpoints are plain `def`s (FastAPI runs them in its thread pool): the store is
synchronous SQLAlchemy."""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hwctl import __version__
from hwctl.api import problems, schemas
from hwctl.app import platform, tokens
from hwctl.app.context import Context, Store, for_platform, store_answers, system_clock
from hwctl.errors import HwctlError, InvalidInput, StoreError, TokenRevoked

MAX_ID = 2**31 - 1  # ids are 32-bit INTEGERs on PostgreSQL

_PROBLEM = {"content": {problems.MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
_COMMON = {
    401: {"description": "Missing, unknown or revoked token", **_PROBLEM},
    422: {"description": "Invalid input (the problem names the field)", **_PROBLEM},
    503: {"description": "The store cannot be reached", **_PROBLEM},
}
_NOT_FOUND = {404: {"description": "No such order of this platform", **_PROBLEM}}

OrderId = Annotated[int, Path(ge=1, le=MAX_ID, description="The order's id")]


MAX_BODY = 1 << 20  # an order of 100 lines of 10,000 units' intents stays far below this


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
    return platform.decode_body(raw)


def bearer_of(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


UNKNOWN_TOKEN = "the token is unknown or revoked"


class Unauthorised(Exception):
    """No valid bearer token: 401 with `WWW-Authenticate: Bearer`."""

    def __init__(self, detail: str) -> None:
        self.detail = detail


def unauthorised(detail: str = UNKNOWN_TOKEN) -> JSONResponse:
    """401 with `WWW-Authenticate: Bearer`."""
    return problems.problem(
        401, detail, kind="unauthorized", headers={"WWW-Authenticate": "Bearer"}
    )


def create_app(store: Store) -> FastAPI:
    api = FastAPI(
        title="hwctl platform API",
        version=__version__,
        description=(
            "Platforms create hardware orders from their account form, read each order's "
            "status and rejection reason, cancel, and list an account's devices. Every "
            "request carries `Authorization: Bearer <token>` (`hwctl token create`)."
        ),
        docs_url=None,
        redoc_url=None,
    )

    async def bearer_token(
        authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    ) -> str:
        # async and without I/O, so FastAPI runs it on the event loop: the token is looked up
        # in the endpoint's own thread (`principal`), one thread hop per request, not two
        # (scripts/bench_api.py, SQLite, 2 workers: GET 840 -> 1,079 req/s).
        token = bearer_of(authorization)
        if token is None:
            raise Unauthorised("this API needs an Authorization: Bearer <token> header")
        return token

    authenticator = tokens.Authenticator(store)

    def principal(token: str) -> Context:
        """The request's context: the platform principal of its bearer token, or a 401."""
        found = authenticator.principal(token, system_clock())
        if found is None:
            raise Unauthorised(UNKNOWN_TOKEN)
        return for_platform(store, found)

    Bearer = Annotated[str, Depends(bearer_token)]

    @api.exception_handler(Unauthorised)
    async def _unauthorised(request: Request, exc: Unauthorised) -> JSONResponse:
        return unauthorised(exc.detail)

    async def refusal(token: str | None) -> JSONResponse | None:
        """The answer to a request that failed for another reason when its token, looked up
        now, is unknown or revoked (401), or cannot be looked up (the store's 503); None when
        the token is valid and the request's own error stands."""
        try:
            found = await run_in_threadpool(authenticator.look_up, token, system_clock())
        except HwctlError as e:
            return problems.from_error(e)
        if found is None:
            return unauthorised()
        return None

    @api.exception_handler(HwctlError)
    async def _error(request: Request, exc: HwctlError) -> JSONResponse:
        token = bearer_of(request.headers.get("authorization"))
        if isinstance(exc, TokenRevoked):  # revoked since the authenticator looked it up
            authenticator.forget(token)
            return unauthorised()
        # A remembered token was not looked up for this request, and the error may have come
        # before the use case's first transaction (which checks it): a body that is not JSON.
        # A revoked token's holder learns no more than a 401.
        if not isinstance(exc, StoreError) and authenticator.remembers(token):
            refused = await refusal(token)
            if refused is not None:
                return refused
        return await problems.on_hwctl_error(request, exc)

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI checks the path and query before the endpoint (where the token is looked
        # up) runs: a request with an unknown or revoked token is a 401 first.
        token = bearer_of(request.headers.get("authorization"))
        refused = None if token is None else await refusal(token)
        return refused or await problems.on_validation_error(request, exc)

    api.add_exception_handler(StarletteHTTPException, problems.on_http_error)
    api.add_exception_handler(Exception, problems.on_unexpected)

    @api.get(
        "/healthz",
        response_model=schemas.HealthOut,
        responses={503: {"description": "The store does not answer", **_PROBLEM}},
        tags=["health"],
    )
    def healthz() -> Any:  # noqa: ANN401
        """200 when the store answers, 503 otherwise. No token needed."""
        if store_answers(store):
            return JSONResponse({"status": "ok"})
        return problems.problem(503, "the store does not answer", kind="store")

    @api.get(
        "/v1/catalog",
        response_model=schemas.CatalogOut,
        responses=_COMMON,
        tags=["catalog"],
    )
    def get_catalog(token: Bearer) -> Any:  # noqa: ANN401
        """The platform's own catalog: what its account form may offer."""
        ctx = principal(token)
        return JSONResponse({"data": platform.catalog(ctx)})

    @api.post(
        "/v1/orders",
        status_code=201,
        response_model=schemas.OrderOut,
        responses={
            201: {
                "description": "The order, created (or, for a replayed Idempotency-Key, the "
                "first response again)",
                "headers": {
                    "Location": {
                        "description": "The new order: /v1/orders/{id}",
                        "schema": {"type": "string"},
                    },
                    "Idempotent-Replayed": {
                        "description": "`true` when this is the first response replayed",
                        "schema": {"type": "string", "enum": ["true"]},
                    },
                },
            },
            **_COMMON,
        },
        tags=["orders"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/PlatformOrderIn"}}
                },
            }
        },
    )
    def create_order(
        token: Bearer,
        body: Annotated[bytes, Depends(raw_body)],
        idempotency_key: Annotated[
            str | None,
            Header(
                alias="Idempotency-Key",
                description="Makes retries safe: the same key and body return the first "
                "response (kept 48 hours); the same key with another body is a 422.",
            ),
        ] = None,
    ) -> Any:  # noqa: ANN401
        """Create a pending order for an account (existing, or created with the order)."""
        ctx = principal(token)
        created = platform.create_order(ctx, json_body(body), idempotency_key)
        headers = {"Location": f"/v1/orders/{created.order_id}"}
        if created.replayed:
            headers["Idempotent-Replayed"] = "true"
        return JSONResponse(created.body, status_code=created.status, headers=headers)

    @api.get(
        "/v1/orders",
        response_model=schemas.OrderListOut,
        responses=_COMMON,
        tags=["orders"],
    )
    def list_orders(
        token: Bearer,
        status: Annotated[str | None, Query(description="Only orders in this status")] = None,
        account: Annotated[str | None, Query(description="Only this account's orders")] = None,
        limit: Annotated[int, Query(ge=1, le=platform.MAX_PAGE)] = platform.DEFAULT_PAGE,
        cursor: Annotated[str | None, Query(description="`next_cursor` of the page before")] = None,
    ) -> Any:  # noqa: ANN401
        """The platform's orders, newest first, a page at a time."""
        ctx = principal(token)
        return JSONResponse(
            platform.list_orders(ctx, status=status, account=account, limit=limit, cursor=cursor)
        )

    @api.get(
        "/v1/orders/{order_id}",
        response_model=schemas.OrderOut,
        responses={**_COMMON, **_NOT_FOUND},
        tags=["orders"],
    )
    def get_order(token: Bearer, order_id: OrderId) -> Any:  # noqa: ANN401
        """One order: status, lines, rejection reason and code, units and their devices."""
        ctx = principal(token)
        return JSONResponse(platform.get_order(ctx, order_id))

    @api.post(
        "/v1/orders/{order_id}/cancel",
        response_model=schemas.OrderOut,
        responses={
            **_COMMON,
            **_NOT_FOUND,
            409: {"description": "The order is rejected or fulfilled", **_PROBLEM},
        },
        tags=["orders"],
        openapi_extra={
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": platform.CANCEL_BODY_SCHEMA}},
            }
        },
    )
    def cancel_order(
        token: Bearer, order_id: OrderId, body: Annotated[bytes, Depends(raw_body)]
    ) -> Any:  # noqa: ANN401
        """The customer cancelled. An optional body `{"reason": "…"}` says why. Cancelling a
        cancelled order again changes nothing."""
        ctx = principal(token)
        reason = platform.cancel_reason(json_body(body, optional=True))
        return JSONResponse(platform.cancel_order(ctx, order_id, reason))

    @api.get(
        "/v1/devices",
        response_model=schemas.DevicesOut,
        responses={**_COMMON, 404: {"description": "No such account", **_PROBLEM}},
        tags=["devices"],
    )
    def list_devices(
        token: Bearer, account: Annotated[str, Query(min_length=1, max_length=200)]
    ) -> Any:  # noqa: ANN401
        """An account's devices (the platform's Devices page)."""
        ctx = principal(token)
        return JSONResponse({"data": platform.devices(ctx, account)})

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            doc = get_openapi(
                title=api.title,
                version=api.version,
                description=api.description,
                routes=api.routes,
            )
            components = doc.setdefault("components", {}).setdefault("schemas", {})
            order_in = platform.order_body_schema()
            components.update(order_in.pop("$defs", {}))
            components["PlatformOrderIn"] = order_in
            components["Problem"] = schemas.Problem.model_json_schema()
            doc["components"]["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "hwp_…"}
            }
            for path, methods in doc["paths"].items():
                if path != "/healthz":
                    for op in methods.values():
                        op["security"] = [{"bearer": []}]
            api.openapi_schema = doc
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    return api
