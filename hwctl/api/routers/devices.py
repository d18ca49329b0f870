"""`GET /v1/devices`: an account's devices."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from hwctl.api import schemas
from hwctl.api.dependencies import Bearer
from hwctl.api.routers.responses import COMMON, PROBLEM
from hwctl.app import platform

router = APIRouter(tags=["devices"])


@router.get(
    "/v1/devices",
    response_model=schemas.DevicesOut,
    responses={**COMMON, 404: {"description": "No such account", **PROBLEM}},
)
def list_devices(
    caller: Bearer, account: Annotated[str, Query(min_length=1, max_length=200)]
) -> Any:  # noqa: ANN401
    """An account's devices (the platform's Devices page)."""
    ctx = caller.context()
    return JSONResponse({"data": platform.devices(ctx, account)})
