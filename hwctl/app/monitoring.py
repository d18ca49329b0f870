"""A monitoring check's terms (`hwctl report pending -w/-c`): thresholds, ranges, durations and
the check's state, from the domain's rules (`hwctl.domain.monitoring`), for a door to parse its
options and decide its exit. Cheap to import (stdlib only)."""

from __future__ import annotations

from hwctl.domain.monitoring import (
    CheckState,
    Range,
    Thresholds,
    evaluate,
    format_age,
    parse_duration,
    parse_range,
)

__all__ = [
    "CheckState",
    "Range",
    "Thresholds",
    "evaluate",
    "format_age",
    "parse_duration",
    "parse_range",
]
