"""Backups of a SQLite store: SQLite's online backup API into a temporary file in the target's
folder, flushed to disk, then published under its name with a hard link, which fails instead of
replacing a file that is already there. A crash or a full disk leaves at most the temporary
file's name behind (`.NAME.….partial`, removed when the failure can be caught), never a half
backup under the final name.

The copy is one step of `sqlite3_backup_step(-1)`: it reads the store in one read transaction,
so it is a consistent snapshot while other processes keep writing (in WAL mode they are not even
held up). PostgreSQL stores are `pg_dump`'s job: `pg_dump_command` spells it for a store's URL.
"""

from __future__ import annotations

import errno
import os
import shlex
import sqlite3
import tempfile
import unicodedata
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from hwctl.errors import StoreError


def shown(path: Path | str) -> str:
    """A file name as a message shows it: control characters, invisible formatting characters
    and bytes that are not UTF-8 escaped (`\\x1b`, `\\u202e`, `\\xff`), so a name from the
    command line never drives the terminal, and what is shown still names the file."""
    out = []
    for ch in str(path):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode keeps it
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or 0x7F <= code <= 0x9F or ch == "\\":
            out.append(f"\\x{code:02x}" if ch != "\\" else "\\\\")
        elif unicodedata.category(ch) in ("Cf", "Cs", "Zl", "Zp"):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    escaped = "".join(out)
    # A backslash is doubled only beside an escape, where it could be read as one.
    return escaped if escaped != str(path).replace("\\", "\\\\") else str(path)


def _shell_word(text: str) -> str:
    """`text` as one word for a POSIX shell; with bash's $'…' quoting when it holds characters
    `shown` escapes, so the command can be pasted and names the same file."""
    escaped = shown(text)
    if escaped == text:
        return shlex.quote(text)
    return "$'" + escaped.replace("'", "\\'") + "'"


@dataclass(frozen=True)
class Backup:
    """A backup written: where, how big (bytes), the schema revision and orders it holds."""

    path: Path
    size: int
    revision: str | None
    orders: int

    @property
    def shown_path(self) -> str:
        return shown(self.path)


def check_target(target: Path, store_path: Path) -> None:
    """Refuse a backup file name that exists (the store itself above all), or whose folder does
    not: nothing is ever overwritten, and no folder is created."""
    if os.path.lexists(target):
        with suppress(OSError):
            if target.samefile(store_path):
                raise StoreError(
                    f"{shown(target)} is the store itself: name a new file for the backup",
                    target=str(target),
                )
        if target.is_dir():
            raise StoreError(
                f"{shown(target)} is a folder: name a new file in it for the backup",
                target=str(target),
            )
        raise StoreError(
            f"{shown(target)} already exists: hwctl never overwrites a file, name a new one "
            "for the backup",
            target=str(target),
        )
    folder = target.parent
    if not folder.exists():
        raise StoreError(
            f"cannot write the backup {shown(target)}: the folder {shown(folder)} does not exist",
            target=str(target),
        )
    if not folder.is_dir():
        raise StoreError(
            f"cannot write the backup {shown(target)}: {shown(folder)} is not a folder",
            target=str(target),
        )


def _publish(temporary: Path, target: Path) -> None:
    """Give the finished temporary file its final name, never replacing a file that appeared
    there meanwhile (a hard link fails with EEXIST, a rename would overwrite)."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise StoreError(
            f"{shown(target)} already exists: hwctl never overwrites a file, name a new one "
            "for the backup",
            target=str(target),
        ) from None
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        # A file system without hard links: a rename, after one more look.
        if os.path.lexists(target):
            raise StoreError(
                f"{shown(target)} already exists: hwctl never overwrites a file", target=str(target)
            ) from None
        os.rename(temporary, target)


def _fsync_folder(folder: Path) -> None:
    with suppress(OSError):  # not every file system lets a folder be opened and synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _count_orders(conn: sqlite3.Connection) -> int:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "hw_order" not in tables:
        return 0
    return int(conn.execute("SELECT count(*) FROM hw_order").fetchone()[0])


def _revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def write_backup(source: sqlite3.Connection, target: Path) -> Backup:
    """Copy the database of `source` (a connection with no write of its own pending) to the
    new file `target`, atomically. StoreError, with nothing under `target`, when it cannot."""
    folder = target.parent
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=folder)
    except OSError as e:
        reason = e.strerror or str(e)
        raise StoreError(
            f"cannot write the backup {shown(target)}: {reason}; no backup was written",
            target=str(target),
            reason=reason,
        ) from e
    os.close(fd)  # created 0600: a backup holds everything the store does
    temporary = Path(name)
    try:
        dest = sqlite3.connect(temporary, isolation_level=None)
        try:
            source.backup(dest)  # pages=-1: the whole store in one read transaction
            # One self-contained file: the copy of a WAL store would otherwise need -wal/-shm.
            dest.execute("PRAGMA journal_mode = DELETE")
            revision, orders = _revision(dest), _count_orders(dest)
        finally:
            dest.close()
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        _publish(temporary, target)
        _fsync_folder(folder)
        return Backup(target, target.stat().st_size, revision, orders)
    except (sqlite3.Error, OSError) as e:
        reason = (e.strerror if isinstance(e, OSError) else None) or str(e)
        raise StoreError(
            f"cannot write the backup {shown(target)}: {reason}; no backup was written",
            target=str(target),
            reason=reason,
        ) from e
    finally:
        for leftover in (temporary, *(Path(f"{temporary}{s}") for s in ("-journal", "-wal"))):
            with suppress(OSError):
                leftover.unlink()


def pg_dump_command(url: str, target: str) -> str:
    """The `pg_dump` command line that backs up the PostgreSQL store at `url` into `target`:
    libpq's URL (no `+psycopg`), without the password (pg_dump reads PGPASSWORD or ~/.pgpass).
    `--enable-row-security`: the tables' owner is under the forced row-level security policies
    (migration 0006) and plain pg_dump refuses such tables; with it the policies apply, and
    they show every row to a session that sets no platform (a superuser bypasses them)."""
    parsed = make_url(url)
    libpq = URL.create(  # URL.set(password=None) would keep the password
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    rendered = libpq.render_as_string(hide_password=False)
    return (
        f"pg_dump --format=custom --enable-row-security --file={_shell_word(target)} "
        f"{shlex.quote(rendered)}"
    )
