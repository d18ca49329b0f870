"""How output is declared and where it goes, for every noun alike: a `View` says how one
noun's rows are shown, a `Record` how one thing is shown whole (its `Part`s), and
`for_format(fmt)` gives the sink of a `--format` (`TableSink`, `JsonSink`, `CsvSink`).

- A `View` is how one noun's rows are shown: its table columns (a header and how to get the
  cell from a row), its CSV header and row, its JSON (the row's `to_json()` unless told), its
  title, how many rows a table shows unless `--limit` says otherwise, which rows a limit keeps
  (the first or the most recent), the caption when a limit left rows out, and the line (on
  stderr) that replaces a table with no row.
- A `Record` is one thing (an order, a fulfilment plan, a result): one JSON document; in a
  table, its `Part`s one table after the other (or result lines); in CSV, the rows of one part.
- `for_format(fmt)` is the sink for a `--format`: `TableSink` (Rich tables, drawn by
  `hwctl.cli.render`), `JsonSink` or `CsvSink`; each has `rows(view, rows, ...)` and
  `record(record, item)`.

Commands reach all of this through `hwctl.cli.sink`, which declares hwctl's nouns. Nothing here
imports Rich, the store or the application's views at import time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from hwctl.cli import render

R = TypeVar("R")  # one row of a view
T = TypeVar("T")  # the thing a record shows

Keep = Literal["first", "last"]


def _to_json(item: Any) -> Any:
    return item.to_json()


def more_rows(left_out: int) -> str:
    """The caption of a table whose limit left `left_out` rows at the end out."""
    return f"… and {left_out} more (use --limit, or --format json|csv for all)"


def earlier_entries(left_out: int) -> str:
    """The caption of a table whose limit left the `left_out` oldest rows out."""
    return f"… {left_out} earlier entries not shown (use --limit, or --format json|csv for all)"


@dataclass(frozen=True)
class Column(Generic[R]):
    """A table column: its header, and how to get its cell from a row (None prints empty).
    `no_wrap`: the cell is one token (an id, a date, a MAC, a SKU) that a narrow terminal must
    not break; the text columns wrap at word boundaries instead."""

    header: str
    cell: Callable[[R], object]
    no_wrap: bool = False


@dataclass(frozen=True)
class View(Generic[R]):
    """How one noun's rows are shown, in every mode.

    `table_limit`: the rows a table shows when no limit is given (JSON and CSV show all);
    `keep`: which rows a limit keeps, the `first` N or the `last` (most recent) N; `left_out`:
    the table's caption when the limit left rows out (given how many); `empty`: a line on
    stderr instead of a table when no row is shown (given how many rows there are in all), or
    None to print the empty table."""

    columns: tuple[Column[R], ...]
    csv_header: tuple[str, ...] = ()
    csv_row: Callable[[R], Sequence[object]] | None = None
    to_json: Callable[[R], Any] = _to_json
    title: str | None = None
    table_limit: int | None = None
    keep: Keep = "first"
    left_out: Callable[[int], str] = more_rows
    empty: Callable[[int], str] | None = None

    def kept(self, rows: Sequence[R], limit: int | None) -> Sequence[R]:
        """The rows `limit` keeps (all of them when it is None)."""
        if limit is None:
            return rows
        if self.keep == "last":
            return rows[max(len(rows) - limit, 0) :]
        return rows[:limit]


@dataclass(frozen=True)
class Part(Generic[T]):
    """One table of a record: its view, its rows from the record, and a title from the record
    (the view's own title when None)."""

    view: View[Any]
    rows: Callable[[T], Sequence[Any]]
    title: Callable[[T], str] | None = None


@dataclass(frozen=True)
class Record(Generic[T]):
    """One thing shown whole: in a table, as `lines` of result on stdout when given, else as
    its `parts` one table after the other; in JSON, `to_json(item)` (the item's `to_json()`
    unless told); in CSV, the rows of the `csv` part (a record without one has no CSV)."""

    parts: tuple[Part[T], ...] = ()
    lines: Callable[[T], Sequence[str]] | None = None
    csv: Part[T] | None = None
    to_json: Callable[[T], Any] = _to_json


class Sink(ABC):
    """Where a command's output goes: one mode, chosen once from `--format`."""

    def limit(self, view: View[Any], limit: int | None) -> int | None:
        """How many rows of `view` this mode shows given `--limit` (None: all). A use case
        that pages asks for that many, so a table never fetches the whole history."""
        return limit

    @abstractmethod
    def rows(
        self,
        view: View[R],
        rows: Sequence[R],
        *,
        limit: int | None = None,
        total: int | None = None,
        title: str | None = None,
        fixed: Collection[str] = (),
    ) -> None:
        """Show `rows` as `view` says, keeping `limit` of them. `total` is how many rows there
        are in all when a use case fetched only some (the table's caption counts the rest);
        `title` replaces the view's title. `fixed`: the headers of columns the command's filter
        fixes (Account under `--account`); a table leaves such a column out when it holds one
        value, which its title names instead. JSON and CSV keep every field."""

    @abstractmethod
    def record(self, record: Record[T], item: T) -> None:
        """Show one thing as `record` says."""


class TableSink(Sink):
    """Tables for people (stdout, or stderr for what is shown before a question)."""

    def __init__(self, *, stderr: bool = False) -> None:
        self.stderr = stderr

    def limit(self, view: View[Any], limit: int | None) -> int | None:
        return view.table_limit if limit is None else limit

    def rows(
        self,
        view: View[R],
        rows: Sequence[R],
        *,
        limit: int | None = None,
        total: int | None = None,
        title: str | None = None,
        fixed: Collection[str] = (),
    ) -> None:
        total = len(rows) if total is None else total
        shown = view.kept(rows, self.limit(view, limit))
        if not shown and view.empty is not None:
            render.info(view.empty(total))
            return
        left_out = total - len(shown)
        title = view.title if title is None else title
        columns: list[Column[R]] = []
        named: list[str] = []  # the values of the columns left out, for the title
        for c in view.columns:
            if c.header in fixed and shown and _one_value(c, shown):
                named.append(render.clean(c.cell(shown[0])))
            else:
                columns.append(c)
        if named:
            title = " · ".join([title, *named] if title else named)
        render.plain_table(
            title,
            [c.header for c in columns],
            ([c.cell(row) for c in columns] for row in shown),
            caption=view.left_out(left_out) if left_out > 0 else None,
            stderr=self.stderr,
            no_wrap=[c.no_wrap for c in columns],
        )

    def record(self, record: Record[T], item: T) -> None:
        if record.lines is not None:
            say = render.info if self.stderr else render.result
            for line in record.lines(item):
                say(line)
            return
        for part in record.parts:
            title = part.title(item) if part.title is not None else None
            self.rows(part.view, part.rows(item), title=title)


def _one_value(column: Column[R], rows: Sequence[R]) -> bool:
    first = column.cell(rows[0])
    return all(column.cell(row) == first for row in rows)


class JsonSink(Sink):
    """One JSON document on stdout: a list of the rows' JSON, or the record's."""

    def rows(
        self,
        view: View[R],
        rows: Sequence[R],
        *,
        limit: int | None = None,
        total: int | None = None,
        title: str | None = None,
        fixed: Collection[str] = (),
    ) -> None:
        render.emit_json([view.to_json(row) for row in view.kept(rows, limit)])

    def record(self, record: Record[T], item: T) -> None:
        render.emit_json(record.to_json(item))


class CsvSink(Sink):
    """A header and one row per row on stdout; cells a spreadsheet would run are neutralised."""

    def rows(
        self,
        view: View[R],
        rows: Sequence[R],
        *,
        limit: int | None = None,
        total: int | None = None,
        title: str | None = None,
        fixed: Collection[str] = (),
    ) -> None:
        if view.csv_row is None:
            raise ValueError(f"{view.title or 'this view'} has no CSV form")
        render.emit_csv(view.csv_header, (view.csv_row(row) for row in view.kept(rows, limit)))

    def record(self, record: Record[T], item: T) -> None:
        if record.csv is None:
            raise ValueError("this record has no CSV form")
        self.rows(record.csv.view, record.csv.rows(item))


_SINKS: dict[str, type[Sink]] = {"table": TableSink, "json": JsonSink, "csv": CsvSink}


def for_format(fmt: str) -> Sink:
    """The sink for `--format` `fmt` (`table`, `json` or `csv`; a StrEnum member will do)."""
    try:
        return _SINKS[str(fmt)]()
    except KeyError:
        raise ValueError(f"no output format {fmt!r}") from None
