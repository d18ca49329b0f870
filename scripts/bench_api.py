#!/usr/bin/env python3
"""Benchmark of the platform API: requests/s and p50/p99 latency of `GET /v1/orders/{id}` and
`POST /v1/orders` against a real `hwctl serve`, SQLite and PostgreSQL, 1 and 2 workers.

    python scripts/bench_api.py                        # SQLite, 2 workers
    python scripts/bench_api.py --db postgresql+psycopg://postgres@127.0.0.1/postgres -w 1
    python scripts/bench_api.py --matrix               # SQLite and PostgreSQL x 1 and 2 workers
    python scripts/bench_api.py --matrix --client python --runs 5 --duration 8

Each case gets a throwaway store: a SQLite file in a temporary folder, or a scratch database on
the PostgreSQL server of --db (--matrix: of --db, else $HWCTL_TEST_POSTGRES_URL), dropped after.
It is set up with the commands of the README's tour (`admins add`, `import
examples/directory.json`, `token create`); `hwctl serve` runs as a real process on a free
loopback port; --orders orders are created through the API; then --connections keep-alive
connections drive it in a closed loop (each sends its next request when the last is answered, so
latency includes the wait in the server's queue), first GET of a random seeded order, then POST
of a new 2-line, 3-unit order. Each phase is --warmup seconds unmeasured, then --duration
seconds measured, --runs times; the table shows the median run (req/s, p50, p99) and the CPU
taken in the measured window, in cores: the client, the server (uvicorn and its workers), the
PostgreSQL backends of the scratch database, and everything else on the machine ("other": load
from elsewhere skews the figures; the load average is printed before each case).

The load: Debian's `wrk` where it is installed (--client auto, the default, or wrk), else (or
with --client python) a built-in client of --client-procs processes, each an asyncio loop of raw
HTTP/1.1 keep-alive sockets with the requests prepared in advance.

Goals on the 2-core machine (issue 9): GET >= 1,000 requests/s with p99 < 50 ms on 2 workers;
POST >= 300 orders/s on PostgreSQL. Not a test: figures depend on the machine and on whatever
else runs on it. Use it before and after changing the API's paths.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIRECTORY = ROOT / "examples" / "directory.json"
PLATFORM, ACCOUNT = "Acme Voice", "Globex Corporation"
ORDER = {
    "account": ACCOUNT,
    "items": [
        {
            "sku": "T54W",
            "quantity": 2,
            "units": [
                {"user": "ann@globex.example", "location": "HQ Floor 2"},
                {"user": "bob@globex.example", "location": "Warehouse"},
            ],
        },
        {"sku": "W70B", "quantity": 1},
    ],
}
ORDER_BODY = json.dumps(ORDER, separators=(",", ":")).encode()
TICK = os.sysconf("SC_CLK_TCK")


def hwctl_executable() -> str:
    """The hwctl installed next to this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "hwctl"
    if beside.exists():
        return str(beside)
    found = shutil.which("hwctl")
    if found is None:
        sys.exit("hwctl is not installed next to this Python nor on PATH")
    return found


# -- CPU accounting from /proc ----------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) "
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds of a process and each of its descendants (uvicorn's supervisor, workers)."""
    stats = {pid: s for pid in _all_pids() if (s := _proc_stat(pid)) is not None}
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            found[pid] = stats[pid][1]
        todo += children.get(pid, [])
    return found


def backends_cpu(database: str | None) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to `database` (its title names it)."""
    found: dict[int, float] = {}
    if database is None:
        return found
    for pid in _all_pids():
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres:") and f" {database} ".encode() in title:
            stat = _proc_stat(pid)
            if stat is not None:
                found[pid] = stat[1]
    return found


def machine_cpu() -> float:
    """Busy CPU seconds of the whole machine since boot (all cores)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICK


@dataclass
class CpuSample:
    server: dict[int, float]
    db: dict[int, float]
    machine: float

    @classmethod
    def take(cls, server_pid: int, database: str | None) -> CpuSample:
        return cls(tree_cpu(server_pid), backends_cpu(database), machine_cpu())


def _grown(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds taken between two samples by the processes alive at the second (a process
    that ended in between is not counted: PostgreSQL backends of closed connections)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


# -- results ----------------------------------------------------------------------------------


@dataclass
class Result:
    """One measured phase: throughput, latency percentiles, and CPU in cores."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: Counter = field(default_factory=Counter)
    client_cores: float = 0.0
    server_cores: float = 0.0
    db_cores: float = 0.0
    other_cores: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


# -- the built-in client ----------------------------------------------------------------------


class _Run:
    """One client process's share of the connections and what they measured."""

    def __init__(self, requests: list[bytes], expect: int, measure_at: float, end_at: float):
        self.requests = requests
        self.expect = expect
        self.measure_at, self.end_at = measure_at, end_at
        self.latencies: list[float] = []
        self.errors: Counter = Counter()
        self.open = 0
        self.finished: asyncio.Future | None = None
        self.cpu_start = self.cpu_end = 0.0

    def next_request(self) -> bytes:
        return random.choice(self.requests)

    def record(self, sent: float, now: float, status: int) -> bool:
        """Count a response; whether its connection sends another request."""
        if self.measure_at <= now < self.end_at:
            self.latencies.append(now - sent)
            if status != self.expect:
                self.errors[f"HTTP {status}"] += 1
        return now < self.end_at

    def closed(self) -> None:
        self.open -= 1
        if self.open == 0 and self.finished is not None and not self.finished.done():
            self.finished.set_result(None)


class _Connection(asyncio.Protocol):
    """One keep-alive connection, one request in flight at a time."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.buffer = b""
        self.sent = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.send()

    def send(self) -> None:
        self.sent = time.monotonic()
        self.transport.write(self.run.next_request())  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end].lower()
            at = head.find(b"\r\ncontent-length:")
            if at < 0:  # uvicorn always sends one for these responses
                self.run.errors["no content-length"] += 1
                self.transport.close()  # type: ignore[union-attr]
                return
            stop = head.find(b"\r\n", at + 2)
            total = end + 4 + int(head[at + 17 : stop if stop >= 0 else None])
            if len(buffer) < total:
                break
            status = int(buffer[9:12])
            buffer = buffer[total:]
            if self.run.record(self.sent, time.monotonic(), status):
                self.send()
            else:
                self.transport.close()  # type: ignore[union-attr]
        self.buffer = buffer

    def connection_lost(self, exc: Exception | None) -> None:
        if time.monotonic() < self.run.end_at:
            self.run.errors["connection lost"] += 1
            _open(self.run)
        self.run.closed()


def _open(run: _Run) -> None:
    """Open one more connection (counted at once, so `finished` waits for it)."""
    run.open += 1
    asyncio.get_running_loop().create_task(_connect(run))


async def _connect(run: _Run) -> None:
    loop = asyncio.get_running_loop()
    while True:
        try:
            await loop.create_connection(lambda: _Connection(run), run_host, run_port)
            return
        except OSError:
            run.errors["connect failed"] += 1
            if time.monotonic() >= run.end_at:
                run.closed()
                return
            await asyncio.sleep(0.05)


run_host, run_port = "127.0.0.1", 0


async def _drive(run: _Run, connections: int) -> None:
    loop = asyncio.get_running_loop()
    run.finished = loop.create_future()
    # loop.time() is time.monotonic(): the same clock in every process.
    loop.call_at(run.measure_at, lambda: setattr(run, "cpu_start", time.process_time()))
    loop.call_at(run.end_at, lambda: setattr(run, "cpu_end", time.process_time()))
    for _ in range(connections):
        _open(run)
    with suppress(TimeoutError):
        await asyncio.wait_for(run.finished, timeout=run.end_at - time.monotonic() + 15)


def _client_process(pipe, host, port, requests, expect, connections, measure_at, end_at):  # noqa: ANN001
    global run_host, run_port
    run_host, run_port = host, port
    random.seed(os.getpid())
    run = _Run(requests, expect, measure_at, end_at)
    asyncio.run(_drive(run, connections))
    pipe.send((run.latencies, run.errors, run.cpu_end - run.cpu_start))
    pipe.close()


def python_load(
    host: str,
    port: int,
    requests: list[bytes],
    expect: int,
    *,
    connections: int,
    procs: int,
    warmup: float,
    duration: float,
    sample_server,  # noqa: ANN001 - () -> CpuSample
) -> Result:
    procs = max(1, min(procs, connections))
    start = time.monotonic() + 0.3  # the processes start and connect meanwhile
    measure_at, end_at = start + warmup, start + warmup + duration
    ctx = multiprocessing.get_context("fork")
    workers, pipes = [], []
    for n in range(procs):
        share = connections // procs + (1 if n < connections % procs else 0)
        ours, theirs = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=_client_process,
            args=(theirs, host, port, requests, expect, share, measure_at, end_at),
        )
        proc.start()
        workers.append(proc)
        pipes.append(ours)
    time.sleep(max(0.0, measure_at - time.monotonic()))
    before = sample_server()
    time.sleep(max(0.0, end_at - time.monotonic()))
    after = sample_server()
    latencies: list[float] = []
    errors: Counter = Counter()
    client_cpu = 0.0
    for pipe, proc in zip(pipes, workers, strict=True):
        got, errs, cpu = pipe.recv()
        latencies += got
        errors.update(errs)
        client_cpu += cpu
        proc.join()
    latencies.sort()
    return _result(
        len(latencies),
        duration,
        percentile(latencies, 50) * 1000,
        percentile(latencies, 99) * 1000,
        errors,
        client_cpu,
        before,
        after,
    )


def _result(requests, seconds, p50, p99, errors, client_cpu, before, after) -> Result:  # noqa: ANN001
    server = _grown(before.server, after.server)
    db = _grown(before.db, after.db)
    machine = after.machine - before.machine
    return Result(
        requests=requests,
        seconds=seconds,
        p50_ms=p50,
        p99_ms=p99,
        errors=errors,
        client_cores=client_cpu / seconds,
        server_cores=server / seconds,
        db_cores=db / seconds,
        other_cores=max(0.0, machine - server - db - client_cpu) / seconds,
    )


# -- wrk --------------------------------------------------------------------------------------

_WRK_SCRIPT = """
local paths = {%(paths)s}
wrk.method = "%(method)s"
wrk.headers["Authorization"] = "Bearer %(token)s"
%(body)s
function init(args)
  math.randomseed(tonumber(tostring({}):sub(8), 16) or os.time())
end
function request()
  return wrk.format(nil, paths[math.random(#paths)])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{"requests":%%d,"us":%%d,"p50":%%d,"p99":%%d,"connect":%%d,"read":%%d,"write":%%d,'
    .. '"status":%%d,"timeout":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def wrk_load(
    wrk: str,
    url: str,
    token: str,
    paths: list[str],
    method: str,
    *,
    connections: int,
    threads: int,
    warmup: float,
    duration: float,
    sample_server,  # noqa: ANN001 - () -> CpuSample
    folder: Path,
) -> Result:
    body = ""
    if method == "POST":
        body = (
            f"wrk.body = [[{ORDER_BODY.decode()}]]\n"
            'wrk.headers["Content-Type"] = "application/json"'
        )
    script = folder / f"{method.lower()}.lua"
    script.write_text(
        _WRK_SCRIPT
        % {
            "paths": ",".join(f'"{p}"' for p in paths),
            "method": method,
            "token": token,
            "body": body,
        }
    )
    threads = max(1, min(threads, connections))

    def once(seconds: float) -> tuple[dict, float]:
        out = folder / "wrk.out"
        with out.open("w") as sink:
            argv = [
                wrk,
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{seconds:g}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                url,
            ]
            proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        text = out.read_text()
        lines = [line for line in text.splitlines() if line.startswith('{"requests"')]
        if proc.returncode != 0 or not lines:
            sys.exit(f"wrk failed ({proc.returncode}):\n{text}")
        return json.loads(lines[-1]), usage.ru_utime + usage.ru_stime

    if warmup > 0:
        once(warmup)
    before = sample_server()
    started = time.monotonic()
    figures, client_cpu = once(duration)
    after = sample_server()
    elapsed = time.monotonic() - started
    errors = Counter(
        {k: figures[k] for k in ("connect", "read", "write", "status", "timeout") if figures[k]}
    )
    result = _result(
        figures["requests"],
        figures["us"] / 1e6,
        figures["p50"] / 1000,
        figures["p99"] / 1000,
        errors,
        client_cpu,
        before,
        after,
    )
    # CPU over the whole wrk process's life (its start and stop included)
    scale = result.seconds / elapsed if elapsed else 1.0
    result.client_cores *= scale
    result.server_cores *= scale
    result.db_cores *= scale
    result.other_cores *= scale
    return result


# -- the store and the server -----------------------------------------------------------------


def run_hwctl(hwctl: str, db: str, *args: str) -> str:
    done = subprocess.run(
        [hwctl, "--db", db, "--as", "bench", *args], capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"hwctl {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@contextmanager
def scratch_store(pg_server: str | None, folder: Path):
    """(store URL, PostgreSQL database name or None): a fresh store, removed afterwards."""
    if pg_server is None:
        yield f"sqlite:///{folder / 'bench.db'}", None
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"hwctl_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_server).set(database=name).render_as_string(hide_password=False), name
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def set_up(hwctl: str, db: str, postgres: bool) -> str:
    """The tour's first steps on the store; returns a token of the platform."""
    if postgres:
        run_hwctl(hwctl, db, "db", "upgrade")
    run_hwctl(hwctl, db, "admins", "add", "bench")
    run_hwctl(hwctl, db, "import", str(DIRECTORY))
    made = run_hwctl(hwctl, db, "token", "create", "--platform", PLATFORM, "--format", "json")
    return json.loads(made)["token"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(hwctl: str, db: str, workers: int, folder: Path):
    """`hwctl serve` on a free loopback port until /healthz answers; (process, port)."""
    port = free_port()
    log = (folder / "serve.log").open("w")
    proc = subprocess.Popen(
        [
            hwctl,
            "--db",
            db,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                sys.exit(f"hwctl serve exited ({proc.returncode}):\n{_tail(folder / 'serve.log')}")
            with suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            if time.monotonic() > deadline:
                sys.exit(f"hwctl serve did not answer /healthz:\n{_tail(folder / 'serve.log')}")
            time.sleep(0.1)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # uvicorn stops its workers and exits
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)  # its own group: the workers too
                proc.wait()
        log.close()


def _tail(path: Path) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-30:])


def seed(port: int, token: str, count: int) -> list[int]:
    """`count` orders created through the API; their ids."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    ids = []
    for _ in range(count):
        conn.request("POST", "/v1/orders", ORDER_BODY, headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 201:
            sys.exit(f"seeding failed: HTTP {response.status} {body[:300]!r}")
        ids.append(json.loads(body)["id"])
    conn.close()
    return ids


# -- the cases --------------------------------------------------------------------------------


def request_bytes(method: str, path: str, port: int, token: str) -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
    )
    if method == "POST":
        head += f"Content-Type: application/json\r\nContent-Length: {len(ORDER_BODY)}\r\n"
        return (head + "\r\n").encode() + ORDER_BODY
    return (head + "\r\n").encode()


def run_case(args: argparse.Namespace, hwctl: str, pg: str | None, workers: int, wrk: str | None):
    """Median results of GET and POST for one store and worker count."""
    with tempfile.TemporaryDirectory(prefix="hwctl-bench-") as tmp:
        folder = Path(tmp)
        with scratch_store(pg, folder) as (db, database):
            token = set_up(hwctl, db, database is not None)
            with server(hwctl, db, workers, folder) as (proc, port):
                ids = seed(port, token, args.orders)

                def sample() -> CpuSample:
                    return CpuSample.take(proc.pid, database)

                phases = [
                    ("GET /v1/orders/{id}", "GET", [f"/v1/orders/{i}" for i in ids], 200),
                    ("POST /v1/orders", "POST", ["/v1/orders"], 201),
                ]
                out = {}
                for label, method, paths, expect in phases:
                    if args.only and args.only != method.lower():
                        continue
                    runs = []
                    for _ in range(args.runs):
                        if wrk:
                            result = wrk_load(
                                wrk,
                                f"http://127.0.0.1:{port}",
                                token,
                                paths,
                                method,
                                connections=args.connections,
                                threads=args.client_procs,
                                warmup=args.warmup,
                                duration=args.duration,
                                sample_server=sample,
                                folder=folder,
                            )
                        else:
                            requests = [request_bytes(method, p, port, token) for p in paths]
                            result = python_load(
                                "127.0.0.1",
                                port,
                                requests,
                                expect,
                                connections=args.connections,
                                procs=args.client_procs,
                                warmup=args.warmup,
                                duration=args.duration,
                                sample_server=sample,
                            )
                        runs.append(result)
                        if args.verbose:
                            print(f"    run: {_row('', '', label, result)}", flush=True)
                    out[label] = runs
                return out


def median_run(runs: list[Result]) -> Result:
    """The run of median throughput, with the median p50 and p99 of all runs."""
    chosen = sorted(runs, key=lambda r: r.rate)[len(runs) // 2]
    return Result(
        requests=chosen.requests,
        seconds=chosen.seconds,
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        errors=sum((r.errors for r in runs), Counter()),
        client_cores=chosen.client_cores,
        server_cores=chosen.server_cores,
        db_cores=chosen.db_cores,
        other_cores=chosen.other_cores,
    )


HEADER = (
    f"{'store':<10} {'workers':>7}  {'endpoint':<20} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
    f"  {'client':>6} {'server':>6} {'db':>5} {'other':>5}  {'ms/req':>6}  errors"
)


def _row(store: str, workers: object, label: str, r: Result) -> str:
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(r.errors.items())) or "-"
    per_request = (r.server_cores + r.db_cores) * 1000 / r.rate if r.rate else float("nan")
    return (
        f"{store:<10} {workers!s:>7}  {label:<20} {r.rate:>7.0f} {r.p50_ms:>7.1f} "
        f"{r.p99_ms:>7.1f}  {r.client_cores:>6.2f} {r.server_cores:>6.2f} "
        f"{r.db_cores:>5.2f} {r.other_cores:>5.2f}  {per_request:>6.2f}  {errors}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db",
        help="a PostgreSQL server URL (a scratch database is created "
        "there); without it, a SQLite file",
    )
    parser.add_argument(
        "--matrix",
        action="store_true",
        help="SQLite and PostgreSQL, 1 and 2 workers (PostgreSQL: --db, else "
        "$HWCTL_TEST_POSTGRES_URL)",
    )
    parser.add_argument("-w", "--workers", type=int, default=2, help="uvicorn workers (2)")
    parser.add_argument(
        "-c", "--connections", type=int, default=32, help="concurrent keep-alive connections (32)"
    )
    parser.add_argument("-d", "--duration", type=float, default=10, help="seconds measured (10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds before measuring (2)")
    parser.add_argument("--runs", type=int, default=3, help="runs per phase; the median is shown")
    parser.add_argument("--orders", type=int, default=200, help="orders seeded for GET (200)")
    parser.add_argument("--only", choices=["get", "post"], help="one endpoint only")
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="the load generator: wrk if installed (auto), or the built-in one",
    )
    parser.add_argument(
        "--client-procs", type=int, default=2, help="client processes (wrk: threads) (2)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print every run")
    args = parser.parse_args(argv)

    hwctl = hwctl_executable()
    wrk = None
    if args.client != "python":
        wrk = shutil.which("wrk")
        if wrk is None:
            if args.client == "wrk":
                sys.exit(
                    "wrk is not installed (Debian: apt-get install wrk); or use --client python"
                )
            print("wrk is not installed (Debian: apt-get install wrk): using the built-in client")
    if args.matrix:
        pg = args.db or os.environ.get("HWCTL_TEST_POSTGRES_URL")
        if not pg:
            sys.exit("--matrix needs a PostgreSQL server: --db URL or $HWCTL_TEST_POSTGRES_URL")
        cases = [(None, 1), (None, 2), (pg, 1), (pg, 2)]
    else:
        cases = [(args.db, args.workers)]

    client = (
        f"wrk, {args.client_procs} thread(s)"
        if wrk
        else f"built-in, {args.client_procs} process(es)"
    )
    print(
        f"{os.cpu_count()} cores; python {sys.version.split()[0]}; client: {client}; "
        f"{args.connections} connections; {args.runs} x ({args.warmup:g} s warm-up + "
        f"{args.duration:g} s); CPU in cores during the measured window"
    )
    rows = []
    for pg, workers in cases:
        store = "postgresql" if pg else "sqlite"
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"-- {store}, {workers} worker(s); load average before: {load}", flush=True)
        results = run_case(args, hwctl, pg, workers, wrk)
        for label, runs in results.items():
            line = _row(store, workers, label, median_run(runs))
            rows.append(line)
            print(line, flush=True)
    print()
    print(HEADER)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
