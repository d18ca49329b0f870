"""Options and arguments spelled once (Annotated aliases), the shared per-run state, and small
parsers for command-line values. Imported by every command module: keep it light."""

from __future__ import annotations

import enum
import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import typer

from hwctl.app.words import OrderStatus, RejectionCode

if TYPE_CHECKING:
    from hwctl.app.context import Context


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class DetailFormat(enum.StrEnum):
    table = "table"
    json = "json"


# `reject --code`: the rejection codes (hwctl.vocabulary).
RejectionCodeChoice = enum.StrEnum(
    "RejectionCodeChoice", [(c.value, c.value) for c in RejectionCode]
)

# `list --status`: every order status (spelled once, in hwctl.vocabulary), or all of them.
StatusFilter = enum.StrEnum(
    "StatusFilter", [(s.value, s.value) for s in OrderStatus] + [("all", "all")]
)


MAX_ORDER_ID = 2**31 - 1  # the id column is a 32-bit INTEGER on PostgreSQL
ORDER_METAVAR = "ORDER"
_ORDER_ID = re.compile(r"#?([0-9]+)")  # ASCII digits only: not `٢`, `２` or `##2`


def parse_order_id(value: str) -> int:
    """ORDER as printed: `7` or `#7`."""
    shown = repr(value if len(value) <= 40 else value[:40] + "…")
    match = _ORDER_ID.fullmatch(value.strip())
    digits = match.group(1).lstrip("0") if match else ""
    if not digits:
        raise typer.BadParameter(f"{shown} is not an order id (use the number, e.g. 7 or #7)")
    if len(digits) > len(str(MAX_ORDER_ID)) or int(digits) > MAX_ORDER_ID:
        raise typer.BadParameter(f"{shown} is not an order id (ids go up to {MAX_ORDER_ID})")
    return int(digits)


def _order_ids(values: list[str]) -> list[int]:
    return [parse_order_id(v) for v in values]


def _one_order_id(value: str) -> int:
    return parse_order_id(value)


def complete_order(ctx: typer.Context, incomplete: str) -> list[str]:
    """TAB completion of ORDER with pending/approved order ids from a SQLite store (stdlib only,
    so a TAB stays fast; PostgreSQL stores complete nothing here). A `--db` already typed on the
    line picks the store, as it would when the command runs."""
    from hwctl.cli.completion_ids import open_order_ids

    db = ctx.find_root().params.get("db")
    ids = open_order_ids(db=db if isinstance(db, str) else None)
    return [i for i in ids if i.startswith(incomplete.lstrip("#"))]


OrderArg = Annotated[
    int,
    typer.Argument(
        metavar=ORDER_METAVAR,
        help="Order id as printed (7 or #7).",
        parser=_one_order_id,
        autocompletion=complete_order,
        show_default=False,
    ),
]
OrdersArg = Annotated[
    list[str],
    typer.Argument(
        metavar=ORDER_METAVAR,
        help="One or more order ids (7 or #7); each is decided on its own.",
        autocompletion=complete_order,
        show_default=False,
    ),
]


def _order_words_are_arguments() -> None:
    """`hwctl show -1`: Click's parser takes any word that starts with `-` for an option before
    an argument's type sees it, so `-1` would be "No such option: -1". In a command that takes
    ORDER, a word of `-` and then no letter (`-1`, `-#2`) goes to the arguments instead, where
    `parse_order_id` says "not an order id". Real options all have a letter after the dash.
    Guarded like the patch in hwctl.cli.app: if Typer's or Click's internals change, nothing is
    patched and only that message is lost (tests/cli/test_input_edges.py notices)."""
    from typer.core import TyperArgument

    original = TyperArgument.__dict__.get("add_to_parser")
    if original is None or getattr(original, "_hwctl_order", False):
        return
    not_an_option = re.compile(r"-[^A-Za-z-].*", re.DOTALL)

    def add_to_parser(self, parser, ctx):  # noqa: ANN001, ANN202 - Click's signature
        original(self, parser, ctx)
        process_opts = getattr(parser, "_process_opts", None)
        if (
            self.metavar != ORDER_METAVAR
            or process_opts is None
            or getattr(process_opts, "_hwctl_order", False)
        ):
            return

        def _process_opts(arg, state):  # noqa: ANN001, ANN202
            if not_an_option.fullmatch(arg) and isinstance(getattr(state, "largs", None), list):
                state.largs.append(arg)
                return
            process_opts(arg, state)

        _process_opts._hwctl_order = True  # type: ignore[attr-defined]
        parser._process_opts = _process_opts

    add_to_parser._hwctl_order = True  # type: ignore[attr-defined]
    TyperArgument.add_to_parser = add_to_parser


_order_words_are_arguments()


YesOpt = Annotated[
    bool,
    typer.Option("--yes", "-y", help="Answer yes to the confirmation (needed without a terminal)."),
]
FormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format", "-f", help="Output format: a table for people, json or csv for scripts."
    ),
]
DetailFormatOpt = Annotated[
    DetailFormat,
    typer.Option("--format", "-f", help="Output format: a table for people, json for scripts."),
]
PlatformOpt = Annotated[
    str | None,
    typer.Option("--platform", "-p", metavar="NAME", help="Only this platform (exact name)."),
]


# The largest --limit: the stores' 64-bit integers (SQLite's INTEGER, PostgreSQL's bigint)
# take no more, so a larger one is a usage error here, not the store's error.
MAX_LIMIT = 2**63 - 1


def _limit_option(help_text: str):  # noqa: ANN202 - a typer.Option
    return typer.Option("--limit", "-n", min=0, max=MAX_LIMIT, metavar="N", help=help_text)


LimitOpt = Annotated[
    int | None,
    _limit_option("At most N rows (a table shows 50 unless given; json/csv all without it)."),
]
RecentLimitOpt = Annotated[
    int | None,
    _limit_option("Only the N most recent entries (a table shows 50 unless given)."),
]
FileArg = Annotated[
    str,
    typer.Argument(
        metavar="FILE|-", help="A JSON file, or - for standard input.", show_default=False
    ),
]


@dataclass
class AppState:
    """Global options, resolved lazily so that --help never touches the store."""

    db: str | None = None
    as_: str | None = None
    debug: bool = False
    _context: Context | None = field(default=None, repr=False)

    def context(self) -> Context:
        """The use cases' context: the store of --db, acted on by the super-admin of --as."""
        if self._context is None:
            from hwctl.app.backups import announce_backups
            from hwctl.cli import render
            from hwctl.cli.identity import terminal_context

            self._context = terminal_context(self.db, self.as_)
            # A backup taken before an automatic upgrade is said on stderr (stdout is data).
            announce_backups(self._context, render.info)
        return self._context


def state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj


def interactive() -> bool:
    """Prompts only when both stdin and stdout are terminals."""
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


# The most a document or shipping file may hold: far beyond any real one (a directory of a
# million devices is ~100 MB), and a bound on what `hwctl submit /dev/zero` reads before it
# says no, instead of filling the memory.
INPUT_MAX = 256 << 20


def read_input(path: str) -> tuple[bytes, str]:
    """The bytes of FILE, or of standard input for `-`; with the name to use in messages. FILE
    must be a regular file (or the name of an open pipe, `<(...)`); either way at most
    INPUT_MAX bytes are read (`hwctl.reading.read_regular`)."""
    from hwctl.app.files import read_regular, too_large
    from hwctl.errors import InvalidInput

    if path == "-":
        if sys.stdin is None or _is_terminal(sys.stdin):
            # Typing JSON or CSV at a terminal is never what was meant: don't sit waiting.
            raise InvalidInput("reading - from a terminal: pipe the file in, or give its path")
        stream = getattr(sys.stdin, "buffer", sys.stdin)
        data = stream.read(INPUT_MAX + 1)
        data = data.encode() if isinstance(data, str) else data
        if len(data) > INPUT_MAX:
            raise too_large("<stdin>", INPUT_MAX)
        return data, "<stdin>"
    return read_regular(path, limit=INPUT_MAX, streams=True), path


def parse_edit_pair(text: str, option: str, key_is_int: bool) -> tuple[int | str, int]:
    """`3=2` / `T54W=2` as given to --set / --add."""
    from hwctl.errors import UsageError

    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    what = "LINE=QTY" if key_is_int else "SKU=QTY"
    if not sep or not key or not value:
        raise UsageError(f"{option} {text!r}: expected {what}")
    try:
        quantity = int(value)
    except ValueError as e:
        raise UsageError(f"{option} {text!r}: quantity {value!r} is not a whole number") from e
    if key_is_int:
        try:
            return int(key.lstrip("#")), quantity
        except ValueError as e:
            raise UsageError(f"{option} {text!r}: line {key!r} is not a line number") from e
    return key, quantity


def parse_edits(set_: list[str], add: list[str], remove: list[str]) -> list:
    """`review`'s --remove LINE, --set LINE=QTY and --add SKU=QTY as the order edits they
    name (removals first, as the plan applies them)."""
    from hwctl.app.words import AddItem, RemoveLine, SetQuantity
    from hwctl.errors import UsageError

    edits: list = []
    for text in remove:
        value = text.strip().lstrip("#")
        if not value.isdigit():
            raise UsageError(f"--remove {text!r}: expected a line number")
        edits.append(RemoveLine(int(value)))
    for text in set_:
        line, qty = parse_edit_pair(text, "--set", key_is_int=True)
        edits.append(SetQuantity(int(line), qty))
    for text in add:
        sku, qty = parse_edit_pair(text, "--add", key_is_int=False)
        edits.append(AddItem(str(sku), qty))
    return edits
