"""The pending report's formats (hwctl.cli.render): JSON, CSV, Prometheus text, the check line,
and the atomic file write, from a report built by hand."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hwctl.app import report_formats as formats
from hwctl.app.reports import PendingReport, PlatformPending
from hwctl.cli import render
from hwctl.domain.monitoring import CheckState, Thresholds
from hwctl.errors import InvalidInput

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
OLDEST = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # 6 days before NOW


def report(*platforms: PlatformPending) -> PendingReport:
    dates = [p.oldest_ordered_at for p in platforms if p.oldest_ordered_at]
    return PendingReport(
        pending=sum(p.pending for p in platforms),
        oldest_ordered_at=min(dates) if dates else None,
        platforms=platforms,
        now=NOW,
    )


FOUR = report(
    PlatformPending("Acme Voice", 3, OLDEST),
    PlatformPending("Blue Sky", 1, datetime(2026, 11, 25, 8, 0, tzinfo=UTC)),
    PlatformPending("Calm Talk", 0, None),
)
NONE = report(PlatformPending("Acme Voice", 0, None))


def prometheus_samples(text: str) -> dict[str, float]:
    """Sample lines as {'name{labels}': value}; HELP/TYPE lines checked for every family."""
    samples = {}
    families = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind == "gauge"
            families.add(name)
        elif line.startswith("# HELP "):
            continue
        else:
            key, value = line.rsplit(" ", 1)
            assert re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:]*", key)
            assert key.split("{")[0] in families, f"{key} has no # TYPE line before it"
            samples[key] = float(value)
    return samples


def test_json_has_exactly_the_documented_fields() -> None:
    data = json.loads(formats.pending_report(FOUR, "json"))
    assert data == {
        "pending": 4,
        "oldest_ordered_at": "2026-11-20T09:30:00Z",
        "platforms": [
            {"platform": "Acme Voice", "pending": 3, "oldest_ordered_at": "2026-11-20T09:30:00Z"},
            {"platform": "Blue Sky", "pending": 1, "oldest_ordered_at": "2026-11-25T08:00:00Z"},
            {"platform": "Calm Talk", "pending": 0, "oldest_ordered_at": None},
        ],
    }


def test_json_with_nothing_pending_has_a_null_oldest_date() -> None:
    data = json.loads(formats.pending_report(NONE, "json"))
    assert data["pending"] == 0
    assert data["oldest_ordered_at"] is None


def test_csv_has_a_header_and_one_row_per_platform() -> None:
    rows = list(csv.reader(io.StringIO(formats.pending_report(FOUR, "csv"))))
    assert rows == [
        ["platform", "pending", "oldest_ordered_at"],
        ["Acme Voice", "3", "2026-11-20T09:30:00Z"],
        ["Blue Sky", "1", "2026-11-25T08:00:00Z"],
        ["Calm Talk", "0", ""],
    ]


def test_csv_neutralises_a_platform_name_a_spreadsheet_would_run() -> None:
    text = formats.pending_report(report(PlatformPending("=HYPERLINK(1)", 0, None)), "csv")
    assert list(csv.reader(io.StringIO(text)))[1][0] == "'=HYPERLINK(1)"


def test_prometheus_has_a_gauge_per_platform_a_total_and_the_oldest_age() -> None:
    samples = prometheus_samples(formats.pending_report(FOUR, "prometheus"))
    assert samples == {
        'hwctl_orders_pending{platform="Acme Voice"}': 3,
        'hwctl_orders_pending{platform="Blue Sky"}': 1,
        'hwctl_orders_pending{platform="Calm Talk"}': 0,
        "hwctl_orders_pending_all": 4,
        "hwctl_oldest_pending_age_seconds": 6 * 86400,
    }


def test_prometheus_with_nothing_pending_keeps_every_series_at_zero() -> None:
    samples = prometheus_samples(formats.pending_report(NONE, "prometheus"))
    assert samples == {
        'hwctl_orders_pending{platform="Acme Voice"}': 0,
        "hwctl_orders_pending_all": 0,
        "hwctl_oldest_pending_age_seconds": 0,
    }


def test_prometheus_escapes_backslash_quote_and_newline_in_a_label_value() -> None:
    text = formats.pending_report(report(PlatformPending('Say "hi"\\now\nplease', 2, OLDEST)),
                                 "prometheus")  # fmt: skip
    assert 'hwctl_orders_pending{platform="Say \\"hi\\"\\\\now\\nplease"} 2' in text.splitlines()


def test_every_format_ends_with_a_newline() -> None:
    for fmt in ("text", "json", "csv", "prometheus"):
        assert formats.pending_report(FOUR, fmt).endswith("\n"), fmt


def test_text_names_the_total_the_oldest_date_and_every_platform() -> None:
    text = formats.pending_report(FOUR, "text")
    assert text.splitlines()[0] == "Pending orders: 4 · oldest 2026-11-20 09:30 UTC (6d ago)"
    assert re.search(r"^Acme Voice +3 +2026-11-20 09:30 +6d$", text, re.M)
    assert re.search(r"^Calm Talk +0$", text, re.M)


def test_text_keeps_a_platform_name_on_one_line_without_control_characters() -> None:
    text = formats.pending_report(report(PlatformPending("Evil\x1b[31m\nCorp", 1, OLDEST)), "text")
    assert "\x1b" not in text
    assert re.search(r"^Evil\[31m Corp +1 ", text, re.M)


def test_the_check_line_has_state_summary_and_performance_data() -> None:
    line = formats.check_line(CheckState.WARNING, FOUR, Thresholds(warn=3, crit=20))
    assert line == (
        "PENDING WARNING - 4 orders pending, oldest 6d | pending=4;3;20;0 oldest_age=518400s;;;0"
    )


def test_the_check_line_carries_the_age_thresholds_in_seconds() -> None:
    limits = Thresholds(warn_age=3 * 86400, crit_age=10 * 86400)
    line = formats.check_line(CheckState.WARNING, FOUR, limits)
    assert line.endswith("| pending=4;;;0 oldest_age=518400s;259200;864000;0")


def test_the_check_line_for_one_order_and_for_none() -> None:
    one = report(PlatformPending("Acme Voice", 1, OLDEST))
    assert formats.check_line(CheckState.OK, one, Thresholds(warn=5)).startswith(
        "PENDING OK - 1 order pending, oldest 6d | "
    )
    assert formats.check_line(CheckState.OK, NONE, Thresholds(warn=5)) == (
        "PENDING OK - 0 orders pending | pending=0;5;;0 oldest_age=0s;;;0"
    )


def test_an_unknown_line_is_one_line_without_a_perfdata_bar() -> None:
    line = formats.check_unknown("cannot use the store: a | b\nsecond line")
    assert line == "PENDING UNKNOWN - cannot use the store: a / b second line"


def test_writing_atomically_replaces_the_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "hwctl.prom"
    target.write_text("old\n")
    render.write_atomic(str(target), "new\n")
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["hwctl.prom"]


def test_writing_atomically_keeps_the_mode_of_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "hwctl.prom"
    target.write_text("old\n")
    target.chmod(0o640)
    render.write_atomic(str(target), "new\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_new_file_is_readable_by_others_as_the_umask_allows(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        render.write_atomic(str(tmp_path / "hwctl.prom"), "x\n")
    finally:
        os.umask(old)
    # node_exporter runs as another user: a 0600 temporary file must not end up as the file.
    assert stat.S_IMODE((tmp_path / "hwctl.prom").stat().st_mode) == 0o644


def test_writing_into_a_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="--output .*missing.*No such file"):
        render.write_atomic(str(tmp_path / "missing" / "hwctl.prom"), "x\n")


def test_writing_onto_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="is a directory"):
        render.write_atomic(str(tmp_path), "x\n")
