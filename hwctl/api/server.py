"""The ASGI application factory uvicorn's workers call (`hwctl serve`): the store comes from
the environment `hwctl serve` set for them."""

from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from hwctl.api.app import create_app
from hwctl.app.context import serving

# Requests a worker runs at once in its thread pool (the endpoints are sync). Few: a thread back
# from the database waits for the GIL while the others run Python, up to the 5 ms switch
# interval per statement, so more threads make each request slower, not more of them at once
# (measured with scripts/bench_api.py, 2 workers, 32 connections: GET on PostgreSQL ~200 req/s
# with AnyIO's default of 40 or with 16 threads, ~420-480 with 2-4). The store's pool keeps
# more connections than this (hwctl.store.engine.POOL_SIZE), so no request opens one.
THREADS = 4


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
