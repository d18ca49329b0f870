"""Serving an ASGI application on one port with N worker processes, each accepting on its own
socket.

uvicorn's own `--workers` hands one listening socket to every worker, and the workers race to
accept from it: on Linux the kernel wakes one waiting worker at a time and under load one worker
keeps winning, so a 2-worker server often ran on one core (measured with scripts/bench_api.py:
GET 384 req/s in one run of three, server at 1.05 cores, one worker idle). Here each worker gets
its own socket bound with SO_REUSEPORT, and the kernel spreads new connections over the sockets
by a hash of the client's address and port, so every worker gets its share.

The supervisor (the process `hwctl serve` runs in) binds the sockets, starts the workers (new
processes, `spawn`), starts a worker again on its socket when one dies (connections that arrive
meanwhile wait in that socket's queue), and on SIGINT or SIGTERM stops them gracefully and exits
0. A worker that cannot start (its application factory fails) stops the whole server.

This module belongs to neither door: the CLI imports it to start the server by the application's
import string, and it imports nothing of hwctl.
"""

from __future__ import annotations

import contextlib
import errno
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

#: How long a stopping worker may finish the requests it has before it is killed.
GRACE_SECONDS = 30
#: How long the supervisor waits before starting a worker again in place of one that died.
RESTART_DELAY = 1.0
#: A worker's exit code when its application failed to start (uvicorn's own since 0.50; a
#: worker gives it whatever uvicorn exits with before it started, 1 before 0.50).
STARTUP_FAILURE = 3


class BindError(Exception):
    """The address cannot be listened on; the message says why in words for the user."""


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _bind(host: str, port: int, reuse_port: bool) -> socket.socket:
    # IPPROTO_TCP, not the default 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
    # connections accepted from a socket whose proto says TCP. Without it a response's last
    # segment waited for the client's delayed ACK: GET ~600 req/s on 2 workers, ~1,000 with it.
    sock = socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if error.errno == errno.EADDRINUSE:
            raise BindError(f"{where} is in use by another program") from None
        if error.errno == errno.EACCES:
            raise BindError(f"cannot listen on {where}: permission denied") from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise BindError(f"cannot listen on {where}: no such address on this machine") from None
        if isinstance(error, socket.gaierror):
            raise BindError(f"cannot listen on {where}: unknown host") from None
        raise BindError(f"cannot listen on {where}: {error.strerror or error}") from None
    return sock


def bind_sockets(host: str, port: int, count: int, backlog: int = 2048) -> list[socket.socket]:
    """`count` listening sockets on one address, one per worker (SO_REUSEPORT).

    A first bind without SO_REUSEPORT proves that no other program holds the port: with
    SO_REUSEPORT alone, a second server of the same user would silently share it."""
    _bind(host, port, reuse_port=False).close()
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = _bind(host, port, reuse_port=True)
            sockets.append(sock)
            sock.listen(backlog)
    except BindError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


@dataclass
class Options:
    """What a worker needs to build its uvicorn server: the application's import string (a
    factory) and uvicorn's settings."""

    app: str
    host: str
    port: int
    uvicorn: dict[str, Any] = field(default_factory=dict)


def _stopped(signum: int, frame: object) -> None:
    """A stop request outside uvicorn's own handlers: nothing is being served, so exit now."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or its reader went away
            stream.flush()
    os._exit(0)


def _worker(options: Options, sock: socket.socket, supervisor: int) -> None:
    """A worker process: one uvicorn server on `sock` until SIGTERM (exit 0), or until the
    supervisor is gone (so a killed supervisor leaves no workers behind)."""
    import uvicorn

    # Until uvicorn takes the signals over (and after it gives them back, when it raises the
    # signal that stopped it again) a stop request ends the worker with 0, not -15. Not with
    # SystemExit: raised inside whatever runs then (a weakref callback while the application
    # is imported, say), Python would print it as an ignored exception with a traceback.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stopped)
    config = uvicorn.Config(
        options.app,
        factory=True,
        host=options.host,
        port=options.port,
        timeout_graceful_shutdown=GRACE_SECONDS - 5,
        **options.uvicorn,
    )
    server = uvicorn.Server(config)

    def orphaned() -> None:
        while os.getppid() == supervisor:
            time.sleep(1)
        server.should_exit = True

    threading.Thread(target=orphaned, daemon=True, name="supervisor-watch").start()
    try:
        server.run(sockets=[sock])
    except SystemExit:
        if server.started:
            raise
        sys.exit(STARTUP_FAILURE)
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def _say(message: str) -> None:
    print(f"hwctl serve: {message}", file=sys.stderr, flush=True)


def supervise(options: Options, sockets: list[socket.socket]) -> int:
    """Run one worker per socket until SIGINT or SIGTERM; the exit code for the process.

    0 once stopped on a signal; 1 when a worker could not start (the others are stopped)."""
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stop.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    # The supervisor wakes on a worker's end or on a signal: the signal handler runs in the main
    # thread between waits, which are therefore short.
    slots: list[Any] = [None] * len(sockets)
    restart_at: dict[int, float] = {}

    def start(index: int) -> None:
        process = context.Process(
            target=_worker,
            args=(options, sockets[index], os.getpid()),
            name=f"hwctl-serve-worker-{index + 1}",
            daemon=False,
        )
        process.start()
        slots[index] = process

    code = 0
    try:
        for index in range(len(sockets)):
            start(index)
        while not stop.is_set():
            alive = [p.sentinel for p in slots if p is not None]
            multiprocessing.connection.wait(alive, timeout=0.25)
            now = time.monotonic()
            for index, process in enumerate(slots):
                if process is not None and not process.is_alive():
                    process.join()
                    if process.exitcode == STARTUP_FAILURE:
                        _say(f"worker {index + 1} could not start; stopping")
                        code = 1
                        stop.set()
                        break
                    if stop.is_set():
                        break
                    _say(
                        f"worker {index + 1} (pid {process.pid}) ended with "
                        f"{_ended(process.exitcode)}; starting another in {RESTART_DELAY:g} s"
                    )
                    slots[index] = None
                    restart_at[index] = now + RESTART_DELAY
            for index, when in list(restart_at.items()):
                if not stop.is_set() and now >= when:
                    del restart_at[index]
                    start(index)
    finally:
        _stop_all([p for p in slots if p is not None])
        for sock in sockets:
            sock.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return code


def _ended(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return signal.Signals(-exitcode).name
        except ValueError:
            pass
    return f"exit code {exitcode}"


def _stop_all(processes: list[Any]) -> None:
    """SIGTERM to each worker, GRACE_SECONDS for all of them to finish, then SIGKILL."""
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            _say(f"worker pid {process.pid} did not stop within {GRACE_SECONDS} s; killing it")
            process.kill()
            process.join()


def serve(options: Options, workers: int, sockets: list[socket.socket] | None = None) -> int:
    """Bind (unless given the sockets) and supervise; the process's exit code."""
    if sockets is None:
        sockets = bind_sockets(options.host, options.port, workers)
    return supervise(options, sockets)
