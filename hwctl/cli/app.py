"""The root command: global options, command registration, and the one place errors become
a single stderr line and an exit code (a traceback only with --debug)."""

import math
import re
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from hwctl import __version__
from hwctl.cli.options import AppState
from hwctl.errors import HwctlError

EPILOG = (
    "Store: --db > $HWCTL_DATABASE_URL > database_url in config.toml > the default SQLite file. "
    "Acting admin: --as > $HWCTL_ADMIN > admin in config.toml > your OS account; with "
    'identity = "database" in config.toml, the PostgreSQL login alone. '
    "Exit codes: 0 ok, 1 refused or failed, 2 usage, 130 interrupted."
)


def _skip_coercion_of_absent_values() -> None:
    """Typer (0.2x) builds a pydantic TypeAdapter for an option the first time it processes its
    value, even when the value is absent: that imports pydantic (~100 ms) on every run, every
    --help and every TAB. An absent optional value coerces to None (or () for lists) anyway, so
    short-circuit exactly that case; and while completing (resilient parsing) keep the raw words.
    Guarded: if Typer's internals change, nothing is patched
    and only speed is lost (tests/cli/test_startup.py guards the import rule)."""
    from typer import core

    param_cls = getattr(core, "_TyperParameter", None)
    original = getattr(param_cls, "process_value", None)
    if original is None or getattr(original, "_hwctl_fast", False):
        return

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        if getattr(ctx, "resilient_parsing", False):
            # A TAB: the words typed so far only steer completion; typed values are not needed.
            return value
        refuse_undecodable(self, value)
        if value is None and not self.required:
            # What Typer's own path yields for an absent value, minus building the adapter.
            value = () if (self.multiple or self.nargs == -1) else None
        else:
            fast = _plain_value(self, value)
            if fast is _NOT_PLAIN:
                return original(self, ctx, value)
            value = fast
        if self.callback is not None:
            value = self.callback(ctx, self, value)
        return value

    process_value._hwctl_fast = True  # type: ignore[attr-defined]
    param_cls.process_value = process_value


_NOT_PLAIN = object()


def _plain_value(param: Any, value: Any) -> Any:
    """A value converted here, in hwctl's own words, without pydantic: a str for a `str`
    parameter, a choice for an Enum parameter (`hwctl completion zsh`), a whole number for an
    `int` one (within its min and max). A bad choice or number is a usage error worded here,
    not in pydantic's words (`Value error, …`, `Input should be …`). Else _NOT_PLAIN."""
    from enum import Enum

    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    if annotation is str and isinstance(value, str):
        return value
    if isinstance(annotation, type) and issubclass(annotation, Enum) and isinstance(value, str):
        try:
            return annotation(value)
        except ValueError:
            choices = ", ".join(str(c.value) for c in annotation)
            raise typer.BadParameter(f"{value!r} is not one of {choices}", param=param) from None
    info = getattr(descriptor, "parameter_info", None)
    own_parser = getattr(info, "parser", None) or getattr(info, "click_type", None)
    if annotation is int and isinstance(value, str) and own_parser is None:
        return _whole_number(param, info, value)
    if annotation is float and isinstance(value, str) and own_parser is None:
        return _number(param, info, value)
    return _NOT_PLAIN


_WHOLE_NUMBER = re.compile(
    r"[+-]?(?:[0-9]{1,300}(?:\.[0-9]{0,300})?|\.[0-9]{1,300})(?:[eE][+-]?[0-9]{1,4})?"
)


def _whole_number(param: Any, info: Any, value: str) -> int:
    text = value.strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise typer.BadParameter(f"{_cut(value)!r} is not a whole number", param=param)
    number = int(text)
    _within(param, info, text, number)
    return number


def _number(param: Any, info: Any, value: str) -> float:
    text = value.strip()
    try:
        number = float(text) if _NUMBER.fullmatch(text) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise typer.BadParameter(f"{_cut(value)!r} is not a number", param=param)
    _within(param, info, text, number)
    return number


_NUMBER = re.compile(
    r"[+-]?(?:[0-9]{1,300}(?:\.[0-9]{0,300})?|\.[0-9]{1,300})(?:[eE][+-]?[0-9]{1,4})?"
)


def _within(param: Any, info: Any, text: str, number: float) -> None:
    least, most = getattr(info, "min", None), getattr(info, "max", None)
    if least is not None and number < least:
        raise typer.BadParameter(f"{_cut(text)} is less than {least}", param=param)
    if most is not None and number > most:
        raise typer.BadParameter(f"{_cut(text)} is more than {most}, the most it takes",
                                 param=param)  # fmt: skip


def _cut(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def refuse_undecodable(param: Any, value: Any) -> None:
    """A text option or argument holding bytes that are not UTF-8 (`--reason $'bad\\xff'`:
    Python hands them over as lone surrogates) is a usage error naming it, before anything is
    read, searched or written. Paths (a FILE, PATH or URL|PATH) are names of files, which
    Linux lets hold any bytes: they go on as given."""
    metavar = str(getattr(param, "metavar", None) or "")
    if "FILE" in metavar or "PATH" in metavar:
        return
    texts = value if isinstance(value, (list, tuple)) else (value,)
    for text in texts:
        if isinstance(text, str) and _SURROGATE.search(text):
            raise typer.BadParameter("not valid UTF-8 text (check the terminal's encoding)",
                                     param=param)  # fmt: skip


_SURROGATE = re.compile("[\ud800-\udfff]")


_skip_coercion_of_absent_values()


GLOBAL_OPTIONS = ("--db", "--as", "--debug", "--version")


class HwctlGroup(TyperGroup):
    """Runs a command and turns HwctlError (and any bug) into one line and an exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from hwctl.cli import report

        # A monitoring check (`report pending -w 5`) answers any usage error with UNKNOWN (3)
        ctx.meta["hwctl.check"] = report.check_command_line(args)
        try:
            return super().parse_args(ctx, args)
        except TyperException as e:
            if not ctx.meta["hwctl.check"] or type(e).__name__ == "NoArgsIsHelpError":
                raise
            report.unknown_usage(e.format_message())

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except HwctlError as e:
            from hwctl.cli.words import exit_code, message

            _fail(ctx, message(e), exit_code(e), e)
        except KeyboardInterrupt:
            # Ctrl-C: any open transaction rolled back; say so rather than exit silently.
            from hwctl.cli import render

            render.info("hwctl: interrupted")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, EOFError):
            raise
        except TyperException as e:  # a usage error (bad value, missing option): one line, exit 2
            if type(e).__name__ == "NoArgsIsHelpError":  # `hwctl admins` shows its help
                raise
            if ctx.meta.get("hwctl.check"):
                from hwctl.cli import report

                report.unknown_usage(e.format_message())
            message = e.format_message()
            option = getattr(e, "option_name", None)
            if option in GLOBAL_OPTIONS:
                message = (
                    f"{option} is a global option: put it before the command "
                    f"(hwctl {option} … {ctx.invoked_subcommand or 'COMMAND'} …)"
                )
            _fail(ctx, message, e.exit_code, e)
        except Exception as e:  # noqa: BLE001 - the last line of defence: no tracebacks
            if _debug(ctx):
                raise
            if _is_broken_pipe(e):
                raise
            _fail(ctx, f"internal error: {type(e).__name__}: {e} (run with --debug for details)",
                  1, e)  # fmt: skip

    def make_context(self, info_name: Any, args: Any, parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except typer.BadParameter as e:
            # A bad value of a global option (`--as $'\\xff'`): one line and exit 2, as below.
            from hwctl.cli import render

            render.error(e.format_message())
            raise typer.Exit(e.exit_code) from None

    def list_commands(self, ctx: Any) -> list[str]:  # keep the order commands were added in
        return list(self.commands)

    def _main_shell_completion(self, ctx_args: Any, prog_name: str, complete_var: Any = None):
        # add_completion=False leaves Typer's bash/zsh/fish handlers unregistered: register them
        # when a shell asks (`_HWCTL_COMPLETE=complete_bash hwctl`, see hwctl.cli.completion).
        import os

        var = complete_var or f"_{prog_name}_COMPLETE".replace("-", "_").upper()
        if os.environ.get(var):
            from typer import _completion_classes

            _completion_classes.completion_init()
            # Our help texts carry no Rich markup (rich_markup_mode=None), so zsh/fish help
            # strings need no Rich rendering: skip importing Rich on every TAB (~50 ms).
            if hasattr(_completion_classes, "_sanitize_help_text"):
                _completion_classes._sanitize_help_text = _plain_help
        return super()._main_shell_completion(ctx_args, prog_name, complete_var)


def _plain_help(text: str) -> str:
    return " ".join(text.split())


def _debug(ctx: Any) -> bool:
    obj = ctx.find_root().obj
    return isinstance(obj, AppState) and obj.debug


def _is_broken_pipe(e: BaseException) -> bool:
    return isinstance(e, BrokenPipeError)


def _fail(ctx: Any, message: str, code: int, exc: BaseException) -> None:
    from hwctl.app.settings import mask_password
    from hwctl.cli import render

    if _debug(ctx):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    render.error(mask_password(message))
    raise typer.Exit(code)


app = typer.Typer(
    name="hwctl",
    cls=HwctlGroup,
    help=(
        "Review, decide and fulfil hardware orders (desk phones, DECT bases and handsets) for "
        "the accounts of a hosted telephony service, with every decision in an audit log."
    ),
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    # Plain Click help: Typer's Rich help imports markdown and syntax highlighting (~90 ms) on
    # every --help, which alone would break the start-up budget (README, "Fast start").
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        print(f"hwctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL|PATH",
            help="The store: a SQLAlchemy URL (sqlite:///…, postgresql+psycopg://…) or a path.",
            show_default=False,
        ),
    ] = None,
    as_: Annotated[
        str | None,
        typer.Option("--as", metavar="NAME", help="Act as this super-admin.", show_default=False),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    ctx.obj = AppState(db=db, as_=as_, debug=debug)


def _register() -> None:
    from hwctl.cli import (
        admins,
        audit,
        completion,
        db,
        demo,
        devices,
        directory,
        fulfill,
        orders,
        report,
        serve,
        tokens,
        webhooks,
    )

    orders.register(app)
    fulfill.register(app)
    devices.register(app)
    directory.register(app)
    audit.register(app)
    report.register(app)
    admins.register(app)
    webhooks.register(app)
    db.register(app)
    tokens.register(app)
    serve.register(app)
    demo.register(app)
    completion.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:
        # `hwctl list | head`: the reader went away; not an error worth a traceback.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
