"""Fulfilment drafts, the file format: the identifiers typed so far for an order, kept in the
user state dir (`drafts/order-N-STORE-WHO.json`, 0600) so that Ctrl-C loses nothing. STORE is a
short hash of the store's location (the resolved file of a SQLite store, the password-masked URL
of a PostgreSQL one): order 7 of one store is not order 7 of another. WHO is a short hash of the
principal who typed them: one admin's draft is not offered to another acting from the same
account. When a draft is kept, resumed or dropped is the application's (`hwctl.app.drafts`)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from hwctl.config import StoreLocation, state_dir
from hwctl.errors import InvalidInput
from hwctl.reading import Unreadable, read_regular


def store_key(location: StoreLocation) -> str:
    """12 hex digits naming the store: the same file or server database gives the same key
    however it was spelled (a relative path, a symlink, sqlite:/// or a bare path)."""
    path = location.sqlite_path
    # Never the password in the key of a server store: the key must not change with it.
    identity = f"sqlite:{path.expanduser().resolve()}" if path is not None else location.masked
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12]


def owner_key(owner: str) -> str:
    """8 hex digits naming the principal a draft belongs to (its audit name)."""
    return hashlib.sha256(owner.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def draft_path(location: StoreLocation, order_id: int, owner: str) -> Path:
    name = f"order-{order_id}-{store_key(location)}-{owner_key(owner)}.json"
    return state_dir() / "drafts" / name


def unowned_path(location: StoreLocation, order_id: int) -> Path:
    """Where hwctl kept a draft before drafts had an owner (`order-N-STORE.json`): such a draft
    is offered to whoever fulfils the order next, as it was then, and goes when that one saves
    theirs or the draft is dropped, so an upgrade in the middle of a fulfilment loses nothing."""
    return state_dir() / "drafts" / f"order-{order_id}-{store_key(location)}.json"


# The most a draft may hold: one short identifier per unit typed, ~40 bytes each in JSON; far
# beyond any order (10,000 units a line), and a bound on what a draft replaced by something
# else (a link to /dev/zero) makes hwctl read.
DRAFT_MAX = 16 << 20


def load(location: StoreLocation, order_id: int, owner: str) -> dict[int, str]:
    """The saved answers (unit number -> text), or {} when there is no usable draft (none, or
    not JSON of a draft). A draft that is not a regular file, or larger than DRAFT_MAX, is
    refused (InvalidInput, one line) and left where it is: it is not one hwctl wrote."""
    path = draft_path(location, order_id, owner)
    answers = _read(path)
    if answers is None:
        answers = _read(unowned_path(location, order_id))
    return answers or {}


def _read(path: Path) -> dict[int, str] | None:
    """The answers of the draft at `path`; None when there is no such file."""
    try:
        raw = read_regular(path, limit=DRAFT_MAX)
    except Unreadable as e:
        if e.missing:
            return None
        if e.reason.startswith("is "):
            raise InvalidInput(f"the draft {path} {e.reason}; remove it to start afresh") from e
        return {}  # unreadable (permission...): as before, no usable draft
    try:
        data = json.loads(raw.decode("utf-8"))
        return {int(k): str(v) for k, v in data.get("answers", {}).items() if str(v).strip()}
    except (ValueError, AttributeError, RecursionError):  # RecursionError: nested too deep
        return {}


def save(location: StoreLocation, order_id: int, owner: str, answers: dict[int, str]) -> Path:
    """Write atomically (temporary file, then rename), readable only by the user."""
    path = draft_path(location, order_id, owner)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".order-", suffix=".tmp")
    except PermissionError as e:
        raise InvalidInput(f"cannot save the draft in {path.parent}: permission denied") from e
    except OSError as e:
        raise InvalidInput(f"cannot save the draft in {path.parent}: {e.strerror}") from e
    payload = {"order": order_id, "answers": {str(k): v for k, v in sorted(answers.items())}}
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    unowned_path(location, order_id).unlink(missing_ok=True)  # its answers are in this one now
    return path


def remove(location: StoreLocation, order_id: int, owner: str) -> None:
    draft_path(location, order_id, owner).unlink(missing_ok=True)
    unowned_path(location, order_id).unlink(missing_ok=True)


def remove_all(location: StoreLocation, order_id: int) -> None:
    """Every principal's draft of the order in this store (the order is fulfilled: no draft of
    it is of use any more)."""
    folder = state_dir() / "drafts"
    for path in folder.glob(f"order-{order_id}-{store_key(location)}-*.json"):
        path.unlink(missing_ok=True)
    unowned_path(location, order_id).unlink(missing_ok=True)
