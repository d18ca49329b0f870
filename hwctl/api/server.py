"""The ASGI application factory uvicorn's workers call (`hwctl serve`): the store comes from
the environment `hwctl serve` set for them."""

from fastapi import FastAPI

from hwctl.api.app import create_app
from hwctl.app.context import serving


def app() -> FastAPI:
    return create_app(serving(None))
