"""`/v1/orders`: create an order (with its idempotency key), the keyset-paged list, one order,
cancel."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import JSONResponse

from hwctl.api import bodies, schemas
from hwctl.api.dependencies import Bearer
from hwctl.api.routers.responses import COMMON, NOT_FOUND, PROBLEM
from hwctl.app import platform

router = APIRouter(tags=["orders"])

OrderId = Annotated[int, Path(ge=1, le=platform.MAX_ORDER_ID, description="The order's id")]
Body = Annotated[bytes, Depends(bodies.raw_body)]


@router.post(
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
        **COMMON,
    },
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
    caller: Bearer,
    body: Body,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=bodies.KEY_HEADER,
            description="Makes retries safe: the same key and body return the first "
            "response (kept 48 hours); the same key with another body is a 422.",
        ),
    ] = None,
) -> Any:  # noqa: ANN401
    """Create a pending order for an account (existing, or created with the order)."""
    ctx = caller.context()
    payload = bodies.json_body(body)
    key = bodies.idempotency_key(idempotency_key)
    try:
        created = platform.create_order(ctx, payload, key)
    except platform.KeyReused:
        raise bodies.key_reused() from None
    headers = {"Location": f"/v1/orders/{created.order_id}"}
    if created.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(created.resource, status_code=201, headers=headers)


@router.get("/v1/orders", response_model=schemas.OrderListOut, responses=COMMON)
def list_orders(
    caller: Bearer,
    status: Annotated[str | None, Query(description="Only orders in this status")] = None,
    account: Annotated[str | None, Query(description="Only this account's orders")] = None,
    limit: Annotated[int, Query(ge=1, le=platform.MAX_PAGE)] = platform.DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the page before")] = None,
) -> Any:  # noqa: ANN401
    """The platform's orders, newest first, a page at a time."""
    ctx = caller.context()
    return JSONResponse(
        platform.list_orders(ctx, status=status, account=account, limit=limit, cursor=cursor)
    )


@router.get(
    "/v1/orders/{order_id}", response_model=schemas.OrderOut, responses={**COMMON, **NOT_FOUND}
)
def get_order(caller: Bearer, order_id: OrderId) -> Any:  # noqa: ANN401
    """One order: status, lines, rejection reason and code, units and their devices."""
    ctx = caller.context()
    return JSONResponse(platform.get_order(ctx, order_id))


@router.post(
    "/v1/orders/{order_id}/cancel",
    response_model=schemas.OrderOut,
    responses={
        **COMMON,
        **NOT_FOUND,
        409: {"description": "The order is rejected or fulfilled", **PROBLEM},
    },
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": bodies.CANCEL_BODY_SCHEMA}},
        }
    },
)
def cancel_order(caller: Bearer, order_id: OrderId, body: Body) -> Any:  # noqa: ANN401
    """The customer cancelled. An optional body `{"reason": "…"}` says why. Cancelling a
    cancelled order again changes nothing."""
    ctx = caller.context()
    reason = bodies.cancel_reason(bodies.json_body(body, optional=True))
    return JSONResponse(platform.cancel_order(ctx, order_id, reason))
