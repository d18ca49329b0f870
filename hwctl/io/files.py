"""Writing an output file (`hwctl report pending --output PATH`) without ever replacing what is
not ours to replace.

- A regular file, or a path that does not exist yet, is written atomically: a temporary file in
  the same folder, flushed and fsynced, then renamed over the path, so that a reader
  (node_exporter's textfile collector) never sees half of it. An existing file keeps its mode; a
  new one follows the umask (a 0600 temporary file would lock other readers out).
- A symlink is followed and the rule applies to its target: the target is replaced, the link
  stays a link (a dangling link gets its target created).
- Anything else (a FIFO, a character device such as /dev/null or a terminal, a socket) and every
  name of an open descriptor (/dev/stdout, /dev/fd/N, /proc/self/fd/N, whatever it points to)
  is opened and written through, never renamed over: renaming a file onto /dev/stdout as root
  would replace the machine's /dev/stdout with a regular file.
- A folder is refused.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from hwctl.errors import InvalidInput
from hwctl.reading import names_a_descriptor


def write_output(path: str | os.PathLike[str], text: str, *, label: str | None = None) -> None:
    """Write `text` (UTF-8, newlines as given) to `path` by the rules in the module docstring.
    Failures raise InvalidInput with one line: `{label}: {reason}` (label defaults to the path)."""
    label = label or str(path)
    try:
        info = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        info = None  # a new path, or a dangling symlink: created atomically at the target
    except OSError as e:
        raise InvalidInput(f"{label}: {e.strerror}") from e
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InvalidInput(f"{label}: is a directory")
    if names_a_descriptor(path) or (info is not None and not stat.S_ISREG(info.st_mode)):
        _write_through(path, text, label)
        return
    mode = stat.S_IMODE(info.st_mode) if info is not None else None
    _write_atomic(Path(os.path.realpath(path)), text, label, mode)


def _write_through(path: str | os.PathLike[str], text: str, label: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as e:
        raise InvalidInput(f"{label}: {e.strerror}") from e


def _write_atomic(target: Path, text: str, label: str, mode: int | None) -> None:
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise InvalidInput(f"{label}: {e.strerror}") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise InvalidInput(f"{label}: {e.strerror}") from e
        raise
