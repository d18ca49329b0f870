"""`hwctl import`: directory data from the platform side."""

import typer

from hwctl.cli import render
from hwctl.cli.options import FileArg, read_input, state


def import_(ctx: typer.Context, file: FileArg) -> None:
    """Import directory data from JSON (the platform side).

    Platforms, catalogs, accounts, users, locations and devices registered by other means,
    upserted by name, SKU and identifier. The same file twice changes nothing."""
    from hwctl.app import directory

    data, source = read_input(file)
    summary = directory.import_directory(state(ctx).context(), data, source)
    parts = []
    kinds = ["platforms", "catalog items", "accounts", "users", "locations", "devices"]
    for kind in kinds:
        c, u, n = (summary.created.get(kind, 0), summary.updated.get(kind, 0),
                   summary.unchanged.get(kind, 0))  # fmt: skip
        if c or u or n:
            parts.append(f"{kind}: {c} new, {u} updated, {n} unchanged")
    render.result(f"imported {source}: " + ("; ".join(parts) if parts else "nothing in it"))


def register(app: typer.Typer) -> None:
    app.command("import", epilog="Example: hwctl import directory.json")(import_)
