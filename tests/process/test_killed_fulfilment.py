"""A large fulfilment killed with SIGKILL, on SQLite and on PostgreSQL: the order is left
untouched or completely fulfilled, never half; a retry completes it; the store stays sound.

`hwctl fulfill N --csv shipped.csv --yes --format json` runs as a real process (the console
script) on an approved order of thousands of desk phones. The test watches it from outside and
kills it at moments it can see, not after guessed delays:

- "store open": the process has its connection to the store (SQLite: the database file among
  its open files; PostgreSQL: its backend, found by application name), no write lock yet;
- "write lock": its write transaction holds the lock (SQLite: another connection's
  `BEGIN IMMEDIATE` fails at once; PostgreSQL: its backend has a transaction id, i.e. the
  order row is locked FOR UPDATE);
- "writing": the transaction is writing (SQLite: the WAL grows while the lock is held, the
  commit under way; PostgreSQL: its backend runs the INSERT of the devices);
- "devices seen": another connection sees one of the order's devices (so a fulfilment that
  committed its devices apart from the order's status and audit entry would be caught half);
- "committed": its report has started on stdout, a pipe the test does not drain (the JSON of
  thousands of devices fills it), so the process is stuck after the commit, before its exit.

The first two must leave the order untouched, the last two fulfilled; "writing" may leave
either (a commit cut short by the kill never shows). After every kill, nothing half-done: the
order is approved with no device, no `fulfill` audit entry and no `order.fulfilled` event, or
fulfilled with one device per unit, one entry and one event.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_races import child_env
from tests.conftest import ADMIN, Cli, act, make_order

UNITS = 2000  # desk phones per order: seconds per fulfilment on 2 busy cores, not minutes
HWCTL = str(Path(sys.executable).with_name("hwctl"))  # the console script of this venv
PATIENCE_S = 60  # how long a watched process may take to reach a moment (never reached)


def mac_of(first: int, k: int) -> str:
    """The k-th MAC of a batch, under Yealink's 80:5E:C0 (the catalog's T54W is a Yealink)."""
    return f"805ec0{first + k:06x}"


def write_csv(path: Path, first: int, count: int) -> list[str]:
    macs = [mac_of(first, k) for k in range(count)]
    colons = (":".join(m[i : i + 2] for i in range(0, 12, 2)) for m in macs)
    path.write_text("MAC Address\n" + "".join(f"{m.upper()}\n" for m in colons), "utf-8")
    return macs


# -- what the store says about an order ---------------------------------------------------------
@dataclass(frozen=True)
class State:
    status: str
    fulfilled_at: Any
    devices: int  # devices of the order
    units_with_device: int
    macs: frozenset[str]  # the batch's MACs the store knows, whatever their order
    entries: int  # `fulfill` audit entries of the order
    events: int  # `order.fulfilled` events in the outbox

    @property
    def untouched(self) -> bool:
        left = (self.devices, self.units_with_device, len(self.macs), self.entries, self.events)
        return (self.status, self.fulfilled_at, left) == ("approved", None, (0, 0, 0, 0, 0))

    def complete(self, macs: list[str]) -> bool:
        return (
            self.status == "fulfilled"
            and self.fulfilled_at is not None
            and self.devices == self.units_with_device == len(macs)
            and self.macs == frozenset(macs)
            and (self.entries, self.events) == (1, 1)
        )


def state_of(store, order: int, macs: list[str]) -> State:  # noqa: ANN001
    from sqlalchemy import text

    one = {"o": order}
    with store.engine.connect() as conn:

        def scalar(sql: str, **params: Any) -> Any:
            return conn.execute(text(sql), {**one, **params}).scalar_one()

        status, fulfilled_at = conn.execute(
            text("SELECT status, fulfilled_at FROM hw_order WHERE id = :o"), one
        ).one()
        known = conn.execute(
            text("SELECT mac FROM device WHERE mac >= :lo AND mac <= :hi"),
            {"lo": min(macs), "hi": max(macs)},
        ).scalars()
        return State(
            status=status,
            fulfilled_at=fulfilled_at,
            devices=scalar("SELECT count(*) FROM device WHERE order_id = :o"),
            units_with_device=scalar(
                "SELECT count(*) FROM order_unit u WHERE u.order_id = :o"
                " AND EXISTS (SELECT 1 FROM device d WHERE d.order_unit_id = u.id)"
            ),
            macs=frozenset(known),
            entries=scalar(
                "SELECT count(*) FROM audit_entry WHERE order_id = :o AND action = 'fulfill'"
            ),
            events=scalar(
                "SELECT count(*) FROM webhook_event WHERE order_id = :o"
                " AND type = 'order.fulfilled'"
            ),
        )


# -- watching a fulfilment from outside --------------------------------------------------------
class Watch:
    """What can be seen of one hwctl process's work on the store, per backend."""

    def __init__(self, db_url: str, proc: subprocess.Popen[bytes], app_name: str) -> None:
        self.proc = proc
        self.app_name = app_name
        self.sqlite_path: str | None = None
        self.pg: Any = None
        if db_url.startswith("sqlite"):
            self.sqlite_path = db_url.removeprefix("sqlite:///")
            self.probe = sqlite3.connect(self.sqlite_path, timeout=0, isolation_level=None)
        else:
            import psycopg
            from sqlalchemy.engine import make_url

            dsn = make_url(db_url).set(drivername="postgresql")
            self.pg = psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True)

    def close(self) -> None:
        (self.probe if self.pg is None else self.pg).close()

    # SQLite
    def has_store_open(self) -> bool:
        if self.pg is not None:
            return self._backend() is not None
        assert self.sqlite_path
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for fd in os.listdir(f"/proc/{self.proc.pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{self.proc.pid}/fd/{fd}") == self.sqlite_path:
                        return True
        return False

    def holds_write_lock(self) -> bool:
        if self.pg is not None:
            backend = self._backend()
            return backend is not None and backend[1] is not None
        try:
            self.probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            assert "locked" in str(e), e
            return True
        self.probe.execute("ROLLBACK")
        return False

    def wal_size(self) -> int:
        try:
            return os.path.getsize(f"{self.sqlite_path}-wal")
        except FileNotFoundError:
            return 0

    # PostgreSQL
    def _backend(self) -> tuple[int, Any, str, str] | None:
        """(pid, backend_xid, state, query) of the watched process's backend."""
        rows = self.pg.execute(
            "SELECT pid, backend_xid, state, query FROM pg_stat_activity"
            " WHERE application_name = %s",
            (self.app_name,),
        ).fetchall()
        assert len(rows) <= 1, rows  # one connection: the pool keeps it for the whole command
        return rows[0] if rows else None

    def inserting_devices(self) -> bool:
        backend = self._backend()
        return (
            backend is not None
            and backend[1] is not None
            and backend[2] == "active"
            and backend[3].lstrip().upper().startswith("INSERT INTO DEVICE")
        )

    def backend_gone(self) -> bool:
        return self._backend() is None

    # both
    def sees_devices(self, order: int) -> bool:
        """Another connection sees a device of the order (its transaction committed)."""
        sql = "SELECT count(*) FROM device WHERE order_id = {}"
        if self.pg is None:
            return self.probe.execute(sql.format("?"), (order,)).fetchone()[0] > 0
        return self.pg.execute(sql.format("%s"), (order,)).fetchone()[0] > 0

    def reporting(self) -> bool:
        """Its report has begun on stdout: the use case returned, the transaction is over."""
        assert self.proc.stdout is not None
        readable, _, _ = select.select([self.proc.stdout], [], [], 0)
        return bool(readable)


def until(what: Callable[[], bool], proc: subprocess.Popen[bytes] | None, moment: str) -> None:
    """Poll `what` as fast as the probes go until it holds; `proc` must still be at work."""
    deadline = time.monotonic() + PATIENCE_S
    while not what():
        if proc is not None:
            assert proc.poll() is None, f"hwctl exited ({proc.returncode}) before '{moment}'"
        assert time.monotonic() < deadline, f"'{moment}' not seen within {PATIENCE_S} s"


@contextlib.contextmanager
def fulfilment(db_url: str, tmp_path: Path, order: int, csv: Path) -> Iterator[Watch]:
    """`hwctl fulfill ORDER --csv CSV --yes --format json` running, watched; killed on exit
    from the block if still running."""
    app_name = f"hwctl-killed-{uuid.uuid4().hex[:8]}"
    env = child_env(tmp_path) | {"PGAPPNAME": app_name}
    argv = [HWCTL, "--db", db_url, "--as", ADMIN, "fulfill", str(order), "--csv", str(csv),
            "--yes", "--format", "json"]  # fmt: skip
    with (tmp_path / "fulfill.err").open("wb") as err:
        proc = subprocess.Popen(argv, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=err)  # fmt: skip
    watch = Watch(db_url, proc, app_name)
    try:
        yield watch
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
        if watch.pg is not None:  # the server ends the backend once it sees the socket closed
            until(watch.backend_gone, None, "its backend gone")
        watch.close()


def kill_at(db_url: str, tmp_path: Path, order: int, csv: Path, moment: str) -> str:
    """Run the fulfilment and SIGKILL it at `moment`; returns the moment actually seen last
    ("writing" can be overtaken by the commit: then it says "committed")."""
    with fulfilment(db_url, tmp_path, order, csv) as watch:
        proc = watch.proc
        until(watch.has_store_open, proc, "store open")
        if moment != "store open":
            until(watch.holds_write_lock, proc, "write lock")
        seen = "write lock"
        if moment == "writing":
            if watch.pg is None:
                start = watch.wal_size()
                # The WAL grows while the lock is held (the commit writing its pages), or the
                # lock is gone already: the commit was quicker than one probe.
                until(lambda: watch.wal_size() > start or not watch.holds_write_lock(), proc,
                      "writing")  # fmt: skip
                seen = "writing" if watch.holds_write_lock() else "committed"
            else:
                until(lambda: watch.inserting_devices() or not watch.holds_write_lock(), proc,
                      "writing")  # fmt: skip
                seen = "writing" if watch.holds_write_lock() else "committed"
        elif moment == "devices seen":
            until(lambda: watch.sees_devices(order), proc, "devices seen")
            seen = "devices seen"
        elif moment == "committed":
            until(watch.reporting, proc, "committed")
            seen = "committed"
        elif moment == "store open":
            seen = "store open"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL, "hwctl ended before it was killed"
    return seen


def assert_store_sound(db_url: str, cli: Cli) -> None:
    """SQLite's integrity and foreign-key checks pass; the audit chain verifies."""
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            conn.close()
    verified = cli("audit", "verify")
    assert verified.exit_code == 0, (verified.exit_code, verified.stdout, verified.stderr)


def retry(db_url: str, tmp_path: Path, order: int, csv: Path) -> dict[str, Any]:
    """The same command again, not killed: exit 0 and its JSON report."""
    done = subprocess.run(
        [HWCTL, "--db", db_url, "--as", ADMIN, "fulfill", str(order), "--csv", str(csv), "--yes",
         "--format", "json"],
        env=child_env(tmp_path), cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True,
        timeout=PATIENCE_S,
    )  # fmt: skip
    assert done.returncode == 0, (done.returncode, done.stderr.decode())
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    return json.loads(done.stdout)


def approved_order(store) -> int:  # noqa: ANN001
    """An approved order of UNITS desk phones, on a platform with a webhook for fulfilments
    (so the fulfilment's transaction also writes an `order.fulfilled` event to the outbox)."""
    from hwctl.app import webhooks

    webhooks.add(act(store), "Acme Voice", "http://127.0.0.1:9/hwctl", ["order.fulfilled"],
                 insecure=True, transport=webhooks.network())  # fmt: skip
    return make_order(store, "approved", items=[{"sku": "T54W", "quantity": UNITS}])


def test_a_fulfilment_killed_before_or_while_writing_leaves_the_order_untouched_or_whole_and_a_retry_completes_it(  # noqa: E501
    seeded, cli: Cli, db_url: str, tmp_path: Path
) -> None:
    """2000 desk phones; killed once its store is open, once it holds the write lock, once
    while it writes; each leaves the order untouched (or, for the last only, whole); then the
    same command completes it: 2000 devices, one audit entry, one event."""
    order = approved_order(seeded)
    csv = tmp_path / "shipped.csv"
    macs = write_csv(csv, 0x100000, UNITS)
    seen = []
    for moment in ("store open", "write lock", "writing"):
        seen.append(kill_at(db_url, tmp_path, order, csv, moment))
        after = state_of(seeded, order, macs)
        if moment == "writing":
            assert after.untouched or after.complete(macs), (seen, after)
        else:
            assert after.untouched, (seen, after)
        assert_store_sound(db_url, cli)
    report = retry(db_url, tmp_path, order, csv)
    committed = seen[-1] == "committed" and not state_of(seeded, order, macs).untouched
    assert report["status"] == ("already fulfilled" if committed else "fulfilled"), seen
    assert (report["created"], report["open"]) == ((0, 0) if committed else (UNITS, 0))
    assert sorted(d["mac"] for d in report["devices"]) == macs
    assert state_of(seeded, order, macs).complete(macs)
    assert_store_sound(db_url, cli)


@pytest.mark.parametrize("moment", ["devices seen", "committed"])
def test_a_fulfilment_killed_once_its_devices_show_leaves_the_order_fulfilled_and_a_retry_is_a_no_op(  # noqa: E501
    moment: str, seeded, cli: Cli, db_url: str, tmp_path: Path
) -> None:
    """Killed the moment another connection sees one of its devices, or while it prints its
    report (after the commit, before its exit): the order is fulfilled whole, never a part of
    it; running the command again writes nothing ("already fulfilled")."""
    order = approved_order(seeded)
    csv = tmp_path / "shipped.csv"
    macs = write_csv(csv, 0x200000, UNITS)
    assert kill_at(db_url, tmp_path, order, csv, moment) == moment
    assert state_of(seeded, order, macs).complete(macs)
    assert_store_sound(db_url, cli)
    report = retry(db_url, tmp_path, order, csv)
    assert (report["status"], report["created"], report["skipped"]) == (
        "already fulfilled", 0, UNITS)  # fmt: skip
    assert state_of(seeded, order, macs).complete(macs)  # still one entry, one event
    assert_store_sound(db_url, cli)
