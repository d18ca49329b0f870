"""The ASGI application factory uvicorn's workers call (`hwctl serve`): the store comes from
the environment `hwctl serve` set for them."""

from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from hwctl.api.app import create_app
from hwctl.app.context import serving

# Requests a worker runs at once in its thread pool (the endpoints are sync). Few: every
# statement hands the GIL to another thread and back, and each handoff costs CPU, so more
# threads make each request dearer, not more of them at once. scripts/bench_api.py, 2 workers,
# 32 connections, PostgreSQL: 1 thread GET 568 req/s (3.4 ms of server CPU each), POST 173/s;
# 2 threads 537 (3.6 ms), 160/s; 4 threads 456 (4.1 ms), 142/s; AnyIO's default of 40 ~200.
# On SQLite 1, 2 and 4 threads are alike (GET 1,130-1,630 req/s, run to run). Two, not one, so
# that a request waiting on a lock (up to the busy timeout) does not stop its worker. The
# store's pool keeps more connections than this (hwctl.store.engine.POOL_SIZE).
THREADS = 2


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
