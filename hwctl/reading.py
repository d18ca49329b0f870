"""Reading a file hwctl is given (the config file, a draft, a JSON document, a shipping CSV),
by one rule, in one place (`read_regular`):

- Only a regular file (a symlink is followed to its target) is read, and at most `limit` bytes of
  it: a bigger one is refused, never read into memory first. Anything else (a device such as
  /dev/zero, a FIFO, a socket, a folder) is refused after a `stat`, without being opened:
  opening a FIFO waits for a writer, opening some devices acts on them.
- With `streams=True` (the documents and CSVs a command reads), a name of an open descriptor
  that is a pipe (`hwctl submit <(jq ...)`, /dev/stdin in a pipeline) is read as standard input
  is: as a stream, with the same cap.

Every refusal is one line, `{name}: {reason}` (`Unreadable`, an InvalidInput). Stdlib only, and
beside the layers: the config (which the store imports), the readers and the CLI all use it.
"""

from __future__ import annotations

import os
import re
import stat

from hwctl.errors import InvalidInput

_DESCRIPTOR_FOLDER = re.compile(r"^/proc/[^/]+/(task/[^/]+/)?fd$")
_MAX_LINKS = 40  # the kernel's own limit before ELOOP


def names_a_descriptor(path: str | os.PathLike[str]) -> bool:
    """Whether `path`, or a symlink on the way to its target, is an entry of a process's fd folder
    (/dev/stdout -> /proc/self/fd/1; /dev/fd/2 lives in /proc/self/fd)."""
    current = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        folder = os.path.realpath(os.path.dirname(current))
        if _DESCRIPTOR_FOLDER.match(folder):
            return True
        try:
            link = os.readlink(current)
        except OSError:  # not a symlink, or not there: the end of the chain
            return False
        current = os.path.join(folder, link)
    return False


def file_kind(mode: int) -> str:
    """What a path that is not a regular file names, by its `st_mode`: "a character device"
    (/dev/null, /dev/zero), "a FIFO"... (the store's path is refused in the same words)."""
    for test, words in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return words
    return "not a regular file"


class Unreadable(InvalidInput):
    """A file hwctl was to read and did not: the message is `{label}: {reason}`; `reason` alone
    reads after a name ("is not a regular file (a FIFO)"), `missing` when there is no such
    file (a caller may take that as "none")."""

    def __init__(self, label: str, reason: str, *, missing: bool = False) -> None:
        super().__init__(f"{label}: {reason}", file=label, reason=reason)
        self.reason = reason
        self.missing = missing


def size_words(limit: int) -> str:
    """256 MiB, 256 KiB, 100 bytes."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if limit >= 1 << shift and limit % (1 << shift) == 0:
            return f"{limit >> shift} {unit}"
    return f"{limit} bytes"


def too_large(label: str, limit: int) -> Unreadable:
    return Unreadable(label, f"is larger than {size_words(limit)}, more than hwctl reads")


def _refusal(label: str, error: OSError) -> Unreadable:
    if isinstance(error, FileNotFoundError):
        return Unreadable(label, "no such file", missing=True)
    if isinstance(error, IsADirectoryError):
        return Unreadable(label, "is a directory")
    if isinstance(error, PermissionError):
        return Unreadable(label, "permission denied")
    return Unreadable(label, error.strerror or type(error).__name__)


def read_regular(
    path: str | os.PathLike[str],
    *,
    limit: int,
    label: str | None = None,
    streams: bool = False,
) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them, by the rules in the module
    docstring. Refusals raise Unreadable: `{label}: {reason}` (label defaults to the path)."""
    label = label or str(path)
    try:
        info = os.stat(path)  # follows symlinks: a link to /dev/zero is a character device
    except OSError as e:
        raise _refusal(label, e) from e
    stream = streams and stat.S_ISFIFO(info.st_mode) and names_a_descriptor(path)
    if stat.S_ISDIR(info.st_mode):
        raise Unreadable(label, "is a directory")
    if not (stat.S_ISREG(info.st_mode) or stream):
        raise Unreadable(label, f"is not a regular file ({file_kind(info.st_mode)})")
    if info.st_size > limit:
        raise too_large(label, limit)
    try:
        # O_NONBLOCK: should the path have become a FIFO since the stat, the open does not wait
        # for a writer; the fstat below refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as e:
        raise _refusal(label, e) from e
    with os.fdopen(fd, "rb") as fh:
        opened = os.fstat(fd)
        if not (stat.S_ISREG(opened.st_mode) or (stream and stat.S_ISFIFO(opened.st_mode))):
            raise Unreadable(label, f"is not a regular file ({file_kind(opened.st_mode)})")
        if stream:
            os.set_blocking(fd, True)  # a pipe is read as standard input is: until its end
        try:
            data = fh.read(limit + 1)  # a file that grew, or one of /proc's that says 0 bytes
        except OSError as e:
            raise _refusal(label, e) from e
    if len(data) > limit:
        raise too_large(label, limit)
    return data
