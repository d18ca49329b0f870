"""`hwctl serve` as a real process: the installed console script on a free loopback port over a
SQLite store, answering /healthz and authenticated requests over TCP (httpx), then stopped with
SIGTERM. Without the api extra it says, in one line, what to install.
"""

from __future__ import annotations

import os
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


def start(db_url: str, tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    """`hwctl --db URL serve --port P` on a free port, once /healthz answers: (process, base URL).
    A port taken between choosing and binding it is tried again with another."""
    for _ in range(3):
        port = free_port()
        proc = subprocess.Popen(
            [str(hwctl_bin()), "--db", db_url, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=child_env(tmp_path), cwd=tmp_path, stdin=subprocess.DEVNULL,
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
        if "address already in use" not in err.lower():
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
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again, as a process
    # stopped by it should: killed by SIGTERM (-15) or 0, never an error exit or a traceback
    assert code in (0, -signal.SIGTERM), (code, out, err)
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
