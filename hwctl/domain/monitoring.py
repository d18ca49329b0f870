"""Monitoring rules for the pending report: durations as people type them, ages as a check line
shows them, and the monitoring-plugin states with their threshold logic.

Thresholds follow the monitoring-plugins convention. The count thresholds (--warn, --crit) are
ranges in the Monitoring Plugins syntax: `N` means `0:N` (alert above N, or below 0), `N:` alerts
below N, `~:N` alerts above N (no lower end), `N:M` alerts outside N..M, and a leading `@` alerts
inside the range instead; the ends are included in the range. The age thresholds are durations:
a state is reached when the oldest order is older. Stdlib only: thresholds and durations are
parsed while the command line is, before anything heavy is imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum


class CheckState(IntEnum):
    """Monitoring-plugin states; the value is the exit code."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)([smhdw])")


def parse_duration(text: str) -> int:
    """Seconds from `3600`, `90m`, `12h`, `3d`, `1w` or a sum such as `1d12h`.

    Raises ValueError with a message fit for the user."""
    value = text.strip().lower()
    if value.isdigit():
        return int(value)
    parts = _PART.findall(value)
    if not value or not parts or "".join(n + u for n, u in parts) != value:
        raise ValueError(
            f"{text!r} is not a duration (use seconds, or a number with s, m, h, d or w: "
            "3600, 90m, 12h, 3d, 1d12h)"
        )
    return sum(int(n) * UNIT_SECONDS[u] for n, u in parts)


def format_age(seconds: int) -> str:
    """The largest whole unit, rounded down: 518400 -> `6d`, 7200 -> `2h`, 59 -> `59s`."""
    for unit in ("d", "h", "m"):
        size = UNIT_SECONDS[unit]
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_RANGE = re.compile(rf"(?P<inside>@)?(?:(?P<start>{_NUMBER}|~)?(?P<colon>:))?(?P<end>{_NUMBER})?")
RANGE_FORMS = "N, N:, ~:N, N:M or @N:M"


@dataclass(frozen=True)
class Range:
    """A Monitoring Plugins threshold range: `start` and `end` are included, None is infinite
    (`~` for the start, nothing for the end). `text` is the range as given, for the check line's
    performance data."""

    start: float | None
    end: float | None
    inside: bool
    text: str

    @property
    def plain(self) -> bool:
        """A plain number (`5`), not a range with `:`, `@` or `~`."""
        return ":" not in self.text and "@" not in self.text

    def alerts(self, value: float) -> bool:
        """Whether `value` reaches this threshold: outside the range, or inside it with `@`."""
        within = (self.start is None or value >= self.start) and (
            self.end is None or value <= self.end
        )
        return within if self.inside else not within


def parse_range(text: str) -> Range:
    """A threshold range from `5`, `10:`, `~:5`, `10:20` or `@5:10` (see the module's docstring).

    Raises ValueError with a message fit for the user."""
    value = text.strip()
    match = _RANGE.fullmatch(value)
    if not value or match is None or (match["colon"] is None and match["end"] is None):
        raise ValueError(f"{text!r} is not a threshold (use {RANGE_FORMS})")
    if match["colon"] is None:  # a plain number N is 0:N
        start: float | None = 0.0
    elif match["start"] in (None, "~"):
        start = None if match["start"] == "~" else 0.0
    else:
        start = float(match["start"])
    end = None if match["end"] is None else float(match["end"])
    if match["colon"] is None and end is not None and end < 0:
        raise ValueError(f"{text!r} is not a threshold: N means 0:N, so N cannot be negative")
    if start is not None and end is not None and start > end:
        raise ValueError(f"{text!r} is not a threshold: its start is above its end")
    return Range(start, end, match["inside"] is not None, value)


def as_range(limit: int | Range | None) -> Range | None:
    """A count threshold as a range: a number N is the range `0:N`."""
    if limit is None or isinstance(limit, Range):
        return limit
    return parse_range(str(limit))


@dataclass(frozen=True)
class Thresholds:
    """Limits for check mode; None means "not checked". The counts are ranges (a number N is
    `0:N`), the ages seconds."""

    warn: int | Range | None = None
    crit: int | Range | None = None
    warn_age: int | None = None
    crit_age: int | None = None

    @property
    def active(self) -> bool:
        """Check mode is on as soon as one threshold is given."""
        return any(v is not None for v in (self.warn, self.crit, self.warn_age, self.crit_age))

    def problem(self) -> str | None:
        """Why these limits cannot be checked, or None. A critical threshold below the warning
        one would hide the warning: refused when both are plain numbers (ranges are taken as
        given), and for the ages."""
        warn, crit = as_range(self.warn), as_range(self.crit)
        if warn is not None and crit is not None and warn.plain and crit.plain:
            assert warn.end is not None and crit.end is not None  # a plain number has an end
            if crit.end < warn.end:
                return f"--crit {crit.text} is below --warn {warn.text}"
        ages = (self.warn_age, self.crit_age)
        if ages[0] is not None and ages[1] is not None and ages[1] < ages[0]:
            return f"--crit-age ({ages[1]}s) is below --warn-age ({ages[0]}s)"
        return None


def _over(value: int | None, limit: int | None) -> bool:
    return value is not None and limit is not None and value > limit


def _reaches(value: int, limit: int | Range | None) -> bool:
    threshold = as_range(limit)
    return threshold is not None and threshold.alerts(value)


def evaluate(pending: int, oldest_age: int | None, limits: Thresholds) -> CheckState:
    """The worst state any threshold reaches. No pending order has no age, so the age limits
    cannot fire then."""
    if _reaches(pending, limits.crit) or _over(oldest_age, limits.crit_age):
        return CheckState.CRITICAL
    if _reaches(pending, limits.warn) or _over(oldest_age, limits.warn_age):
        return CheckState.WARNING
    return CheckState.OK
