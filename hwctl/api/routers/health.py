"""`GET /healthz`: whether the store answers. No token needed."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hwctl.api import problems, schemas
from hwctl.api.dependencies import door_of
from hwctl.api.routers.responses import PROBLEM
from hwctl.app.context import store_answers

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    response_model=schemas.HealthOut,
    responses={503: {"description": "The store does not answer", **PROBLEM}},
)
def healthz(request: Request) -> Any:  # noqa: ANN401
    """200 when the store answers, 503 otherwise. No token needed."""
    if store_answers(door_of(request).store):
        return JSONResponse({"status": "ok"})
    return problems.unavailable("the store does not answer")
