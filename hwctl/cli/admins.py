"""`hwctl admins add|remove|list`: who may edit, decide and fulfil."""

from typing import Annotated

import typer

from hwctl.cli import render, sink
from hwctl.cli.options import FormatOpt, OutputFormat, state

admins_app = typer.Typer(
    help="Manage super-admins: who may edit, decide and fulfil orders.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The admin's name (login).")]


@admins_app.command("add", epilog="Example: hwctl admins add alice")
def add(ctx: typer.Context, name: NameArg) -> None:
    """Register a super-admin. When none exist, anyone may add the first (audited)."""
    from hwctl.app import admins

    s = state(ctx)
    admin = admins.add(s.context(), name)
    render.result(f"added super-admin {admin.name}")


@admins_app.command("remove", epilog="Example: hwctl admins remove bob")
def remove(ctx: typer.Context, name: NameArg) -> None:
    """Remove a super-admin (never the last one)."""
    from hwctl.app import admins

    s = state(ctx)
    admins.remove(s.context(), name)
    render.result(f"removed super-admin {name}")


@admins_app.command("list", epilog="Example: hwctl admins list --format json")
def list_(ctx: typer.Context, fmt: FormatOpt = OutputFormat.table) -> None:
    """List the super-admins."""
    from hwctl.app import admins

    sink.for_format(fmt).rows(sink.ADMINS, admins.list_admins(state(ctx).context()))


def register(app: typer.Typer) -> None:
    app.add_typer(admins_app, name="admins")
