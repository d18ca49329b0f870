"""`hwctl token create|list|revoke`: the API tokens platforms' clients authenticate with."""

from typing import Annotated

import typer

from hwctl.cli import render
from hwctl.cli.options import DetailFormat, DetailFormatOpt, state

token_app = typer.Typer(
    help="Manage the API tokens of platforms' clients (super-admins only; audited).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
TokenArg = Annotated[str, typer.Argument(metavar="ID", help="The token's id (token list).")]


@token_app.command(
    "create", epilog="Example: hwctl token create --platform 'Acme Voice' --name 'signup form'"
)
def create(
    ctx: typer.Context,
    platform: Annotated[
        str, typer.Option("--platform", "-p", help="The platform the token acts for.")
    ],
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="What the token is for (shown in lists).")
    ] = None,
    fmt: DetailFormatOpt = DetailFormat.table,
) -> None:
    """Create a token and print it once: only its SHA-256 is kept."""
    from hwctl.app import tokens

    new = tokens.create(state(ctx).context(), platform, name)
    if fmt is DetailFormat.json:
        render.emit_json(new.to_json())
        return
    render.result(new.token)
    render.info(
        f"token {new.id} for platform {new.platform}: shown once, store it now "
        "(requests send it as Authorization: Bearer <token>)"
    )


@token_app.command("list", epilog="Example: hwctl token list --format json")
def list_(
    ctx: typer.Context,
    platform: Annotated[
        str | None, typer.Option("--platform", "-p", help="Only this platform's tokens.")
    ] = None,
    fmt: DetailFormatOpt = DetailFormat.table,
) -> None:
    """List the tokens (never the tokens themselves): id, platform, name, created, last used
    (to the minute), revoked."""
    from hwctl.app import tokens
    from hwctl.app.views import iso

    rows = tokens.list_tokens(state(ctx).context(), platform)
    if fmt is DetailFormat.json:
        render.emit_json([t.to_json() for t in rows])
        return
    if not rows:
        render.info("no tokens")
        return
    render.plain_table(
        "API tokens",
        ("ID", "Platform", "Name", "Created", "Last used", "Revoked"),
        [
            (
                t.id,
                t.platform,
                t.name or "",
                iso(t.created_at),
                iso(t.last_used_at) or "never",
                iso(t.revoked_at) or "",
            )
            for t in rows
        ],
    )


@token_app.command("revoke", epilog="Example: hwctl token revoke 3")
def revoke(ctx: typer.Context, token: TokenArg) -> None:
    """Revoke a token: the next request with it is refused (401)."""
    from hwctl.app import tokens

    view = tokens.revoke(state(ctx).context(), tokens.parse_token_id(token))
    render.result(f"token {view.id} ({view.platform}) revoked")


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
