"""`hwctl token create|list|revoke`: the API tokens platforms' clients authenticate with."""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Annotated

import typer

from hwctl.cli import render, sink
from hwctl.cli.options import DetailFormat, DetailFormatOpt, state

if TYPE_CHECKING:
    from hwctl.app.tokens import TokenView

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


# How `token list` shows them: never the token, only what identifies it.
TOKENS: sink.View[TokenView] = sink.View(
    columns=(
        sink.Column("ID", attrgetter("id")),
        sink.Column("Platform", attrgetter("platform")),
        sink.Column("Name", attrgetter("name")),
        sink.Column("Created (UTC)", lambda t: sink.date(t.created_at)),
        sink.Column("Created by", attrgetter("created_by")),
        sink.Column("Last used (UTC)", lambda t: sink.date(t.last_used_at) or "never"),
        sink.Column("Revoked (UTC)", lambda t: sink.date(t.revoked_at)),
    ),
    title="API tokens",
    empty=lambda _: "no tokens: `hwctl token create --platform NAME` makes one",
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

    sink.for_format(fmt).rows(TOKENS, tokens.list_tokens(state(ctx).context(), platform))


@token_app.command("revoke", epilog="Example: hwctl token revoke 3")
def revoke(ctx: typer.Context, token: TokenArg) -> None:
    """Revoke a token: the next request with it is refused (401)."""
    from hwctl.app import tokens

    view = tokens.revoke(state(ctx).context(), tokens.parse_token_id(token))
    render.result(f"token {view.id} ({view.platform}) revoked")


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
