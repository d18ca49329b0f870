"""The FastAPI application: one router per noun (`routers/`) over `hwctl.app.platform`, a
bearer-token principal per request (`dependencies`), every error a problem (`problems`).
Endpoints are plain `def`s (FastAPI runs them in its thread pool): the store is synchronous
SQLAlchemy."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hwctl import __version__
from hwctl.api import bodies, problems, schemas
from hwctl.api.dependencies import Door
from hwctl.api.routers import ROUTERS
from hwctl.app.context import Store

DESCRIPTION = (
    "Platforms create hardware orders from their account form, read each order's "
    "status and rejection reason, cancel, and list an account's devices. Every "
    "request carries `Authorization: Bearer <token>` (`hwctl token create`)."
)


def create_app(store: Store) -> FastAPI:
    """The platform API over `store`."""
    api = FastAPI(
        title="hwctl platform API",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
    )
    api.state.door = Door.over(store)
    problems.install(api)
    for router in ROUTERS:
        # Flat, not `include_router` (which nests a router that every request walks through):
        # one list of routes, matched as before, and `api.routes` lists each of them.
        api.router.routes.extend(router.routes)

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = document(api)
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    return api


def document(api: FastAPI) -> dict[str, Any]:
    """The OpenAPI document: the routes' own, with the order body's schema, the problem's, and
    the bearer scheme on every route but `/healthz`."""
    doc = get_openapi(
        title=api.title, version=api.version, description=api.description, routes=api.routes
    )
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    order_in = bodies.order_body_schema()
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
    return doc
