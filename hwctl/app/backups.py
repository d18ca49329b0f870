"""Backing up the store: `hwctl db backup FILE`.

Who may: anyone who can read the store's file. A backup reads what the file already lets its
reader copy (`cp` would, only not consistently while others write), writes nothing to the store,
and must work before any super-admin is registered (the first thing to do before an upgrade);
a super-admin check would guard nothing, and the file's permissions stay the gate. The backup
is created 0600. It is not audited: the store is not changed, and a read-only store (`?mode=ro`)
can be backed up too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hwctl.config import StoreLocation
from hwctl.errors import StoreError
from hwctl.store.backup import Backup, pg_dump_command
from hwctl.store.engine import Store

if TYPE_CHECKING:
    from hwctl.app.context import Context


def announce_backups(ctx: Context, notify: Callable[[str], None]) -> None:
    """Have `notify` told where the backup went when the context's store (SQLite) is backed
    up before its automatic upgrade, on its first use by any command."""
    ctx.store.notify = notify


def backup_store(location: StoreLocation, target: Path) -> Backup:
    """Copy the SQLite store at `location` to the new file `target` (consistent while others
    write; atomic; never over an existing file, never into a missing folder). A PostgreSQL
    store is refused with the `pg_dump` command that backs it up: nothing was backed up."""
    if not location.is_sqlite:
        raise StoreError(
            "hwctl does not back up a PostgreSQL store, nothing was backed up: use pg_dump: "
            f"{pg_dump_command(location.url, str(target))}",
            store=location.masked,
        )
    path = location.sqlite_path
    if path is None or location.in_memory:
        raise StoreError(
            f"the store {location.masked} lives in memory only: there is nothing to back up",
            store=location.masked,
        )
    try:
        exists = path.exists()  # anything but a regular file: refused by Store below
    except OSError:
        exists = False
    if not exists:
        raise StoreError(
            f"the store {path} does not exist: there is nothing to back up", store=str(path)
        )
    store = Store(location, auto_migrate=False)  # a backup never migrates what it copies
    try:
        return store.backup(target)
    finally:
        store.engine.dispose()
