"""`hwctl db path|upgrade`: where the store is, and migrating it."""

import typer

from hwctl.cli import render
from hwctl.cli.options import state

db_app = typer.Typer(
    help="The store: where it is, and upgrading its schema.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@db_app.command("path", epilog="Example: HWCTL_DATABASE_URL=/srv/hwctl/hwctl.db hwctl db path")
def path(ctx: typer.Context) -> None:
    """Print the resolved store location (any password masked) and where it came from."""
    from hwctl.config import resolve_store

    location = resolve_store(state(ctx).db)
    render.result(location.masked)
    render.info(f"(from {location.source})")


@db_app.command(
    "upgrade", epilog="Example: hwctl --db postgresql+psycopg://hwctl@db/hwctl db upgrade"
)
def upgrade(ctx: typer.Context) -> None:
    """Create or migrate the store's schema to this version of hwctl (safe to repeat)."""
    from hwctl.app.context import upgrade_store
    from hwctl.config import resolve_store

    location = resolve_store(state(ctx).db)
    before, after = upgrade_store(location)
    if before == after:
        render.result(f"{location.masked}: schema already at {after}")
    else:
        render.result(f"{location.masked}: schema upgraded from {before or 'empty'} to {after}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
