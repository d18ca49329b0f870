"""Files a door reads and writes for a person: an input FILE (`hwctl.reading.read_regular`: a
regular file or a pipe, capped) and a report written with `--output` (`hwctl.io.files`).
Re-exported so that a door imports the application layer only. Cheap to import."""

from __future__ import annotations

from hwctl.io.files import write_output
from hwctl.reading import Unreadable, read_regular, too_large

__all__ = ["Unreadable", "read_regular", "too_large", "write_output"]
