"""`hwctl db path|upgrade|backup`: where the store is, migrating it, and backing it up."""

from pathlib import Path
from typing import Annotated

import typer

from hwctl.cli import render
from hwctl.cli.options import state

db_app = typer.Typer(
    help="The store: where it is, upgrading its schema, and backing it up.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@db_app.command("path", epilog="Example: HWCTL_DATABASE_URL=/srv/hwctl/hwctl.db hwctl db path")
def path(ctx: typer.Context) -> None:
    """Print the resolved store location (any password masked) and where it came from."""
    from hwctl.app.settings import resolve_store

    location = resolve_store(state(ctx).db)
    render.result(location.masked)
    render.info(f"(from {location.source})")


@db_app.command(
    "upgrade", epilog="Example: hwctl --db postgresql+psycopg://hwctl@db/hwctl db upgrade"
)
def upgrade(ctx: typer.Context) -> None:
    """Create or migrate the store's schema to this version of hwctl (safe to repeat).

    A SQLite store that holds rows is first backed up beside itself
    (STORE.schema-REV.UTC-TIME.bak); if that backup cannot be written, nothing is upgraded."""
    from hwctl.app.context import upgrade_store
    from hwctl.app.settings import resolve_store

    location = resolve_store(state(ctx).db)
    before, after = upgrade_store(location, notify=render.result)
    if before == after:
        render.result(f"{location.masked}: schema already at {after}")
    else:
        render.result(f"{location.masked}: schema upgraded from {before or 'empty'} to {after}")


def _size(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError  # pragma: no cover


@db_app.command("backup", epilog="Example: hwctl db backup /srv/backups/hwctl-2026-12-02.db")
def backup(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The backup file to create (never overwritten; its folder must exist).",
        ),
    ],
) -> None:
    """Copy the SQLite store to FILE: a consistent snapshot while others write, never over an
    existing file. A PostgreSQL store is backed up with pg_dump: hwctl prints the command."""
    from hwctl.app.backups import backup_store
    from hwctl.app.settings import resolve_store

    location = resolve_store(state(ctx).db)
    done = backup_store(location, file)
    render.result(
        f"{location.masked}: backed up to {done.shown_path} (schema {done.revision or 'none'}, "
        f"{done.orders} order{'' if done.orders == 1 else 's'}, {_size(done.size)})"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
