"""`GET /v1/catalog`: the platform's own catalog."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hwctl.api import schemas
from hwctl.api.dependencies import Bearer
from hwctl.api.routers.responses import COMMON
from hwctl.app import platform

router = APIRouter(tags=["catalog"])


@router.get("/v1/catalog", response_model=schemas.CatalogOut, responses=COMMON)
def get_catalog(caller: Bearer) -> Any:  # noqa: ANN401
    """The platform's own catalog: what its account form may offer."""
    ctx = caller.context()
    return JSONResponse({"data": platform.catalog(ctx)})
