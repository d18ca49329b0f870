"""A SQLite store's file before SQLite opens it: a regular file or nothing (a device, a FIFO or
a folder is refused, and nothing is created for a store named read-only), and a new store's
file created 0600, in a 0700 folder only for the default store.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hwctl.errors import StoreError
from hwctl.reading import file_kind


def _not_a_folder(folder: Path) -> Path | None:
    """The first of `folder` and its parents that exists but is not a folder (ENOTDIR)."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return None if candidate.is_dir() else candidate
    return None


def refuse_what_is_no_store(path: Path, *, read_only: bool) -> None:
    """A SQLite store's path names a regular file (a symlink is followed) or nothing. Anything
    else (/dev/null, a FIFO, a folder) is refused before SQLite opens it: it would read it as an
    empty database and write a `-journal` beside it (`/dev/null-journal`). Nothing is created
    for a store named read-only (`?mode=ro`, `?immutable=1`): a missing one is refused."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if read_only:
            raise StoreError(
                f"cannot open the store {path}: the file does not exist (the store is named "
                "read-only, so hwctl does not create it)"
            ) from None
        return
    except OSError:
        return  # a folder that cannot be entered...: said when the file is opened
    if stat.S_ISDIR(info.st_mode):
        raise StoreError(f"cannot open the store {path}: it is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise StoreError(
            f"cannot open the store {path}: it is not a regular file ({file_kind(info.st_mode)})"
        )


def prepare_sqlite_file(path: Path, *, create_folder: bool) -> None:
    """Create the file 0600 before sqlite3 creates it 0644. Only the default store's folder is
    created (0700): any other path is what the user typed, and a missing folder is a typo."""
    try:
        exists = path.exists()
    except PermissionError as e:
        raise StoreError(f"cannot open the store {path}: permission denied") from e
    if exists:
        return
    try:
        folder = path.parent
        blocker = _not_a_folder(folder)
        if blocker is not None:
            raise StoreError(f"cannot create the store {path}: {blocker} is not a folder")
        if create_folder:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        elif not folder.is_dir():
            raise StoreError(
                f"cannot create the store {path}: the folder {folder} does not exist "
                "(hwctl creates only the folder of its default store)"
            )
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        return
    except PermissionError as e:
        raise StoreError(f"cannot create the store {path}: permission denied") from e
    except OSError as e:
        raise StoreError(f"cannot create the store {path}: {e.strerror}") from e
