"""`hwctl serve`: the platforms' HTTP API over the store the CLI would use."""

from typing import Annotated

import typer

from hwctl.cli import render
from hwctl.cli.options import state
from hwctl.errors import UsageError


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="The TCP port.")] = 8080,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Worker processes (2+ on PostgreSQL; SQLite serves one writer)."
        ),
    ] = 1,
) -> None:
    """Serve the platform API (needs pip install 'hwctl[api]'). Run it behind a reverse proxy
    that terminates TLS; see the README's "Platform API".

    Each worker listens on its own socket of the port; a worker that dies is started again.
    SIGINT or SIGTERM stops the server gracefully (exit 0); a port in use exits 2, a worker
    whose application cannot start 1."""
    import importlib.util
    import os

    missing = [m for m in ("fastapi", "uvicorn") if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(
            f"the API needs the server dependencies ({', '.join(missing)} missing): "
            "pip install 'hwctl[api]'"
        )

    from hwctl.app.context import serving, store_answers
    from hwctl.app.settings import resolve_store

    location = resolve_store(state(ctx).db)
    store = serving(location)
    store.ensure_schema()
    if not store_answers(store):
        raise UsageError(f"the store {location.masked} does not answer")
    from hwctl import serving

    options = serving.Options(
        "hwctl.api.server:app",
        host,
        port,
        {
            "log_level": "warning",
            "access_log": False,
            "proxy_headers": True,
            "server_header": False,
        },
    )
    try:
        sockets = serving.bind_sockets(host, port, workers)
    except serving.BindError as error:
        raise UsageError(str(error)) from None
    # The workers are new processes: they find the store through the environment.
    os.environ["HWCTL_DATABASE_URL"] = location.url
    render.info(f"serving {location.masked} on http://{host}:{port} ({workers} worker(s))")
    code = serving.supervise(options, sockets)
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command(epilog="Example: hwctl --db postgresql+psycopg://hwctl@db/hwctl serve --workers 2")(
        serve
    )
