"""`hwctl audit`: the audit log; `hwctl audit verify` and `hwctl audit head`: its hash chain."""

from typing import Annotated

import typer

from hwctl.app.words import AuditAction
from hwctl.cli import render, sink
from hwctl.cli.options import (
    DetailFormat,
    DetailFormatOpt,
    FormatOpt,
    OutputFormat,
    RecentLimitOpt,
    parse_order_id,
    state,
)

ACTIONS = tuple(a.value for a in AuditAction)
HEX = frozenset("0123456789abcdef")

audit_app = typer.Typer(
    help=(
        "Show the audit log, oldest first.\n\n"
        "Every change with the acting super-admin, the UTC time, the reason or note, and "
        "details. The entries form a hash chain: `hwctl audit verify` checks it, `hwctl audit "
        "head` prints its head to keep elsewhere."
    ),
    invoke_without_command=True,
    no_args_is_help=False,
    subcommand_metavar="[verify|head [OPTIONS]]",
    rich_markup_mode=None,
)


@audit_app.callback(
    invoke_without_command=True,
    epilog="Example: hwctl audit --order 7 --format json",
)
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

    Every change with the acting super-admin, the UTC time, the reason or note, and details.
    The entries form a hash chain: `hwctl audit verify` checks it, `hwctl audit head` prints
    its head to keep elsewhere."""
    if ctx.invoked_subcommand is not None:
        given = [
            name
            for name, value in (
                ("--order", order),
                ("--action", action),
                ("--limit", limit),
                ("--format", None if fmt == OutputFormat.table else fmt),
            )
            if value is not None
        ]
        if given:
            raise typer.BadParameter(
                f"{given[0]} lists the log: it does not go with `audit {ctx.invoked_subcommand}`"
                f" (put --format after {ctx.invoked_subcommand})",
                param_hint=given[0],
            )
        return
    from hwctl.app import audit as service

    if action is not None and action not in ACTIONS:
        raise typer.BadParameter(
            f"{action!r} is not one of {', '.join(ACTIONS)}", param_hint="--action"
        )
    order_id = parse_order_id(order) if order is not None else None
    entries = service.list_entries(state(ctx).context(), order_id=order_id, action=action)
    sink.for_format(fmt).rows(sink.AUDIT_LOG, entries, limit=limit)


def _hash(value: str | None) -> str | None:
    if value is None:
        return None
    digest = value.strip().lower()
    if len(digest) != 64 or not set(digest) <= HEX:
        raise typer.BadParameter("not a SHA-256 hash: 64 hexadecimal digits expected")
    return digest


@audit_app.command(
    epilog=(
        "Exit codes: 0 the chain is intact, 1 an entry is broken (or --expect-head is not in the "
        'chain). JSON: {"ok": true, "entries": N, "head": {"id": ID, "hash": HASH}}, or '
        '{"ok": false, "entries": N, "broken": {"id": ID, "reason": WHY}} where N counts '
        "the entries found intact before the broken one. "
        "Example: hwctl audit head > head.txt; later: "
        'hwctl audit verify --expect-head "$(cut -d" " -f2 head.txt)"'
    )
)
def verify(
    ctx: typer.Context,
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head",
            metavar="HASH",
            callback=_hash,
            help=(
                "A head hash kept elsewhere (`hwctl audit head`): it must still be in the chain, "
                "so entries removed from the end show."
            ),
        ),
    ] = None,
    fmt: DetailFormatOpt = DetailFormat.table,
) -> None:
    """Check the audit log's hash chain from its first entry.

    Every entry's hash must match its payload, its fields the payload, and its previous hash
    the entry before it. Prints `ok`, the number of entries and the head, or the first broken
    entry and why."""
    from hwctl.app import audit as service

    verdict = service.verify_chain(state(ctx).context(), expect_head=expect_head)
    if fmt == DetailFormat.json:
        render.emit_json(verdict.to_json())
    elif verdict.ok:
        head = (
            "none (the log is empty)"
            if verdict.head.id is None
            else (f"{verdict.head.id} {verdict.head.hash}")
        )
        extra = (
            f" (--expect-head is entry {verdict.expected_at})"
            if verdict.expected_at is not None and verdict.expected_at != verdict.head.id
            else ""
        )
        render.result(f"ok: {verdict.entries} entries, head {head}{extra}")
    if not verdict.ok:
        if fmt != DetailFormat.json:
            message = verdict.reason or "broken"
            if verdict.broken_id is not None and not message.startswith(("the head", "the chain")):
                message = f"audit entry {verdict.broken_id} is broken: {message}"
            render.error(message)
        raise typer.Exit(1)


@audit_app.command(epilog="Example: hwctl audit head --format json > audit-head.json")
def head(ctx: typer.Context, fmt: DetailFormatOpt = DetailFormat.table) -> None:
    """Print the head of the audit chain: the last entry's id and hash.

    Keep it elsewhere (a ticket, a monitoring system); `hwctl audit verify --expect-head HASH`
    later shows whether entries were removed from the end. JSON: {"id": ID, "hash": HASH}
    (id null and 64 zeros while the log is empty)."""
    from hwctl.app import audit as service

    found = service.chain_head(state(ctx).context())
    if fmt == DetailFormat.json:
        render.emit_json(found.to_json())
    else:
        render.result(f"{found.id if found.id is not None else 'none'} {found.hash}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
