"""Fulfilment drafts: the identifiers typed so far for an order, kept in the user state dir
(`drafts/order-N.json`, 0600) so that Ctrl-C loses nothing; removed once the order is fulfilled."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from hwctl.config import state_dir


def draft_path(order_id: int) -> Path:
    return state_dir() / "drafts" / f"order-{order_id}.json"


def load(order_id: int) -> dict[int, str]:
    """The saved answers (unit number -> text), or {} when there is no usable draft."""
    path = draft_path(order_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {int(k): str(v) for k, v in data.get("answers", {}).items() if str(v).strip()}
    except (OSError, ValueError, AttributeError):
        return {}


def save(order_id: int, answers: dict[int, str]) -> Path:
    """Write atomically (temporary file, then rename), readable only by the user."""
    path = draft_path(order_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    payload = {"order": order_id, "answers": {str(k): v for k, v in sorted(answers.items())}}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".order-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def remove(order_id: int) -> None:
    draft_path(order_id).unlink(missing_ok=True)
