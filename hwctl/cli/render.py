"""The one place that writes to the terminal and the only module that imports Rich: streams,
tables, JSON and CSV writers, talk on stderr, progress bars. What each noun's output looks like,
in every `--format`, is declared in `hwctl.cli.sink`, which draws through here.

Stdout is data (tables, JSON, CSV), stderr is talk (progress, warnings, errors). Names from the
store are data too: they go into Rich `Text` objects (never parsed as markup) with control
characters stripped. Piped output carries no ANSI codes; NO_COLOR is honoured everywhere.
Everything goes out through `printable`: on a stream whose encoding cannot show `·`, `×`, `→`
or `…` (PYTHONIOENCODING=ascii), ASCII stand-ins are printed instead, and Rich draws its tables
with ASCII lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # Rich and the views are imported where used: --help and TAB stay fast
    from rich.console import Console
    from rich.table import Table

    from hwctl.app.monitoring import Thresholds
    from hwctl.app.reports import PendingReport

TABLE_ROWS = 50  # the rows a table shows unless --limit says otherwise (JSON and CSV show all)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\n\x0b\x0c\r\x85\u2028\u2029]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$")  # spaces at a line's end, colour codes kept


def clean(value: object) -> str:
    """Text for a terminal: line breaks and tabs become one space (a name never splits a line),
    other control characters (ESC included) are removed, and so are invisible formatting
    characters (Unicode Cf: bidi overrides and isolates, zero-width characters), which hwctl
    refuses in new names and texts but a store written before that rule may still hold: a
    right-to-left override would reorder the table around it."""
    if value is None:
        return ""
    text = _CONTROL.sub("", _LINE_BREAKS.sub(" ", str(value)))
    if text.isascii():
        return text
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


# -- what the output encoding can show ---------------------------------------------------------
# The typography hwctl prints, and what is printed instead on a stream that cannot encode it.
# Any other character such a stream cannot encode (a name from the store) is printed as `?`.
STAND_INS = {"·": "-", "×": "x", "→": "->", "…": "...", "—": "-", "–": "-"}
_STAND_IN_ERRORS = "hwctl-stand-in"


def _stand_in(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(STAND_INS.get(c, "?") for c in bad), error.end


codecs.register_error(_STAND_IN_ERRORS, _stand_in)


def _encoding(stream: object) -> str:
    """The codec name of `stream`'s encoding (`ascii`, `utf-8`); UTF-8 when it has none."""
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name
    except LookupError:
        return "utf-8"


def can_show(text: str, stream: TextIO | None = None) -> bool:
    """Whether `stream` (stdout by default) can encode every character of `text`."""
    try:
        text.encode(_encoding(sys.stdout if stream is None else stream))
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str, stream: TextIO | None = None) -> str:
    """`text` as `stream` (stdout by default) can show it: unchanged when its encoding can encode
    every character (UTF-8 always can), else with STAND_INS (`·` -> `-`, `×` -> `x`, `→` -> `->`,
    `…` -> `...`) and `?` for the rest."""
    encoding = _encoding(sys.stdout if stream is None else stream)
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, _STAND_IN_ERRORS).decode(encoding)
    return text


class _Printable:
    """A text stream that writes through `printable`, for Rich on a stream that is not UTF-8;
    everything else (encoding, isatty, fileno, flush) is the stream's own."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(printable(text, self._stream))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


PIPE_WIDTH = 100_000  # a pipe has no width: a table there is as wide as its widest row needs


def _console(stderr: bool = False) -> Console:
    """A Rich console on stdout (or stderr): a terminal's own width; COLUMNS, or no limit for a
    pipe or a file, where nothing is wrapped and a row stays one line (grep, diff)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    is_tty = hasattr(stream, "isatty") and stream.isatty()
    width = None
    if not is_tty:
        width = int(os.environ.get("COLUMNS", "0") or 0) or PIPE_WIDTH
    return Console(
        # Rich sees the stream's encoding and draws ASCII box lines when it is not UTF-8
        file=stream if _encoding(stream).startswith("utf") else _Printable(stream),
        no_color=bool(os.environ.get("NO_COLOR")) or not is_tty,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
        width=width,
        force_terminal=None if is_tty else False,
    )


# -- talk (stderr) -----------------------------------------------------------------------------
def _line(stream: TextIO, text: str) -> None:
    print(printable(text, stream), file=stream)


def info(message: str) -> None:
    _line(sys.stderr, clean(message))


def _coloured(stream: TextIO, label: str, sgr: str) -> str:
    """`label` in colour (an SGR code: 31 red, 33 yellow) when `stream` is a terminal that wants
    colour: not when NO_COLOR is set to anything non-empty (no-color.org), nor for TERM=dumb."""
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        terminal = False
    if not terminal or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return label
    return f"\x1b[{sgr}m{label}\x1b[0m"


def warn(message: str) -> None:
    _line(sys.stderr, f"{_coloured(sys.stderr, 'warning:', '33')} {clean(message)}")


def error(message: str) -> None:
    _line(sys.stderr, f"hwctl: {_coloured(sys.stderr, 'error:', '1;31')} {clean(message)}")


def result(message: str) -> None:
    """A line of result on stdout (e.g. `order 7: approved`)."""
    _line(sys.stdout, clean(message))


# -- machine formats ---------------------------------------------------------------------------
def emit_json(data: Any) -> None:
    """JSON on stdout; what stdout's encoding cannot show is `\\uXXXX`-escaped (no data lost)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if not can_show(text):
        text = json.dumps(data, indent=2)
    sys.stdout.write(text + "\n")


def neutralise(cell: object) -> object:
    """Stop a spreadsheet running a cell as a formula: prefix `'`."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def emit_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """CSV on stdout: `header`, then the rows; None is an empty cell, and a cell a spreadsheet
    would run as a formula is `neutralise`d."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if c is None else neutralise(c) for c in row])
    sys.stdout.write(printable(buf.getvalue()))


# -- tables ------------------------------------------------------------------------------------
# How a table is drawn, widest first; a narrower one only when the table does not fit: (Rich
# Table options, the columns the lines and padding take for n columns).
_STYLES: tuple[tuple[dict[str, Any], Callable[[int], int]], ...] = (
    ({}, lambda n: 3 * n + 1),  # boxed: │ a │ b │
    ({"box": "SIMPLE_HEAD", "show_edge": False, "padding": (0, 1, 0, 0), "pad_edge": False},
     lambda n: 2 * (n - 1)),  # a  b, a rule under the header
    ({"box": "SIMPLE_HEAD", "show_edge": False, "padding": (0, 0), "pad_edge": False},
     lambda n: n - 1),  # a b
)  # fmt: skip
_FOLD_FLOORS = (4, 3)  # how narrow a text column may fold, tried in turn, for tokens kept whole


def _fill(widths: list[int], targets: Sequence[int], budget: int, *, whole: bool = False) -> int:
    """Widen `widths` towards `targets` until `budget` columns are spent; returns what is left.
    `whole`: the columns nearest their target first, each all the way (so that as many as
    possible get theirs); else a column at a time, the one furthest from its target first."""
    if whole:
        for i in sorted(range(len(widths)), key=lambda i: targets[i] - widths[i]):
            step = max(0, min(targets[i] - widths[i], budget))
            widths[i] += step
            budget -= step
        return budget
    while budget > 0:
        gaps = [t - w for w, t in zip(widths, targets, strict=True)]
        widest = max(range(len(gaps)), key=gaps.__getitem__, default=None)
        if widest is None or gaps[widest] <= 0:
            break
        widths[widest] += 1
        budget -= 1
    return budget


def _layout(
    cells: Sequence[Sequence[str]], no_wrap: Sequence[bool], width: int
) -> tuple[dict[str, Any], list[int]] | None:
    """A table style and column widths that fit `width`, or None when the table fits as it
    is. `cells` are the columns' texts, header first. A no_wrap column keeps its widest text
    whole; a text column gets at least its longest word, so it wraps between words. Only when
    no style leaves that much room do the text columns fold their long words (down to
    _FOLD_FLOORS) - and when even the no_wrap columns do not fit, Rich folds what it must."""
    from rich.cells import cell_len

    n = len(cells)
    longest = [max((cell_len(t) for t in column), default=0) for column in cells]
    if sum(longest) + _STYLES[0][1](n) <= width:
        return None
    words = [max((cell_len(w) for t in column for w in t.split()), default=0) for column in cells]
    kept = sum(w for w, whole in zip(longest, no_wrap, strict=True) if whole)
    text = [i for i in range(n) if not no_wrap[i]]
    for floor in (None, *_FOLD_FLOORS):
        last_resort = floor is not None
        # Words kept whole: the widest style that allows it. Else the narrowest style, so that
        # the fewest words fold.
        for options, lines in reversed(_STYLES) if last_resort else _STYLES:
            budget = width - lines(n) - kept
            widths = [longest[i] if no_wrap[i] else 0 for i in range(n)]
            floors = [min(words[i] if floor is None else floor, longest[i]) for i in text]
            if budget < sum(floors):
                continue
            for i, least in zip(text, floors, strict=True):
                widths[i] = least
            budget -= sum(floors)
            step = [widths[i] for i in text]
            budget = _fill(step, [words[i] for i in text], budget, whole=True)
            _fill(step, [longest[i] for i in text], budget)
            for i, w in zip(text, step, strict=True):
                widths[i] = w
            return options, widths
    # Not even the no_wrap columns fit: Rich shares the width out, folding what it must (with
    # no_wrap it would squeeze the text columns to nothing)
    return dict(_STYLES[-1][0]), [0] * n


def _table(
    columns: Sequence[str],
    no_wrap: Sequence[bool],
    title: str | None = None,
    caption: str | None = None,
    layout: tuple[dict[str, Any], list[int]] | None = None,
) -> Table:
    from rich import box
    from rich.table import Table

    options, widths = layout if layout is not None else ({}, [0] * len(columns))
    if layout is not None and not any(widths):
        no_wrap = [False] * len(columns)
    style = {k: getattr(box, v) if k == "box" else v for k, v in options.items()}
    table = Table(
        title=title, caption=caption, title_justify="left", caption_justify="left", **style
    )
    for i, c in enumerate(columns):
        # A no_wrap column (an id, a date, a MAC) keeps its width while the text columns wrap
        # at word boundaries; Rich folds it only when nothing else can give way.
        table.add_column(c, overflow="fold", no_wrap=no_wrap[i], width=widths[i] or None)
    return table


def _row(table: Table, *cells: object) -> None:
    from rich.text import Text

    table.add_row(*(Text(clean(c)) for c in cells))


def plain_table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    stderr: bool = False,
    *,
    caption: str | None = None,
    no_wrap: Sequence[bool] = (),
) -> None:
    """A table on stdout (or stderr): every cell shown literally (never parsed as markup), one
    line each (`clean`). Text columns wrap at word boundaries when the terminal is too narrow;
    the columns `no_wrap` marks (by position) never do. No line ends in spaces (Rich pads the
    title and the caption to the table's width). `hwctl.cli.sink` draws every listing and
    record with it."""
    texts = [[clean(c) for c in r] for r in rows]
    whole = [i < len(no_wrap) and no_wrap[i] for i in range(len(columns))]
    console = _console(stderr)
    cells = [[columns[i], *(r[i] for r in texts)] for i in range(len(columns))]
    table = _table(columns, whole, title=title, caption=caption,
                   layout=_layout(cells, whole, console.width))  # fmt: skip
    for r in texts:
        _row(table, *r)
    with console.capture() as captured:
        console.print(table)
    stream = sys.stderr if stderr else sys.stdout
    text = "\n".join(_TRAILING.sub(r"\1", line) for line in captured.get().split("\n"))
    stream.write(printable(text, stream))
    stream.flush()


# -- progress (stderr) ---------------------------------------------------------------------------
class _Progress:
    def __init__(self, description: str, total: int) -> None:
        from rich.progress import Progress

        self._progress = Progress(console=_console(stderr=True), transient=True)
        self._task = self._progress.add_task(description, total=total)

    def __enter__(self):  # noqa: ANN204
        self._progress.start()
        return self.update

    def update(self, done: int, total: int) -> None:
        self._progress.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


class _NoProgress:
    def __enter__(self):  # noqa: ANN204
        return None

    def __exit__(self, *exc: object) -> None:
        return None


PROGRESS_THRESHOLD = 50


def progress(description: str, total: int):  # noqa: ANN201
    """A progress bar on stderr for long work, on a terminal only; yields a (done, total) callback
    or None."""
    if total < PROGRESS_THRESHOLD or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return _NoProgress()
    return _Progress(description, total)


# -- reports for cron and monitoring (`hwctl report pending`) ----------------------------------
def emit_text(text: str) -> None:
    """Text that is already formatted (a report, a completion script) to stdout as is."""
    sys.stdout.write(printable(text))


def emit_pending_report(report: PendingReport, fmt: str) -> None:
    """`pending_report` on stdout (its JSON escaped as `emit_json` does)."""
    if fmt == "json":
        emit_json(report.to_json())
    else:
        emit_text(pending_report(report, fmt))


def write_atomic(path: str, text: str) -> None:
    """`hwctl.io.files.write_output` with `--output PATH` in its errors: a regular file or a new
    path is replaced atomically, a FIFO or a device such as /dev/stdout is written through."""
    from hwctl.app.files import write_output

    write_output(path, text, label=f"--output {path}")


# The report's formats live in the application layer (hwctl.app.report_formats), so that the
# HTTP door can serve them too; these names are kept for the CLI's callers.
def pending_report(report: PendingReport, fmt: str) -> str:
    from hwctl.app.report_formats import pending_report as formatted

    return formatted(report, fmt)


def check_line(verdict: object, report: PendingReport, limits: Thresholds) -> str:
    from hwctl.app.report_formats import check_line as formatted

    return formatted(verdict, report, limits)


def check_unknown(message: str) -> str:
    from hwctl.app.report_formats import check_unknown as formatted

    return formatted(message)
