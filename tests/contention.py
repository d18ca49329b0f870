"""Races in one process without timing assumptions: the contender that gets the lock first is
held at a statement of its write (`hold`) until another thread has tried to take the same lock
(a statement in `takes`: SQLite's `BEGIN IMMEDIATE`, a `SELECT … FOR UPDATE`, an advisory
lock), and on PostgreSQL until the server shows a session of the store's database waiting for
a lock. So a test that uses it knows both contenders wanted the same thing at the same time;
without it, one thread could finish before the other started and the test pass all the same.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"
WAIT_S = 60.0  # a guard against a hang, not a timing assumption: the wait ends on an event


@dataclass
class Contest:
    hold: str  # the statement (upper-case prefix) at which the first writer waits
    takes: tuple[str, ...]  # statements (upper-case, by substring) that take the contested lock
    holder: int | None = None  # the thread held at `hold`
    takers: set[int] = field(default_factory=set)
    tried: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def contended(self) -> bool:
        """Another thread tried to take the lock while the holder held it."""
        return self.tried.is_set() and self.holder is not None


def _one_line(statement: str) -> str:
    return " ".join(statement.split()).upper()


@contextmanager
def contest(store: Any, *, hold: str, takes: tuple[str, ...]) -> Iterator[Contest]:  # noqa: ANN401
    """Watch the statements `store` runs while the block runs (see the module)."""
    state = Contest(hold.upper(), tuple(t.upper() for t in takes))
    postgresql = store.engine.dialect.name == "postgresql"

    def watch(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        me, text = threading.get_ident(), _one_line(statement)
        with state._lock:
            if any(t in text for t in state.takes):
                state.takers.add(me)
                if state.holder is not None and me != state.holder:
                    state.tried.set()
            hold_here = text.startswith(state.hold) and state.holder is None
            if hold_here:
                state.holder = me
                if state.takers - {me}:
                    state.tried.set()
        if hold_here:
            assert state.tried.wait(WAIT_S), "no other contender tried to take the lock"
            if postgresql:
                _until_a_session_waits_for_a_lock(store)

    event.listen(store.engine, "before_cursor_execute", watch)
    try:
        yield state
    finally:
        event.remove(store.engine, "before_cursor_execute", watch)


def _until_a_session_waits_for_a_lock(store: Any) -> None:  # noqa: ANN401
    """Poll pg_stat_activity, from a connection of its own, until a session of the store's
    database waits for a lock (a row lock or an advisory lock): the other contender."""
    import psycopg

    url = store.engine.url
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    deadline = time.monotonic() + WAIT_S
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            found = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND wait_event_type = 'Lock'",
                (url.database,),
            ).fetchone()
            if found and found[0]:
                return
            time.sleep(0.01)
    raise AssertionError("no session waited for the lock")
