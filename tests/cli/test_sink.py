"""The output sink (hwctl.cli.sink): one View, three modes. A table keeps its cap (or --limit)
and says in its caption how many rows were left out; JSON is every row's JSON; CSV is a header
and one row per row, with cells a spreadsheet would run neutralised. In process, on captured
stdout and stderr (not a terminal: no colour, no width unless COLUMNS gives one)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from operator import attrgetter

import pytest

from hwctl.cli import sink


@dataclass(frozen=True)
class Thing:
    id: int
    name: str | None

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name}


THINGS: sink.View[Thing] = sink.View(
    columns=(sink.Column("ID", lambda t: f"#{t.id}"), sink.Column("Name", attrgetter("name"))),
    csv_header=("id", "name"),
    csv_row=lambda t: (t.id, t.name),
    title="Things",
    table_limit=3,
    empty=lambda total: f"{total} things match, none shown" if total else "no things match",
)
FIVE = [Thing(i, f"thing {i}") for i in range(1, 6)]


def lines(out: str) -> list[str]:
    """The lines of a table (Rich pads the title and the caption to the table's width)."""
    return [line.rstrip() for line in out.splitlines()]


def caption(out: str) -> str:
    """The caption under a table, its lines joined (Rich wraps it to the table's width)."""
    shown = lines(out)
    bottom = max(i for i, line in enumerate(shown) if line.startswith("└"))
    return " ".join(shown[bottom + 1 :])


def table_ids(out: str) -> list[str]:
    """The first cell of each body row of a Rich table (`│ #3 │ ...`)."""
    return [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│ #")]


def test_a_table_shows_its_cap_and_its_caption_counts_the_rows_left_out(capsys) -> None:  # noqa: ANN001
    sink.for_format("table").rows(THINGS, FIVE)
    out, err = capsys.readouterr()
    assert lines(out)[0] == "Things"
    assert table_ids(out) == ["#1", "#2", "#3"]
    assert caption(out) == "… and 2 more (use --limit, or --format json|csv for all)"
    assert err == ""


def test_a_given_limit_replaces_the_cap_and_a_limit_that_leaves_nothing_out_has_no_caption(
    capsys,  # noqa: ANN001
) -> None:
    out = sink.TableSink()
    out.rows(THINGS, FIVE, limit=4)
    assert table_ids(capsys.readouterr().out) == ["#1", "#2", "#3", "#4"]
    out.rows(THINGS, FIVE, limit=5)
    text = capsys.readouterr().out
    assert table_ids(text) == ["#1", "#2", "#3", "#4", "#5"]
    assert caption(text) == ""


def test_a_view_that_keeps_the_last_rows_shows_the_newest_and_counts_the_earlier(capsys) -> None:  # noqa: ANN001
    newest = replace(THINGS, keep="last", left_out=sink.earlier_entries)
    sink.TableSink().rows(newest, FIVE)
    out = capsys.readouterr().out
    assert table_ids(out) == ["#3", "#4", "#5"]
    assert caption(out) == (
        "… 2 earlier entries not shown (use --limit, or --format json|csv for all)"
    )


def test_a_paged_use_case_gives_the_total_and_the_caption_counts_what_was_not_fetched(
    capsys,  # noqa: ANN001
) -> None:
    sink.TableSink().rows(THINGS, FIVE[:2], total=7, title="Things (all)")
    out = capsys.readouterr().out
    assert lines(out)[0] == "Things (all)"
    assert table_ids(out) == ["#1", "#2"]
    assert caption(out).startswith("… and 5 more ")


def test_no_row_shown_is_a_line_on_stderr_instead_of_a_table(capsys) -> None:  # noqa: ANN001
    sink.TableSink().rows(THINGS, FIVE, limit=0)
    assert capsys.readouterr() == ("", "5 things match, none shown\n")
    sink.TableSink().rows(THINGS, [])
    assert capsys.readouterr() == ("", "no things match\n")


def test_a_table_of_names_from_outside_shows_them_on_one_line_and_none_as_empty(capsys) -> None:  # noqa: ANN001
    sink.TableSink().rows(THINGS, [Thing(1, "a\nb\x1b[31m"), Thing(2, None)])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("│ #")]
    assert [[c.strip() for c in r.split("│")[1:3]] for r in rows] == [["#1", "a b[31m"], ["#2", ""]]


def test_invisible_formatting_characters_stored_before_the_rule_never_reach_the_terminal(
    capsys,
) -> None:  # noqa: ANN001
    """A name stored before hwctl refused Unicode Cf characters is shown without them: a
    right-to-left override would reorder the row around it."""
    sink.TableSink().rows(THINGS, [Thing(1, "Acme\u202e moc.exe\u200b \ufeffVoice")])
    out = capsys.readouterr().out
    assert not any(c in out for c in "\u202e\u200b\ufeff")
    assert "Acme moc.exe Voice" in out


def test_json_is_every_rows_json_whatever_the_table_cap(capsys) -> None:  # noqa: ANN001
    sink.for_format("json").rows(THINGS, FIVE)
    assert json.loads(capsys.readouterr().out) == [t.to_json() for t in FIVE]
    sink.JsonSink().rows(THINGS, FIVE, limit=2)
    assert json.loads(capsys.readouterr().out) == [{"id": 1, "name": "thing 1"},
                                                   {"id": 2, "name": "thing 2"}]  # fmt: skip


def test_csv_is_a_header_and_one_row_per_row_with_formulas_neutralised(capsys) -> None:  # noqa: ANN001
    names = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTab", "plain", None]
    rows = [Thing(i, n) for i, n in enumerate(names, 1)]
    sink.for_format("csv").rows(THINGS, rows)
    out, err = capsys.readouterr()
    assert err == ""
    assert list(csv.reader(io.StringIO(out))) == [
        ["id", "name"],
        ["1", '\'=HYPERLINK("http://x")'],
        ["2", "'+1"],
        ["3", "'-2"],
        ["4", "'@SUM(A1)"],
        ["5", "'\tTab"],
        ["6", "plain"],
        ["7", ""],
    ]


def test_csv_keeps_every_row_unless_a_limit_is_given(capsys) -> None:  # noqa: ANN001
    sink.CsvSink().rows(THINGS, FIVE)
    assert len(list(csv.reader(io.StringIO(capsys.readouterr().out)))) == 1 + 5
    sink.CsvSink().rows(replace(THINGS, keep="last"), FIVE, limit=2)
    assert list(csv.reader(io.StringIO(capsys.readouterr().out)))[1:] == [
        ["4", "thing 4"],
        ["5", "thing 5"],
    ]


@dataclass(frozen=True)
class Box:
    label: str
    things: list[Thing]

    def to_json(self) -> dict[str, object]:
        return {"label": self.label, "things": [t.to_json() for t in self.things]}


BOX = sink.Record(
    parts=(
        sink.Part(sink.FIELDS, lambda b: [("Label", b.label)], title=lambda b: f"Box {b.label}"),
        sink.Part(THINGS, attrgetter("things")),
    ),
    csv=sink.Part(THINGS, attrgetter("things")),
)


def test_a_record_is_its_tables_one_after_the_other_one_json_document_or_its_csv_part(
    capsys,  # noqa: ANN001
) -> None:
    box = Box("A", FIVE[:2])
    sink.TableSink().record(BOX, box)
    out = capsys.readouterr().out
    titles = [line for line in lines(out) if line and line[0] not in "┏┃┡│└"]
    assert titles == ["Box A", "Things"]
    assert "│ Label │ A     │" in out
    assert table_ids(out) == ["#1", "#2"]
    sink.JsonSink().record(BOX, box)
    assert json.loads(capsys.readouterr().out) == box.to_json()
    sink.CsvSink().record(BOX, box)
    assert capsys.readouterr().out == "id,name\n1,thing 1\n2,thing 2\n"


def test_a_record_of_result_lines_prints_them_and_has_no_csv(capsys) -> None:  # noqa: ANN001
    done = sink.Record(lines=lambda b: [f"box {b.label}: {len(b.things)} thing(s)"])
    sink.TableSink().record(done, Box("B", FIVE))
    assert capsys.readouterr() == ("box B: 5 thing(s)\n", "")
    with pytest.raises(ValueError, match="no CSV"):
        sink.CsvSink().record(done, Box("B", FIVE))


def audit_entries(n: int) -> list:
    from hwctl.app.views import AuditView

    at = datetime(2024, 5, 1, tzinfo=UTC)
    return [AuditView(i, at, "dana", "admin", "approve", i, None, None) for i in range(1, n + 1)]


def test_the_audit_log_caps_a_table_at_the_50_newest_and_an_orders_trail_shows_all(
    capsys,  # noqa: ANN001
) -> None:
    """The cap is the views' own parameter (AUDIT_LOG.table_limit), not a title comparison."""
    entries = audit_entries(55)
    sink.TableSink().rows(sink.AUDIT_LOG, entries)
    log = capsys.readouterr().out
    ids = [line.split("│")[1].strip() for line in log.splitlines() if "│ dana " in line]
    assert ids == [str(i) for i in range(6, 56)]
    assert "… 5 earlier entries not shown" in log
    sink.TableSink().rows(sink.AUDIT_TRAIL, entries)
    trail = capsys.readouterr().out
    assert lines(trail)[0] == "Audit trail"
    assert sum(1 for line in trail.splitlines() if "│ dana " in line) == 55
    assert "earlier" not in trail
    sink.JsonSink().rows(sink.AUDIT_LOG, entries)
    assert len(json.loads(capsys.readouterr().out)) == 55


def test_the_sink_is_chosen_once_from_the_format() -> None:
    assert isinstance(sink.for_format("table"), sink.TableSink)
    assert isinstance(sink.for_format("json"), sink.JsonSink)
    assert isinstance(sink.for_format("csv"), sink.CsvSink)
    assert sink.for_format("table").limit(THINGS, None) == 3
    assert sink.for_format("json").limit(THINGS, None) is None
    assert sink.for_format("csv").limit(THINGS, 4) == 4
    with pytest.raises(ValueError, match="no output format 'yaml'"):
        sink.for_format("yaml")


GROUPED: sink.View[tuple[int, str, str]] = sink.View(
    columns=(
        sink.Column("ID", lambda r: f"#{r[0]}", no_wrap=True),
        sink.Column("Group", lambda r: r[1]),
        sink.Column("Name", lambda r: r[2]),
    ),
    title="Things",
)


def test_a_column_the_filter_fixes_is_left_out_and_named_in_the_title(capsys) -> None:  # noqa: ANN001
    wide = "a name wider than the table's title"
    globex = "Globex Corporation"
    sink.TableSink().rows(GROUPED, [(1, globex, wide), (2, globex, "b")], fixed=("Group",))
    shown = lines(capsys.readouterr().out)
    assert shown[0] == "Things · Globex Corporation"
    assert shown[2].replace("┃", " ").split() == ["ID", "Name"]


def test_a_fixed_column_that_still_differs_stays(capsys) -> None:  # noqa: ANN001
    # An account name on two platforms: --account does not fix the platform then
    sink.TableSink().rows(GROUPED, [(1, "Acme Voice", "a"), (2, "Blue Sky", "b")],
                          fixed=("Group",))  # fmt: skip
    shown = lines(capsys.readouterr().out)
    assert shown[0] == "Things"
    assert shown[2].replace("┃", " ").split() == ["ID", "Group", "Name"]


def test_json_and_csv_keep_a_fixed_column(capsys) -> None:  # noqa: ANN001
    view = replace(GROUPED, csv_header=("id", "group"), csv_row=lambda r: r[:2],
                   to_json=lambda r: {"id": r[0], "group": r[1]})  # fmt: skip
    sink.JsonSink().rows(view, [(1, "g", "a")], fixed=("Group",))
    assert json.loads(capsys.readouterr().out) == [{"id": 1, "group": "g"}]
    sink.CsvSink().rows(view, [(1, "g", "a")], fixed=("Group",))
    assert capsys.readouterr().out == "id,group\n1,g\n"


@pytest.mark.parametrize("columns", [34, 40, 60, 80])
def test_a_narrow_table_wraps_text_between_words_and_keeps_no_wrap_cells_whole(
    capsys,
    monkeypatch,
    columns: int,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    rows = [(1, "80:5e:c0:00:00:99", "Globex Corporation HQ Floor 2 and the warehouse beside it"),
            (2, "2026-11-20 09:30", "Initech")]  # fmt: skip
    view = sink.View(columns=(
        sink.Column("ID", lambda r: f"#{r[0]}", no_wrap=True),
        sink.Column("Identifier", lambda r: r[1], no_wrap=True),
        sink.Column("Account", lambda r: r[2])))  # fmt: skip
    sink.TableSink().rows(view, rows)
    shown = capsys.readouterr().out.splitlines()
    assert max(map(len, shown)) <= columns
    for token in ("80:5e:c0:00:00:99", "2026-11-20 09:30", "Globex", "Corporation", "warehouse"):
        assert any(token in line for line in shown), (token, shown)
