"""Monitoring rules for the pending report: durations as people type them, ages as a check line
shows them, and the monitoring-plugin states with their threshold logic.

Thresholds follow the monitoring-plugins convention: a warning threshold of 3 means "at most 3 is
fine", so the state is WARNING when the value is greater than 3 (the same for the critical and
the age thresholds). Stdlib only: durations are parsed while the command line is, before anything
heavy is imported.
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


@dataclass(frozen=True)
class Thresholds:
    """Limits for check mode; None means "not checked". Ages are in seconds."""

    warn: int | None = None
    crit: int | None = None
    warn_age: int | None = None
    crit_age: int | None = None

    @property
    def active(self) -> bool:
        """Check mode is on as soon as one threshold is given."""
        return any(v is not None for v in (self.warn, self.crit, self.warn_age, self.crit_age))


def _over(value: int | None, limit: int | None) -> bool:
    return value is not None and limit is not None and value > limit


def evaluate(pending: int, oldest_age: int | None, limits: Thresholds) -> CheckState:
    """The worst state any threshold reaches. No pending order has no age, so the age limits
    cannot fire then."""
    if _over(pending, limits.crit) or _over(oldest_age, limits.crit_age):
        return CheckState.CRITICAL
    if _over(pending, limits.warn) or _over(oldest_age, limits.warn_age):
        return CheckState.WARNING
    return CheckState.OK
