"""A platform's cancellations through the API racing super-admins' decisions in the CLI, one
order, real processes, on SQLite and PostgreSQL: one winner.

As in tests/cli/test_races.py (whose harness this reuses), one launcher process imports hwctl
and the API once, then forks the racers: 4 run `hwctl approve` (or `reject`) as 4 super-admins,
4 send `POST /v1/orders/{id}/cancel` to the app with their own token (in-process ASGI, each its
own store connection). Each racer says it is ready on a pipe, then blocks until the test closes
another: all are released at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.cli.test_races import (
    ADMINS,
    _wait_until_ready,
    assert_chain_verifies,
    child_env,
    prepare,
    show,
)
from tests.conftest import Cli, order_doc

# argv: GO READY DIR. DIR/plan.json: racers, each {"cli": argv} or {"api": {"db", "token",
# "order"}}. Each racer's stdout/stderr go to DIR/K.out and DIR/K.err; an API racer prints its
# response as JSON. The launcher prints the exit codes once all have exited.
LAUNCHER = r"""
import gc, importlib, json, os, pkgutil, sys, warnings
go, ready, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(f"{folder}/plan.json") as f:
    plan = json.load(f)
from hwctl.cli.app import main
import hwctl
for module in pkgutil.walk_packages(hwctl.__path__, "hwctl.", onerror=lambda name: None):
    if ".migrations" not in module.name:
        try:
            importlib.import_module(module.name)
        except Exception:
            pass
for name in ("psycopg", "alembic.runtime.migration", "alembic.script", "alembic.config"):
    try:
        importlib.import_module(name)
    except Exception:
        pass
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from hwctl.api.app import create_app
from hwctl.app.context import serving
sys.stdout.flush()
sys.stderr.flush()
gc.freeze()
pids = []
for k, racer in enumerate(plan):
    pid = os.fork()
    if pid == 0:
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        for fd, ext in ((1, "out"), (2, "err")):
            os.dup2(os.open(f"{folder}/{k}.{ext}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
        if "cli" in racer:
            os.write(ready, b"r")
            os.read(go, 1)
            sys.argv = ["hwctl", *racer["cli"]]
            sys.exit(main())
        api = racer["api"]
        client = TestClient(create_app(serving(api["db"])), raise_server_exceptions=False)
        headers = {"Authorization": f"Bearer {api['token']}"}
        path = f"/v1/orders/{api['order']}"
        warm = client.get(path, headers=headers)  # the token checked and marked used before
        assert warm.status_code == 200 and warm.json()["status"] == "pending", warm.text
        os.write(ready, b"r")
        os.read(go, 1)
        r = client.post(f"{path}/cancel", headers=headers)
        print(json.dumps({"status": r.status_code, "body": r.json()}))
        sys.stdout.flush()
        os._exit(0)
    pids.append(pid)
os.close(ready)
os.close(go)
codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
print(json.dumps(codes))
"""


def race(tmp_path: Path, plan: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    """Run the racers of `plan`, released at once: (exit code, stdout, stderr) of each."""
    folder = tmp_path / "race"
    folder.mkdir()
    (folder / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    go_r, go_w = os.pipe()
    ready_r, ready_w = os.pipe()
    launcher = subprocess.Popen(
        [sys.executable, "-P", "-c", LAUNCHER, str(go_r), str(ready_w), str(folder)],
        pass_fds=(go_r, ready_w), env=child_env(tmp_path), cwd=tmp_path,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    os.close(go_r)
    os.close(ready_w)
    try:
        _wait_until_ready(ready_r, len(plan), launcher)
        os.close(go_w)
        go_w = -1
        out, err = launcher.communicate(timeout=60)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
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
        (code, (folder / f"{k}.out").read_text(), (folder / f"{k}.err").read_text())
        for k, code in enumerate(codes)
    ]


def decisions(detail: dict[str, Any]) -> list[tuple[str, str, dict]]:
    return [(e["action"], e["actor"], e["details"]) for e in detail["audit"]
            if e["action"] in ("approve", "reject", "cancel")]  # fmt: skip


def run_race(cli: Cli, db_url: str, tmp_path: Path, decision: list[str]):  # noqa: ANN201
    """4 super-admins deciding (`decision`: argv after the command, e.g. ["approve"]) and 4
    API clients cancelling one pending order: (order, CLI runs, API responses, actors of the
    tokens, the order with its audit trail afterwards)."""
    (oid,) = prepare(cli, tmp_path, order_doc())
    made = [cli.json("token", "create", "-p", "Acme Voice", "-n", f"client {k}", "--format",
                     "json", as_=ADMINS[0]) for k in range(4)]  # fmt: skip
    command, *rest = decision
    plan: list[dict[str, Any]] = []
    for k in range(4):
        plan.append({"cli": ["--db", db_url, "--as", ADMINS[k], command, str(oid), *rest,
                             "--yes"]})  # fmt: skip
        plan.append({"api": {"db": db_url, "token": made[k]["token"], "order": oid}})
    runs = race(tmp_path, plan)
    cli_runs = [(ADMINS[k // 2], *runs[k]) for k in range(0, 8, 2)]
    api_runs = []
    for code, out, err in runs[1::2]:
        assert (code, err) == (0, ""), (code, out, err)
        api_runs.append(json.loads(out))
    for admin, code, out, err in cli_runs:
        assert code in (0, 1), (admin, code, out, err)
        assert "Traceback" not in err and "internal error" not in err.lower(), err
    actors = {f"platform:Acme Voice#{m['id']}" for m in made}
    return oid, cli_runs, api_runs, actors, show(cli, oid)


def test_api_cancellations_racing_approvals_end_cancelled_with_one_cancellation(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    """A cancellation may follow an approval (the hardware may already be ordered), so either
    a cancellation wins outright, or one approval wins and then exactly one cancellation
    cancels the approved order. Either way: one cancel entry by one token, at most one
    approval, every API client told 200 and the same cancelled order."""
    oid, cli_runs, api_runs, actors, detail = run_race(cli, db_url, tmp_path, ["approve"])
    assert detail["status"] == "cancelled"
    assert [r["status"] for r in api_runs] == [200] * 4, api_runs
    assert all(r["body"] == api_runs[0]["body"] for r in api_runs)
    assert api_runs[0]["body"]["status"] == "cancelled"
    approved = [admin for admin, code, _, _ in cli_runs if code == 0]
    assert len(approved) <= 1, cli_runs
    entries = decisions(detail)
    if approved:
        assert [(a, d) for a, _, d in entries] == [
            ("approve", {"from": "pending", "to": "approved"}),
            ("cancel", {"from": "approved", "to": "cancelled"}),
        ]
        assert entries[0][1] == approved[0]
    else:
        assert [(a, d) for a, _, d in entries] == [
            ("cancel", {"from": "pending", "to": "cancelled"})]  # fmt: skip
    assert entries[-1][1] in actors
    # a refused admin is told who cancelled (the platform's token) and when
    told = f"order {oid} is cancelled (by {entries[-1][1]} at {detail['decided_at']}),"
    assert detail["decided_by"] == entries[-1][1], detail
    for admin, code, out, err in cli_runs:
        if code == 1:
            assert out == "" and told in err.splitlines()[-1], (admin, err)
    assert_chain_verifies(cli)


def test_api_cancellations_racing_rejections_have_exactly_one_winner(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    """A rejected order cannot be cancelled and a cancelled one cannot be rejected: exactly one
    of the 8 decides; the losing side is told so (409 for the API, exit 1 for the CLI)."""
    oid, cli_runs, api_runs, actors, detail = run_race(
        cli, db_url, tmp_path, ["reject", "--reason", "duplicate"]
    )
    entries = decisions(detail)
    assert len(entries) == 1, entries
    ((action, actor, details),) = entries
    rejected = [admin for admin, code, _, _ in cli_runs if code == 0]
    if action == "reject":
        assert (detail["status"], rejected, [actor]) == ("rejected", [actor], rejected)
        assert [r["status"] for r in api_runs] == [409] * 4, api_runs
        assert all(r["body"]["type"] == "/problems/invalid_transition" for r in api_runs)
    else:
        assert (action, detail["status"], rejected) == ("cancel", "cancelled", [])
        assert actor in actors
        assert [r["status"] for r in api_runs] == [200] * 4, api_runs
        assert {r["body"]["status"] for r in api_runs} == {"cancelled"}
    assert details == {"from": "pending", "to": detail["status"]} | (
        {"code": "other"} if action == "reject" else {}
    )
    told = f"order {oid} is {detail['status']} (by {actor} at {detail['decided_at']}),"
    for admin, code, out, err in cli_runs:
        if code == 1:
            assert out == "" and told in err.splitlines()[-1], (admin, err)
    assert_chain_verifies(cli)
