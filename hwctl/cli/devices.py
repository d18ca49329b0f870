"""`hwctl devices`: the account's Devices page."""

from typing import Annotated

import typer

from hwctl.cli import sink
from hwctl.cli.options import (
    FormatOpt,
    LimitOpt,
    OutputFormat,
    PlatformOpt,
    parse_order_id,
    state,
)


def devices(
    ctx: typer.Context,
    account: Annotated[
        str | None,
        typer.Option("--account", "-a", metavar="NAME", help="Only this account (exact name)."),
    ] = None,
    platform: PlatformOpt = None,
    order: Annotated[
        str | None,
        typer.Option(
            "--order", "-o", metavar="ORDER", help="Only devices fulfilled for this order."
        ),
    ] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List devices (the Devices page) with user, location and base."""
    from hwctl.app import devices as service

    rows = service.list_devices(
        state(ctx).context(),
        account=account,
        platform=platform,
        order=parse_order_id(order) if order is not None else None,
    )
    # The filter fixes these columns: a table leaves them out (and names them in its title)
    fixed = [
        *(["Platform"] if platform is not None or account is not None else []),
        *(["Account"] if account is not None else []),
    ]
    sink.for_format(fmt).rows(sink.DEVICES, rows, limit=limit, fixed=fixed)


def register(app: typer.Typer) -> None:
    app.command(epilog="Example: hwctl devices --account 'Globex Corporation' --format json")(
        devices
    )
