"""Order ids for TAB completion, read with the stdlib sqlite3 module only (fast start).

Only SQLite stores are read; for PostgreSQL, completing ids would cost an ORM import and a
network round trip per TAB, so nothing is offered. Any problem means no suggestions.
"""

from __future__ import annotations

import sqlite3


def open_order_ids(limit: int = 200, db: str | None = None) -> list[str]:
    """Pending and approved order ids, newest first; `db` is the --db value if one was typed."""
    try:
        from hwctl.app.settings import resolve_store
        from hwctl.app.words import OPEN_STATUSES, sql_list

        location = resolve_store(db)
        path = location.sqlite_path
        if path is None or not path.is_file():  # a FIFO would block the open below
            return []
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.2)
        try:
            rows = conn.execute(
                f"SELECT id FROM hw_order WHERE status IN ({sql_list(OPEN_STATUSES)}) "
                "ORDER BY ordered_at DESC, id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        finally:
            conn.close()
        return [str(r[0]) for r in rows]
    except Exception:  # noqa: BLE001 - completion must never fail loudly
        return []
