"""`hwctl audit`: the audit log."""

from typing import Annotated

import typer

from hwctl.cli import sink
from hwctl.cli.options import FormatOpt, OutputFormat, RecentLimitOpt, parse_order_id, state
from hwctl.vocabulary import AuditAction

ACTIONS = tuple(a.value for a in AuditAction)


def audit(
    ctx: typer.Context,
    order: Annotated[
        str | None, typer.Option("--order", "-o", metavar="ORDER", help="Only this order.")
    ] = None,
    action: Annotated[
        str | None,
        typer.Option(
            "--action", "-a", metavar="ACTION", help=f"Only this action: {', '.join(ACTIONS)}."
        ),
    ] = None,
    limit: RecentLimitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Show the audit log, oldest first.

    Every change with the acting super-admin, the UTC time, the reason or note, and details."""
    from hwctl.app import audit as service

    if action is not None and action not in ACTIONS:
        raise typer.BadParameter(
            f"{action!r} is not one of {', '.join(ACTIONS)}", param_hint="--action"
        )
    order_id = parse_order_id(order) if order is not None else None
    entries = service.list_entries(state(ctx).context(), order_id=order_id, action=action)
    sink.for_format(fmt).rows(sink.AUDIT_LOG, entries, limit=limit)


def register(app: typer.Typer) -> None:
    app.command(epilog="Example: hwctl audit --order 7 --format json")(audit)
