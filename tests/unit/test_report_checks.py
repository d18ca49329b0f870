"""Monitoring rules (hwctl.domain.monitoring): durations as typed, ages as shown in a check line,
and which state the thresholds give."""

from __future__ import annotations

import pytest

from hwctl.domain.monitoring import (
    CheckState,
    Thresholds,
    evaluate,
    format_age,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3600", 3600),
        ("0", 0),
        ("45s", 45),
        ("90m", 5400),
        ("12h", 43200),
        ("3d", 259200),
        ("1w", 604800),
        ("1d12h", 129600),
        (" 2H ", 7200),
    ],
)
def test_a_duration_is_read_as_people_type_it(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "d", "3x", "-3d", "3.5h", "3 d", "h3", "3d-"])
def test_a_duration_that_is_not_one_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="90m, 12h, 3d"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0s"), (59, "59s"), (60, "1m"), (7199, "1h"), (7200, "2h"), (518400, "6d"),
     (539999, "6d")],
)  # fmt: skip
def test_an_age_is_shown_in_its_largest_whole_unit_rounded_down(seconds: int, shown: str) -> None:
    assert format_age(seconds) == shown


def test_check_mode_is_on_as_soon_as_one_threshold_is_given() -> None:
    assert not Thresholds().active
    assert Thresholds(warn_age=0).active
    assert Thresholds(crit=0).active


@pytest.mark.parametrize(
    ("pending", "age", "limits", "state"),
    [
        (4, 100, Thresholds(warn=3, crit=20), CheckState.WARNING),
        (3, 100, Thresholds(warn=3, crit=20), CheckState.OK),  # at the limit is still fine
        (21, 100, Thresholds(warn=3, crit=20), CheckState.CRITICAL),
        (0, None, Thresholds(warn=0, crit=0), CheckState.OK),
        (1, 100, Thresholds(warn=0), CheckState.WARNING),
        (1, 3 * 86400 + 1, Thresholds(warn_age=3 * 86400), CheckState.WARNING),
        (1, 3 * 86400, Thresholds(warn_age=3 * 86400), CheckState.OK),
        (1, 8 * 86400, Thresholds(warn=5, warn_age=86400, crit_age=7 * 86400),
         CheckState.CRITICAL),
        (0, None, Thresholds(warn_age=0, crit_age=0), CheckState.OK),  # nothing waits: no age
    ],
)  # fmt: skip
def test_the_worst_threshold_reached_gives_the_state(
    pending: int, age: int | None, limits: Thresholds, state: CheckState
) -> None:
    assert evaluate(pending, age, limits) is state


def test_the_states_are_the_monitoring_plugin_exit_codes() -> None:
    assert [int(s) for s in CheckState] == [0, 1, 2, 3]
    assert [s.name for s in CheckState] == ["OK", "WARNING", "CRITICAL", "UNKNOWN"]


def test_the_cli_exits_unknown_with_the_same_code_without_importing_the_rules() -> None:
    from hwctl.cli.report import UNKNOWN

    assert UNKNOWN == CheckState.UNKNOWN
