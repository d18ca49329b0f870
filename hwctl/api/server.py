"""The ASGI application factory uvicorn's workers call (`hwctl serve`): the store comes from
the environment `hwctl serve` set for them."""

from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from hwctl.api.app import create_app
from hwctl.app.context import serving

# Requests a worker runs at once in its thread pool (the endpoints are sync): the store's pool
# keeps as many connections (hwctl.store.engine.POOL_SIZE), so no request opens one. AnyIO's
# default is 40 threads; past a few per core they only wait for the GIL.
THREADS = 16


def app() -> FastAPI:
    api = create_app(serving(None))
    inner = api.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        to_thread.current_default_thread_limiter().total_tokens = THREADS
        async with inner(app) as state:
            yield state

    api.router.lifespan_context = lifespan
    return api
