"""Races between real hwctl processes, on SQLite and on PostgreSQL.

Each test puts 8 hwctl processes on one order of a fresh store (8 registered super-admins, one
per process, so the winner has a name) and releases them at the same moment.

Starting 8 interpreters costs about 0.6 s of CPU each (most of it importing SQLAlchemy, Alembic
and Typer) on a 2-core machine, and they would reach the store seconds apart. So one launcher
process imports hwctl once (the console script's entry point and every hwctl module), then
forks the 8 racers. Each is its own OS process with its own connection to the store, runs
hwctl's entry point with its own argv, stdout and stderr, and exits the way `hwctl` does. Each
racer says it is ready on a pipe, then blocks reading another; the test closes that pipe once
all 8 are ready, and every racer's read returns at once.

The setup (admins, directory, orders) and the reading back go through the CLI in-process (the
conftest `Cli`), so these tests depend on the command line only, not on the services'
signatures.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DIRECTORY, Cli, order_doc

ADMINS = [f"admin{k}" for k in range(1, 9)]
DECIDED = {"approve": "approved", "reject": "rejected", "cancel": "cancelled", "edit": "edited"}
ALLOWED_FROM = {
    "approve": "pending",
    "reject": "pending",
    "cancel": "pending or approved",
    "edit": "pending",
}
ISO_UTC = r"\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ"  # no braces: REFUSAL is a format string
# A loser is told who decided the order and when (the order's decided_by and decided_at):
# `order 7 is approved (by admin3 at 2026-12-02T06:30:00Z), only pending orders can be rejected`.
REFUSAL = (
    r"hwctl: error: order {order} is (?P<status>[a-z]+)"
    r" \(by (?P<by>\S+) at (?P<at>" + ISO_UTC + r")\)"
    r", only {allowed} orders can be {verb}"
)

# The launcher: argv is GO READY DIR, DIR/plan.json the racers' argv lists. It loads hwctl,
# forks one racer per argv (stdout and stderr to DIR/K.out and DIR/K.err), and prints their exit
# codes (JSON) once all have exited.
LAUNCHER = r"""
import gc, importlib, json, os, pkgutil, sys
from importlib.metadata import entry_points

go, ready, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(f"{folder}/plan.json") as f:
    plan = json.load(f)
(script,) = [e for e in entry_points(group="console_scripts") if e.name == "hwctl"]
main = script.load()
import hwctl
for module in pkgutil.walk_packages(hwctl.__path__, "hwctl.", onerror=lambda name: None):
    if ".migrations" not in module.name:  # env.py runs a migration when imported
        try:
            importlib.import_module(module.name)
        except Exception:
            pass
for name in ("psycopg", "alembic.runtime.migration", "alembic.script", "alembic.config"):
    try:
        importlib.import_module(name)
    except Exception:
        pass
sys.stdout.flush()
sys.stderr.flush()
gc.freeze()  # else each racer's exit walks the heap it shares with the others, copying it all
pids = []
for k, args in enumerate(plan):
    pid = os.fork()
    if pid == 0:  # a racer
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        for fd, ext in ((1, "out"), (2, "err")):
            os.dup2(os.open(f"{folder}/{k}.{ext}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
        os.write(ready, b"r")
        os.close(ready)
        os.read(go, 1)  # returns when the test closes the other end: all racers at once
        os.close(go)
        sys.argv = ["hwctl", *args]
        sys.exit(main())  # what the console script does
    pids.append(pid)
os.close(ready)
os.close(go)
codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
print(json.dumps(codes))
"""


@dataclass(frozen=True)
class Run:
    admin: str
    args: tuple[str, ...]
    rc: int
    out: str
    err: str

    @property
    def action(self) -> str:
        return self.args[0]

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    def __str__(self) -> str:
        return f"{self.admin}: hwctl {' '.join(self.args)} -> {self.rc} {self.out!r} {self.err!r}"


# -- the harness ---------------------------------------------------------------------------------
def child_env(tmp_path: Path) -> dict[str, str]:
    """No developer's config, store or admin; PYTHONPATH passes (a patched tree can be tested)."""
    home = tmp_path / "home"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HWCTL_", "XDG_")) and k not in ("NO_COLOR", "FORCE_COLOR", "TERM")
    }
    env.update(
        PYTHONIOENCODING="utf-8",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_STATE_HOME=str(home / ".local/state"),
    )
    return env


def race(db_url: str, tmp_path: Path, plan: Sequence[tuple[str, Sequence[str]]]) -> list[Run]:
    """Run `hwctl --db URL --as ADMIN ARGS...` for each (ADMIN, ARGS) in its own process, all
    released at the same moment once every one is loaded; return the runs in plan order."""
    folder = tmp_path / "race"
    folder.mkdir()
    argvs = [["--db", db_url, "--as", admin, *args] for admin, args in plan]
    (folder / "plan.json").write_text(json.dumps(argvs), encoding="utf-8")
    go_r, go_w = os.pipe()
    ready_r, ready_w = os.pipe()
    launcher = subprocess.Popen(
        [sys.executable, "-P", "-c", LAUNCHER, str(go_r), str(ready_w), str(folder)],
        pass_fds=(go_r, ready_w),
        env=child_env(tmp_path),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the racers can be stopped with it
    )
    os.close(go_r)
    os.close(ready_w)
    try:
        _wait_until_ready(ready_r, len(plan), launcher)
        os.close(go_w)  # the release
        go_w = -1
        out, err = launcher.communicate(timeout=60)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):  # the launcher and its racers, only
            os.killpg(launcher.pid, signal.SIGKILL)
        launcher.wait()
        raise
    finally:
        os.close(ready_r)
        if go_w >= 0:
            os.close(go_w)
    assert launcher.returncode == 0, (launcher.returncode, out, err)
    codes = json.loads(out)
    return [
        Run(
            admin,
            tuple(args),
            code,
            (folder / f"{k}.out").read_text(encoding="utf-8"),
            (folder / f"{k}.err").read_text(encoding="utf-8"),
        )
        for k, ((admin, args), code) in enumerate(zip(plan, codes, strict=True))
    ]


def _wait_until_ready(ready_r: int, count: int, launcher: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    got = 0
    while got < count:
        if launcher.poll() is not None:
            err = launcher.stderr.read().decode() if launcher.stderr else ""
            raise AssertionError(f"the launcher exited before the start: {err}")
        left = deadline - time.monotonic()
        assert left > 0, f"only {got} of {count} racers were ready after 60 s"
        readable, _, _ = select.select([ready_r], [], [], min(left, 0.2))
        if readable:
            got += len(os.read(ready_r, 64))


# -- setup and reading back, through the CLI -------------------------------------------------------
def ok(result) -> None:  # noqa: ANN001
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)


def prepare(cli: Cli, tmp_path: Path, *orders: dict[str, Any]) -> list[int]:
    """8 super-admins, the standard directory, and the orders (pending); returns their ids."""
    ok(cli("admins", "add", ADMINS[0], as_=None))  # the first may be added by anyone
    for name in ADMINS[1:]:
        ok(cli("admins", "add", name, as_=ADMINS[0]))
    (tmp_path / "directory.json").write_text(json.dumps(DIRECTORY), encoding="utf-8")
    ok(cli("import", str(tmp_path / "directory.json"), as_=ADMINS[0]))
    if not orders:
        return []
    (tmp_path / "orders.json").write_text(json.dumps(list(orders)), encoding="utf-8")
    created = cli.json("submit", str(tmp_path / "orders.json"), "--format", "json", as_=ADMINS[0])
    return [o["id"] for o in created]


def show(cli: Cli, order: int) -> dict[str, Any]:
    return cli.json("show", str(order), "--format", "json", as_=ADMINS[0])


def audit(cli: Cli, order: int | None = None, action: str | None = None) -> list[dict[str, Any]]:
    args = ["audit", "--format", "json"]
    if order is not None:
        args += ["--order", str(order)]
    if action is not None:
        args += ["--action", action]
    return cli.json(*args, as_=ADMINS[0])


def assert_clean(runs: Sequence[Run]) -> None:
    """Exit 0 or 1 (a refusal), never a traceback or an internal error, on any racer."""
    for r in runs:
        assert r.rc in (0, 1), str(r)
        for text in (r.out, r.err):
            assert "Traceback" not in text, str(r)
            assert "internal error" not in text.lower(), str(r)


def one_line(run: Run) -> str:
    lines = run.err_lines
    assert len(lines) == 1, str(run)
    return lines[0]


def refusal(run: Run, order: int, action: str, line: str | None = None) -> re.Match[str]:
    """The refusal line of a loser (its only stderr line unless `line` is given)."""
    text = one_line(run) if line is None else line
    pattern = REFUSAL.format(order=order, allowed=ALLOWED_FROM[action], verb=DECIDED[action])
    found = re.fullmatch(pattern, text)
    assert found, (str(run), pattern)
    return found


def decisions(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in entries if e["action"] in ("approve", "reject", "cancel")]


def assert_chain_verifies(cli: Cli, admin: str = ADMINS[0]) -> None:
    """`hwctl audit verify` exits 0: the racers' entries form one unbroken hash chain."""
    result = cli("audit", "verify", as_=admin)
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)


# -- decisions: one winner ---------------------------------------------------------------------
@dataclass(frozen=True)
class DecisionRace:
    order: int
    runs: list[Run]
    detail: dict[str, Any]  # `show --format json` afterwards, with the audit trail


def decide_plan(order: int, scenario: str) -> list[tuple[str, list[str]]]:
    approve = ["approve", str(order), "--yes"]
    other = {
        "approve/approve": approve,
        "approve/reject": ["reject", str(order), "--reason", "dup", "--yes"],
        "cancel/approve": ["cancel", str(order), "--yes"],
    }[scenario]
    if scenario == "cancel/approve":  # the cancellations first: admin1..4 cancel
        return [(a, other if k < 4 else approve) for k, a in enumerate(ADMINS)]
    return [(a, approve if k < 4 else other) for k, a in enumerate(ADMINS)]


def run_decision_race(cli: Cli, db_url: str, tmp_path: Path, scenario: str) -> DecisionRace:
    (oid,) = prepare(cli, tmp_path, order_doc())
    runs = race(db_url, tmp_path, decide_plan(oid, scenario))
    assert_clean(runs)
    return DecisionRace(oid, runs, show(cli, oid))


def check_one_winner(got: DecisionRace) -> Run:
    """Exactly one process decided; the 7 others exit 1 with one line naming the order, the
    winner's status, the winner and the time of the decision; one decision in the audit log,
    the winner's."""
    oid, runs, detail = got.order, got.runs, got.detail
    winners = [r for r in runs if r.rc == 0]
    assert len(winners) == 1, "\n".join(map(str, runs))
    (won,) = winners
    status = DECIDED[won.action]
    assert (won.out, won.err) == (f"order {oid}: {status}\n", ""), str(won)
    assert (detail["status"], detail["decided_by"]) == (status, won.admin)
    assert re.fullmatch(ISO_UTC, detail["decided_at"]), detail
    for r in runs:
        if r is not won:
            assert r.out == "", str(r)
            found = refusal(r, oid, r.action)
            assert (found["status"], found["by"], found["at"]) == (
                status, won.admin, detail["decided_at"]), str(r)  # fmt: skip
    assert detail["rejection_reason"] == ("dup" if status == "rejected" else None)
    assert [(e["action"], e["actor"], e["details"]) for e in decisions(detail["audit"])] == [
        (
            won.action,
            won.admin,
            {
                "from": "pending",
                "to": status,
                **({"code": "other"} if status == "rejected" else {}),
            },
        )
    ]
    return won


@pytest.mark.parametrize("scenario", ["approve/approve", "approve/reject"])
def test_eight_admins_deciding_one_order_at_once_get_one_winner(
    scenario: str, cli: Cli, db_url: str, tmp_path: Path
) -> None:
    got = run_decision_race(cli, db_url, tmp_path, scenario)
    check_one_winner(got)
    assert decisions(audit(cli, got.order)) == decisions(got.detail["audit"])
    assert_chain_verifies(cli)


def test_a_cancellation_racing_approvals_wins_and_knows_whether_the_order_was_approved(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    """4 cancellations and 4 approvals. A cancellation is allowed from approved too: either a
    cancellation wins outright (all 7 others refused), or one approval wins and then exactly one
    cancellation cancels the approved order (warning that the hardware may be ordered) and the 6
    others are refused. Either way the order ends cancelled, by the cancellation's admin."""
    got = run_decision_race(cli, db_url, tmp_path, "cancel/approve")
    oid, runs, detail = got.order, got.runs, got.detail
    cancels = [r for r in runs if r.action == "cancel"]
    approves = [r for r in runs if r.action == "approve"]
    (cancelled,) = [r for r in cancels if r.rc == 0]
    approved = [r for r in approves if r.rc == 0]
    assert len(approved) <= 1, "\n".join(map(str, runs))
    assert cancelled.out == f"order {oid}: cancelled\n", str(cancelled)
    assert (detail["status"], detail["decided_by"]) == ("cancelled", cancelled.admin)
    entries = [(e["action"], e["actor"], e["details"]) for e in decisions(detail["audit"])]
    warning = f"warning: order {oid} (is|was) approved: the hardware may already be ordered.*"
    if approved:
        assert entries == [
            ("approve", approved[0].admin, {"from": "pending", "to": "approved"}),
            ("cancel", cancelled.admin, {"from": "approved", "to": "cancelled"}),
        ]
        assert approved[0].out == f"order {oid}: approved\n", str(approved[0])
        assert approved[0].err == "", str(approved[0])
        assert re.fullmatch(warning, one_line(cancelled)), str(cancelled)
    else:
        assert entries == [("cancel", cancelled.admin, {"from": "pending", "to": "cancelled"})]
        assert cancelled.err == "", str(cancelled)
    # who made the order what a loser found, and when (the approval's time is the one on the
    # order then: its audit entry's clock is read just after, so it may be a second later)
    made = {"cancelled": (cancelled.admin, detail["decided_at"])}
    if approved:
        approval = decisions(detail["audit"])[0]
        made["approved"] = (approved[0].admin, approval["at"])
    for r in runs:
        if r.rc == 0:
            continue
        assert r.out == "", str(r)
        *before, last = r.err_lines
        found = refusal(r, oid, r.action, last)
        assert found["status"] in made, str(r)
        by, at = made[found["status"]]
        assert found["by"] == by, str(r)
        if found["status"] == "cancelled":
            assert found["at"] == at, (str(r), at)
        else:
            assert 0 <= seconds(at) - seconds(found["at"]) <= 1, (str(r), at)
        if r.action == "cancel":
            # cancelled by another admin; it may have seen the order approved first, and said so
            assert refusal(r, oid, "cancel", last)["status"] == "cancelled", str(r)
            assert all(approved and re.fullmatch(warning, line) for line in before), str(r)
        else:
            assert before == [], str(r)
    assert_chain_verifies(cli)


def seconds(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


# -- edits ---------------------------------------------------------------------------------------
# `review --yes` previews the change, then writes it. An edit either applies whole (one audit
# entry, planned from the lines the edit before it left) or is refused with one line after the
# proposed change: the order is no longer pending, or (a stale preview) another edit landed
# between its preview and its write.
STALE = (
    r"hwctl: error: order {order} was changed since you reviewed it \(.+\); "
    r"nothing was written, review it again"
)


def edit_entries(detail: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in detail["audit"] if e["action"] == "edit"]


def check_edit_refused(
    run: Run,
    order: int,
    entries: Sequence[dict[str, Any]],
    decided: tuple[str, str, str] | None = None,
) -> None:
    """A refused edit wrote nothing, and says why as its last line: a stale preview, or the
    order no longer pending, naming the decision (status, admin, time) that made it so."""
    assert run.out == "", str(run)
    assert [e for e in entries if e["actor"] == run.admin] == [], str(run)
    *table, last = run.err_lines
    assert not [x for x in table if "error" in x], str(run)
    if not re.fullmatch(STALE.format(order=order), last):
        found = refusal(run, order, "edit", last)
        assert (found["status"], found["by"], found["at"]) == decided, str(run)


def test_edits_racing_approvals_land_whole_before_the_one_approval_or_are_refused(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    """4 edits (`review --set 1=Q`, each its own Q, so each applied edit changes something) and
    4 approvals. Exactly one approval wins; the edits that got in before it are applied and
    audited, the others refused; the order keeps the quantity of the last edit in the log."""
    (oid,) = prepare(cli, tmp_path, order_doc())  # T54W x 2
    quantity = {ADMINS[k]: 4 + k for k in range(4)}  # admin1..4 edit to 4..7, admin5..8 approve
    plan = [(a, ["review", str(oid), "--set", f"1={quantity[a]}", "--yes"]) for a in quantity]
    plan += [(a, ["approve", str(oid), "--yes"]) for a in ADMINS[4:]]
    runs = race(db_url, tmp_path, plan)
    assert_clean(runs)
    detail = show(cli, oid)
    entries = detail["audit"]
    (won,) = [r for r in runs if r.action == "approve" and r.rc == 0]
    assert (detail["status"], detail["decided_by"]) == ("approved", won.admin)
    for r in runs:
        if r.action == "approve" and r is not won:
            found = refusal(r, oid, "approve")
            assert r.out == "", str(r)
            assert (found["status"], found["by"], found["at"]) == (
                "approved", won.admin, detail["decided_at"]), str(r)  # fmt: skip
    assert [(e["action"], e["actor"]) for e in decisions(entries)] == [("approve", won.admin)]
    edits = edit_entries(detail)
    position = {e["id"]: n for n, e in enumerate(entries)}
    approved_at = next(position[e["id"]] for e in entries if e["action"] == "approve")
    assert all(position[e["id"]] < approved_at for e in edits), entries
    line = {"line": 1, "sku": "T54W"}
    expected_before = [{**line, "quantity": 2}]
    for e in edits:  # each edit planned from the lines the one before it left
        assert e["details"]["before"] == expected_before, edits
        assert e["details"]["after"] == [{**line, "quantity": quantity[e["actor"]]}], edits
        expected_before = e["details"]["after"]
    for r in (r for r in runs if r.action == "review"):
        if r.rc == 0:
            assert len([e for e in edits if e["actor"] == r.admin]) == 1, (str(r), edits)
            assert r.out.startswith(f"edited order {oid}: pending"), str(r)
            assert f"{quantity[r.admin]}× T54W" in r.out, str(r)
        else:
            check_edit_refused(r, oid, edits, ("approved", won.admin, detail["decided_at"]))
    final = expected_before[0]["quantity"]
    assert [(i["line"], i["sku"], i["quantity"]) for i in detail["items"]] == [(1, "T54W", final)]
    assert len(detail["units"]) == final
    assert_chain_verifies(cli)


def test_eight_edits_at_once_lose_no_update(cli: Cli, db_url: str, tmp_path: Path) -> None:
    """8 × `review --add W73H=K` (K = 1..8) on a T54W x 3 order: each applied edit starts from
    the lines of the one before it, so the handsets are the sum of the applied edits' K (no edit
    is lost to a stale read); the refused ones wrote nothing."""
    (oid,) = prepare(cli, tmp_path, order_doc(items=[{"sku": "T54W", "quantity": 3}]))
    added = {a: k + 1 for k, a in enumerate(ADMINS)}
    runs = race(
        db_url,
        tmp_path,
        [(a, ["review", str(oid), "--add", f"W73H={n}", "--yes"]) for a, n in added.items()],
    )
    assert_clean(runs)
    detail = show(cli, oid)
    edits = edit_entries(detail)
    applied = [r for r in runs if r.rc == 0]
    assert applied, "\n".join(map(str, runs))
    assert sorted(e["actor"] for e in edits) == sorted(r.admin for r in applied), edits
    for r in runs:
        if r.rc == 0:
            assert r.out.startswith(f"edited order {oid}: pending"), str(r)
        else:
            check_edit_refused(r, oid, edits)
    desk = {"line": 1, "sku": "T54W", "quantity": 3}
    handsets = 0
    for e in edits:
        before = [desk] + ([{"line": 2, "sku": "W73H", "quantity": handsets}] if handsets else [])
        assert e["details"]["before"] == before, edits
        handsets += added[e["actor"]]
        assert e["details"]["after"] == [desk, {"line": 2, "sku": "W73H", "quantity": handsets}]
    assert handsets == sum(added[r.admin] for r in applied)
    items = [(i["line"], i["sku"], i["quantity"]) for i in detail["items"]]
    assert items == [(1, "T54W", 3), (2, "W73H", handsets)]
    assert len(detail["units"]) == 3 + handsets
    assert_chain_verifies(cli)


# -- fulfilment ----------------------------------------------------------------------------------
def test_eight_fulfilments_of_one_order_from_one_file_write_its_devices_once(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    """8 × `fulfill N --csv shipped.csv --yes`: one process writes the 3 devices. The others
    wait for it (the order row is locked first) and are then retries of the same file on a
    fulfilled order: a quiet no-op, "already fulfilled", exit 0 (not a conflict, not "busy").
    One device per MAC, one `fulfill` audit entry."""
    (oid,) = prepare(cli, tmp_path, order_doc(items=[{"sku": "T54W", "quantity": 3}]))
    ok(cli("approve", str(oid), "--yes", as_=ADMINS[0]))
    macs = ["805ec0001001", "805ec0001002", "805ec0001003"]
    (tmp_path / "shipped.csv").write_text(
        "MAC Address\n"
        + "".join(f"{m[:2]}:{m[2:4]}:{m[4:6]}:{m[6:8]}:{m[8:10]}:{m[10:]}\n" for m in macs),
        encoding="utf-8",
    )
    csv = str(tmp_path / "shipped.csv")
    runs = race(
        db_url, tmp_path, [(a, ["fulfill", str(oid), "--csv", csv, "--yes"]) for a in ADMINS]
    )
    assert_clean(runs)
    wrote = [r for r in runs if r.rc == 0 and "created" in r.out]
    assert len(wrote) == 1, "\n".join(map(str, runs))
    (writer,) = wrote
    assert writer.out.startswith(f"order {oid}: fulfilled · 3 created, 0 linked"), str(writer)
    for r in runs:
        if r is not writer:
            assert (r.rc, r.out, r.err) == (0, f"order {oid}: already fulfilled\n", ""), str(r)
    detail = show(cli, oid)
    assert detail["status"] == "fulfilled", detail
    devices = cli.json("devices", "--format", "json", as_=ADMINS[0])
    assert sorted(d["mac"] for d in devices if d["order"] == oid) == macs, devices
    assert len({d["mac"] for d in devices}) == len(devices), devices  # no MAC twice
    assert sorted(u["device"]["mac"] for u in detail["units"]) == macs, detail["units"]
    fulfils = audit(cli, oid, "fulfill")
    assert [(e["actor"], e["details"]["created"]) for e in fulfils] == [(writer.admin, 3)]
    assert_chain_verifies(cli)


# -- admins removing each other -----------------------------------------------------------------
def test_eight_admins_removing_each_other_at_once_leave_a_history_that_could_have_happened(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    """A ring: admin1 removes admin2, ..., admin8 removes admin1, all at once. Each removal that
    succeeded was made by an admin who was still one, of one who still was; the others are
    refused with one line; at least one admin is left (never none)."""
    prepare(cli, tmp_path)
    target = {a: ADMINS[(k + 1) % len(ADMINS)] for k, a in enumerate(ADMINS)}
    runs = race(db_url, tmp_path, [(a, ["admins", "remove", target[a]]) for a in ADMINS])
    assert_clean(runs)
    removed = audit(cli, action="admin_remove")
    assert sorted((e["actor"], e["details"]["admin"]) for e in removed) == sorted(
        (r.admin, target[r.admin]) for r in runs if r.rc == 0
    ), "\n".join(map(str, runs))
    left = set(ADMINS)
    for e in removed:  # replay the log: a serial history of the removals
        actor, gone = e["actor"], e["details"]["admin"]
        assert actor in left and gone in left and len(left) > 1, (e, left, removed)
        left.remove(gone)
    listed = cli.json("admins", "list", "--format", "json", as_=sorted(left)[0])
    assert sorted(a["name"] for a in listed) == sorted(left) and left, listed
    for r in runs:
        if r.rc == 1:
            line = one_line(r)
            named = re.fullmatch(r"hwctl: error: '(admin\d)' is not a super-admin.*", line)
            assert named and named[1] in (r.admin, target[r.admin]), str(r)
            assert named[1] not in left, str(r)
    assert_chain_verifies(cli, sorted(left)[0])
