"""The store's faults in words: every driver error a store raises becomes the one line a user
reads (`describe`), by SQLSTATE and SQLite's extended error name first: busy (55P03,
SQLITE_BUSY), connection lost (57P01-3; during COMMIT itself: "may or may not have been
saved"), disk full (53100, SQLITE_FULL, or an I/O error with under 1 MiB free), the file size
limit, a damaged file, a read-only file system; then the permission and read-only wording; then
the driver's first line (`describe_db_error`). It looks at the file system beside a SQLite
store (free space, permissions, `ulimit -f`) but never at the database: `engine.Store` calls it
with what it knows (the location, the dialect, its timeouts).
"""

from __future__ import annotations

import os
from pathlib import Path

from hwctl.config import StoreLocation, mask_password


def _sqlstate(err: BaseException) -> str | None:
    return getattr(getattr(err, "orig", None), "sqlstate", None)


def _sqlite_error(err: BaseException) -> str:
    """SQLITE_BUSY, SQLITE_READONLY_..., SQLITE_CANTOPEN (Python 3.11+), or ""."""
    return str(getattr(getattr(err, "orig", None), "sqlite_errorname", "") or "")


# Free space below which a SQLite I/O error on the store's file system is taken to be a full disk
# (SQLite reports ENOSPC as SQLITE_FULL when writing pages, but as SQLITE_IOERR_SHMSIZE, _WRITE or
# _TRUNCATE when it grows the -shm or -wal file beside the store).
_NEARLY_FULL = 1 << 20
# A PostgreSQL session the server ended: an administrator (pg_terminate_backend), a shutdown, a
# crash; and psycopg's words when the socket closed without a message.
_PG_GONE_STATES = {"57P01", "57P02", "57P03"}
_PG_GONE_WORDS = ("server closed the connection", "consuming input failed", "connection is lost",
                  "the connection is closed", "terminating connection")  # fmt: skip


def _first_line(err: BaseException) -> str:
    text = str(getattr(err, "orig", None) or err).strip().splitlines()
    return text[0].strip() if text else type(err).__name__


def _free_bytes(folder: Path) -> int | None:
    """Bytes this process may still write on the file system of `folder` (root may use the
    blocks reserved for it), or None when it cannot be told."""
    try:
        fs = os.statvfs(folder)
    except OSError:
        return None
    blocks = fs.f_bfree if os.geteuid() == 0 else fs.f_bavail
    return blocks * fs.f_frsize


def _read_only_file_system(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _file_size_limit(path: Path) -> int | None:
    """This process's file size limit (`ulimit -f`, RLIMIT_FSIZE) when it is what stopped a
    write: finite, and the store or a file beside it has grown to within 64 KiB of it. Python
    ignores SIGXFSZ, so the write fails with EFBIG, which SQLite reports as SQLITE_IOERR_WRITE."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft == resource.RLIM_INFINITY:
        return None
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            if path.with_name(path.name + suffix).stat().st_size >= soft - 65536:
                return soft
        except OSError:
            continue
    return None


def describe_db_error(location: StoreLocation, err: BaseException) -> str:
    """One line for a failure to reach or read the store, password masked."""
    text = str(getattr(err, "orig", None) or err).strip().splitlines()
    first = text[0] if text else type(err).__name__
    return mask_password(f"cannot use the store {location.masked}: {first}")


def _writable(path: Path) -> bool:
    try:
        return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)
    except OSError:
        return False


def _folder_denied(path: Path) -> bool:
    """The store's folder is not writable and the -wal/-shm files SQLite needs are not there."""
    sides = (path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm"))
    try:
        return not os.access(path.parent, os.W_OK | os.X_OK) and not all(
            side.exists() for side in sides
        )
    except OSError:
        return False


def _why_cannot_open(path: Path, read_only: bool) -> str | None:
    """Why SQLite said "unable to open database file", when the file system can tell."""
    try:
        exists = path.exists()
    except PermissionError:
        return f"permission denied on the folder {path.parent}"
    if not exists:
        return "the file does not exist"
    if not os.access(path, os.R_OK):
        return "permission denied"
    for side in (path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        if side.exists() and not os.access(side, os.R_OK):
            return f"permission denied on {side}"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        # WAL needs the -wal and -shm files beside the store.
        return (
            f"permission denied on the folder {path.parent} (SQLite needs to create "
            f"{path.name}-wal and {path.name}-shm there)"
        )
    if not read_only and not os.access(path, os.W_OK):
        return "permission denied (the file is not writable)"
    return None


def describe(
    err: BaseException,
    location: StoreLocation,
    *,
    dialect: str,
    busy_timeout_ms: int,
    connect_timeout_s: int,
    committing: bool = False,
) -> str:
    """One line for a database error: busy, read-only, full, damaged stores, SQLite files
    hwctl cannot open and PostgreSQL connections lost, in words; anything else as the driver
    says it. `committing`: the error came from COMMIT, whose outcome a lost connection
    leaves unknown."""
    masked = location.masked
    sqlstate, sqlite = _sqlstate(err), _sqlite_error(err)
    text = str(getattr(err, "orig", None) or err)
    if sqlstate == "55P03" or sqlite.startswith("SQLITE_BUSY") or "database is locked" in text:
        return (
            f"the store {masked} is busy: another session held the lock this command needs "
            f"for {busy_timeout_ms / 1000:g} s; try again"
        )
    if sqlstate in _PG_GONE_STATES or (
        sqlstate is None
        and dialect == "postgresql"
        and any(words in text for words in _PG_GONE_WORDS)
    ):
        if committing and getattr(err, "statement", None) is None:  # COMMIT itself
            return (
                f"the connection to the PostgreSQL server of the store {masked} was lost "
                f"while committing ({_first_line(err)}): the change may or may not have been "
                "saved; look (hwctl show, hwctl audit) before trying again"
            )
        return (
            f"the connection to the PostgreSQL server of the store {masked} was lost "
            f"({_first_line(err)}), so nothing was changed; try again"
        )
    if sqlstate == "53100":
        return (
            f"cannot write to the store {masked}: the PostgreSQL server's disk is full "
            f"({_first_line(err)}), so nothing was changed"
        )
    path = location.sqlite_path
    if path is not None and sqlite.startswith(("SQLITE_FULL", "SQLITE_IOERR")):
        free = _free_bytes(path.parent)
        if sqlite.startswith("SQLITE_FULL") or (free is not None and free < _NEARLY_FULL):
            return (
                f"cannot use the store {masked}: the disk is full (no space left on device "
                f"in {path.parent}), so nothing was changed; free some space and try again"
            )
        limit = _file_size_limit(path)
        if limit is not None:
            return (
                f"cannot write to the store {masked}: the file would grow beyond this "
                f"process's file size limit (ulimit -f, {limit} bytes), so nothing was "
                "changed"
            )
    if path is not None and sqlite.startswith("SQLITE_CORRUPT"):
        return (
            f"the store {masked} is damaged ({_first_line(err)}), so nothing was changed: "
            "restore it from a backup"
        )
    if (
        path is not None
        and (sqlite.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) or "unable to open" in text)
        and location.sqlite_query.get("immutable", "0") in ("0", "false")
        and _read_only_file_system(path.parent)
    ):
        # A WAL store is read through -wal and -shm files beside it; on read-only media
        # only `immutable=1` (no locks, no -shm) reads it.
        return (
            f"cannot use the store {path}: it is on a read-only file system (SQLite needs "
            f"to create {path.name}-wal and {path.name}-shm beside it); to read it there, "
            f"name it as sqlite:///{path}?immutable=1"
        )
    if path is not None and (
        sqlite == "SQLITE_READONLY_DIRECTORY"
        or (
            sqlite.startswith("SQLITE_READONLY") and not location.read_only and _folder_denied(path)
        )
    ):
        # A WAL store is read through -wal and -shm files beside it, even by a reader.
        return (
            f"cannot use the store {path}: permission denied on its folder {path.parent} "
            f"(SQLite needs to create {path.name}-wal and {path.name}-shm there)"
        )
    if sqlstate == "25006" or sqlite.startswith("SQLITE_READONLY") or ("readonly database" in text):
        if path is not None and not location.read_only and not _writable(path):
            return f"cannot write to the store {path}: permission denied, so nothing was changed"
        return (
            f"the store {masked} is read-only: this command needs to write, so nothing was changed"
        )
    if path is not None and (sqlite.startswith("SQLITE_CANTOPEN") or "unable to open" in text):
        problem = _why_cannot_open(path, location.read_only)
        if problem:
            return f"cannot open the store {path}: {problem}"
    if sqlstate is None and "connection timeout expired" in text:
        return (
            f"cannot use the store {masked}: connection timeout expired (the server did not "
            f"answer within {connect_timeout_s} s)"
        )
    return describe_db_error(location, err)
