"""`hwctl serve` as a real process: the installed console script on a free loopback port over a
SQLite store, answering /healthz and authenticated requests over TCP (httpx), then stopped with
SIGTERM (exit 0). With 2 workers each listens on its own socket and each serves; a killed worker
is replaced; a port already in use, a worker that cannot start and a missing api extra each get
one line and an exit code.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import GLOBEX_ORDER, bearer
from tests.cli.test_completion import hwctl_bin
from tests.cli.test_races import child_env
from tests.conftest import act

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(
    db_url: str, tmp_path: Path, workers: int = 1, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    """`hwctl --db URL serve --port P --workers N` on a free port, once /healthz answers:
    (process, base URL). A port taken between choosing and binding it is tried again."""
    for _ in range(3):
        port = free_port()
        proc = subprocess.Popen(
            [str(hwctl_bin()), "--db", db_url, "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)],
            env=env or child_env(tmp_path), cwd=tmp_path, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                return proc, base
            except httpx.TransportError:
                time.sleep(0.1)
        if proc.poll() is None:
            stop(proc)
            raise AssertionError("hwctl serve did not answer within 60 s")
        out, err = proc.communicate()
        if "is in use by another program" not in err:
            raise AssertionError(f"hwctl serve exited {proc.returncode}: {out}{err}")
    raise AssertionError("no free port in three tries")


def stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"hwctl serve did not stop on SIGTERM: {err}") from None
    return proc.returncode, out, err


@SQLITE_ONLY
def test_hwctl_serve_answers_over_tcp_and_stops_cleanly_on_sigterm(
    seeded, cli, db_url: str, tmp_path: Path  # noqa: ANN001
) -> None:  # fmt: skip
    from hwctl.app import tokens

    token = tokens.create(act(seeded), "Acme Voice", "serve test").token
    proc, base = start(db_url, tmp_path)
    try:
        health = httpx.get(f"{base}/healthz", timeout=10)
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        assert "server" not in health.headers  # no server banner
        catalog = httpx.get(f"{base}/v1/catalog", headers=bearer(token), timeout=10)
        assert catalog.status_code == 200
        assert [i["sku"] for i in catalog.json()["data"]] == ["T54W", "W70B", "W73H"]
        created = httpx.post(f"{base}/v1/orders", json=GLOBEX_ORDER, headers=bearer(token),
                             timeout=10)  # fmt: skip
        assert created.status_code == 201, created.text
        refused = httpx.get(f"{base}/v1/catalog", timeout=10)
        assert (refused.status_code, refused.headers["www-authenticate"]) == (401, "Bearer")
    finally:
        code, out, err = stop(proc)
    # a stop asked for is a clean end: 0, not killed by SIGTERM (-15), no traceback
    assert code == 0, (code, out, err)
    assert "Traceback" not in err and "error" not in err.lower(), err
    assert f"on http://127.0.0.1:{base.rsplit(':', 1)[1]}" in err
    # the server wrote to the store the CLI uses
    shown = cli.json("show", str(created.json()["id"]), "--format", "json")
    assert (shown["status"], shown["account"]) == ("pending", "Globex Corporation")


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("hidden", "named"),
    [(["fastapi"], "fastapi"), (["uvicorn"], "uvicorn"),
     (["fastapi", "uvicorn"], "fastapi, uvicorn")],
    ids=["no-fastapi", "no-uvicorn", "neither"],
)  # fmt: skip
def test_hwctl_serve_without_the_api_extra_says_what_to_install_in_one_line(
    seeded, db_url: str, tmp_path: Path, hidden: list[str], named: str  # noqa: ANN001
) -> None:  # fmt: skip
    """The packages are hidden as if never installed: a sitecustomize on PYTHONPATH marks them
    absent in sys.modules, so find_spec finds nothing and importing them fails."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(
        "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in hidden)
    )
    env = child_env(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(shim), env.get("PYTHONPATH")) if p)
    run = subprocess.run(
        [str(hwctl_bin()), "--db", db_url, "serve", "--port", str(free_port())],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (run.returncode, run.stdout) == (2, ""), run.stderr
    (line,) = run.stderr.splitlines()
    assert "pip install 'hwctl[api]'" in line
    assert f"({named} missing)" in line


# --- workers: /proc tells which process holds which socket ------------------------------------


def _sockets(port: int, state: str) -> set[str]:
    """Inodes of the TCP sockets on local `port` in `state` (0A listening, 01 established)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                    found.add(fields[9])
    return found


def _held(pid: int) -> set[str]:
    """Inodes of the sockets process `pid` holds open."""
    held = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                held.add(target[8:-1])
    return held


def _workers(supervisor: int) -> list[int]:
    """The supervisor's worker processes (not multiprocessing's resource tracker)."""
    path = f"/proc/{supervisor}/task/{supervisor}/children"
    pids = [int(p) for p in Path(path).read_text().split()]
    return [p for p in pids if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]


def _wait_for_workers(supervisor: int, count: int, without: int | None = None) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = _workers(supervisor)
        if len(pids) == count and without not in pids:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"workers of {supervisor}: {_workers(supervisor)}, wanted {count}")


@SQLITE_ONLY
def test_two_workers_listen_on_a_socket_each_and_both_serve_then_stop_with_0(
    seeded, db_url: str, tmp_path: Path  # noqa: ANN001
) -> None:  # fmt: skip
    """uvicorn's own --workers shares one socket, and one worker often took every connection;
    here each worker has its own listening socket of one SO_REUSEPORT group, and the kernel
    spreads connections over them: with 24 connections, both workers hold some."""
    proc, base = start(db_url, tmp_path, workers=2)
    port = int(base.rsplit(":", 1)[1])
    clients = [httpx.Client(base_url=base, timeout=10) for _ in range(24)]
    try:
        workers = _wait_for_workers(proc.pid, 2)
        listening = _sockets(port, "0A")
        assert len(listening) == 2
        # each worker holds exactly one of the two, and not the same one
        mine = [_held(pid) & listening for pid in workers]
        assert sorted(len(m) for m in mine) == [1, 1] and mine[0] != mine[1]
        for client in clients:
            assert client.get("/healthz").status_code == 200
        established = _sockets(port, "01")
        served = [len(_held(pid) & established) for pid in workers]
        assert sum(served) == 24 and min(served) > 0, served
    finally:
        for client in clients:
            client.close()
        code, out, err = stop(proc)
    assert code == 0, (code, out, err)
    assert "Traceback" not in err, err
    assert "(2 worker(s))" in err


@SQLITE_ONLY
def test_workers_run_uvloop_and_the_httptools_parser(
    seeded, db_url: str, tmp_path: Path  # noqa: ANN001
) -> None:  # fmt: skip
    """The api extra brings uvicorn's compiled HTTP parser and event loop (about 1.5x the
    requests/s of h11 on asyncio's loop): a serving worker has both loaded."""
    proc, base = start(db_url, tmp_path, workers=1)
    try:
        (worker,) = _wait_for_workers(proc.pid, 1)
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        maps = Path(f"/proc/{worker}/maps").read_text()
    finally:
        stop(proc)
    assert "/uvloop/loop." in maps
    assert "/httptools/parser/parser." in maps


@SQLITE_ONLY
def test_a_killed_worker_is_replaced_while_the_other_serves(
    seeded, db_url: str, tmp_path: Path  # noqa: ANN001
) -> None:  # fmt: skip
    proc, base = start(db_url, tmp_path, workers=2)
    try:
        victim, survivor = _wait_for_workers(proc.pid, 2)
        os.kill(victim, signal.SIGKILL)
        replaced = _wait_for_workers(proc.pid, 2, without=victim)
        assert survivor in replaced
        # new connections, spread over both sockets again, are all answered
        for _ in range(20):
            assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
    finally:
        code, out, err = stop(proc)
    assert code == 0, (code, out, err)
    ended = rf"worker [12] \(pid {victim}\) ended with SIGKILL; starting another in 1 s"
    assert re.search(ended, err), err
    assert "Traceback" not in err, err


@SQLITE_ONLY
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("holder", ["plain", "reuse-port"])
def test_a_port_in_use_is_one_line_and_exit_2(
    seeded, db_url: str, tmp_path: Path, workers: int, holder: str  # noqa: ANN001
) -> None:  # fmt: skip
    """Even a listener with SO_REUSEPORT of the same user is refused: the server would otherwise
    silently share the port with it, and it would take part of the connections."""
    with socket.socket() as taken:
        if holder == "reuse-port":
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [str(hwctl_bin()), "--db", db_url, "serve", "--port", str(port),
             "--workers", str(workers)],
            env=child_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert _sockets(port, "0A") == {str(os.fstat(taken.fileno()).st_ino)}
    assert (run.returncode, run.stdout) == (2, ""), run.stderr
    refused = f"hwctl: error: 127.0.0.1:{port} is in use by another program"
    assert run.stderr.splitlines() == [refused]


@SQLITE_ONLY
def test_a_worker_that_cannot_start_stops_the_server_with_1(
    seeded, db_url: str, tmp_path: Path  # noqa: ANN001
) -> None:  # fmt: skip
    """The application cannot be imported in the workers (a sitecustomize hides it): the
    supervisor does not start it again and again, it stops and says so."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text("import sys\nsys.modules['hwctl.api.server'] = None\n")
    env = child_env(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(shim), env.get("PYTHONPATH")) if p)
    run = subprocess.run(
        [str(hwctl_bin()), "--db", db_url, "serve", "--port", str(free_port()), "--workers", "2"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (run.returncode, run.stdout) == (1, ""), run.stderr
    assert re.search(r"hwctl serve: worker [12] could not start; stopping", run.stderr), run.stderr
    assert "Traceback" not in run.stderr, run.stderr
