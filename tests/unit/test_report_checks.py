"""Monitoring rules (hwctl.domain.monitoring): durations as typed, ages as shown in a check line,
and which state the thresholds give."""

from __future__ import annotations

import re

import pytest

from hwctl.domain.monitoring import (
    CheckState,
    Thresholds,
    evaluate,
    format_age,
    parse_duration,
    parse_range,
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


# -- Monitoring Plugins ranges for the count thresholds ------------------------------------------
@pytest.mark.parametrize(
    ("text", "alerting", "quiet"),
    [
        ("5", [-1, 6, 100], [0, 3, 5]),  # N is 0:N: alert above N (and below 0)
        ("10:", [0, 9], [10, 11, 10**9]),  # N: alerts below N
        ("~:5", [6, 100], [-100, 0, 5]),  # no lower end
        ("10:20", [9, 21], [10, 15, 20]),  # outside, the ends included in the range
        ("@10:20", [10, 15, 20], [9, 21]),  # @ alerts inside
        ("@5", [0, 5], [-1, 6]),
        ("2.5", [3], [2]),
        ("~:", [], [-(10**9), 0, 10**9]),
    ],
)
def test_a_range_alerts_as_the_monitoring_plugins_guidelines_say(
    text: str, alerting: list[int], quiet: list[int]
) -> None:
    limit = parse_range(text)
    assert limit.text == text
    assert [v for v in alerting + quiet if limit.alerts(v)] == alerting


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "is not a threshold (use N, N:, ~:N, N:M or @N:M)"),
        ("abc", "is not a threshold"),
        ("@", "is not a threshold"),
        ("~", "is not a threshold"),
        ("5:2", "its start is above its end"),
        ("-1", "N means 0:N, so N cannot be negative"),
        ("1e3", "is not a threshold"),
        ("nan", "is not a threshold"),
        ("5::6", "is not a threshold"),
    ],
)
def test_a_threshold_that_is_not_a_range_is_refused(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_range(text)


@pytest.mark.parametrize(
    ("pending", "warn", "crit", "state"),
    [
        (4, "10:", "2:", CheckState.WARNING),
        (1, "10:", "2:", CheckState.CRITICAL),
        (4, "@3:5", None, CheckState.WARNING),
        (4, "1:10", "@4", CheckState.CRITICAL),
        (4, "~:4", "~:9", CheckState.OK),
    ],
)
def test_ranges_give_the_state(
    pending: int, warn: str, crit: str | None, state: CheckState
) -> None:
    limits = Thresholds(parse_range(warn), None if crit is None else parse_range(crit))
    assert evaluate(pending, 100, limits) is state


def test_crit_below_warn_is_refused_only_for_plain_numbers() -> None:
    def problem(warn: str, crit: str) -> str | None:
        return Thresholds(parse_range(warn), parse_range(crit)).problem()

    assert problem("5", "3") == "--crit 3 is below --warn 5"
    assert problem("5", "5") is None
    assert problem("3", "5") is None
    assert problem("10:20", "3") is None  # ranges are taken as given
    assert problem("5", "~:3") is None
    assert problem("@5", "3") is None
    assert Thresholds(warn_age=3600, crit_age=60).problem() == (
        "--crit-age (60s) is below --warn-age (3600s)"
    )
    assert Thresholds(warn_age=60, crit_age=3600).problem() is None
