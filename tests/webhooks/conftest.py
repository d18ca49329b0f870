"""Shared pieces of the webhook tests: a real receiver on 127.0.0.1 that verifies every request
with `standardwebhooks` (as a platform's would), a clock the test moves, and helpers to add a
webhook pointing at the receiver and to run the deliverer at a given time."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.conftest import ADMIN, act


@dataclass(frozen=True)
class Received:
    """One request the receiver took (signature verified)."""

    path: str
    msg_id: str  # webhook-id
    timestamp: int  # webhook-timestamp
    body: bytes
    event: dict[str, Any]  # the verified payload
    status: int  # what the receiver answered
    host: str  # the Host header


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 (a thread per request). Each path has the secret of the
    webhook pointing at it; every request is verified with `Webhook(secret).verify(body,
    headers)`. `answers[path]` is a list of statuses to answer in turn (then 204); a request
    whose verification fails is kept in `rejected` and answered 400."""

    secrets: dict[str, str] = field(default_factory=dict)
    answers: dict[str, list[int]] = field(default_factory=dict)
    # the status to answer for a verified request (path, payload), or None for `answers`
    status_for: Callable[[str, dict[str, Any]], int | None] | None = None
    delay: float = 0.0  # seconds before answering (a slow receiver)
    received: list[Received] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: http.server.ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def got(self, path: str | None = None, *, answered: int | None = None) -> list[Received]:
        with self.lock:
            return [
                r
                for r in self.received
                if (path is None or r.path == path) and (answered is None or r.status == answered)
            ]

    def types(self, path: str | None = None, **kw: Any) -> list[str]:
        return [r.event["type"] for r in self.got(path, **kw)]

    def handle(self, request: http.server.BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("content-length", "0"))
        body = request.rfile.read(length)
        headers = dict(request.headers.items())
        path = request.path
        try:
            event = Webhook(self.secrets[path]).verify(body, headers)
        except (KeyError, WebhookVerificationError) as e:
            with self.lock:
                self.rejected.append((path, repr(e)))
            status = 400
        else:
            with self.lock:
                queue = self.answers.get(path) or []
                status = self.status_for(path, event) if self.status_for else None
                if status is None:
                    status = queue.pop(0) if queue else 204
                self.received.append(
                    Received(
                        path,
                        request.headers["webhook-id"],
                        int(request.headers["webhook-timestamp"]),
                        body,
                        event,
                        status,
                        request.headers["host"],
                    )
                )
        if self.delay:
            time.sleep(self.delay)
        request.send_response(status)
        if 300 <= status < 400:
            request.send_header("Location", self.url("/redirected"))
        request.send_header("Content-Length", "0")
        request.end_headers()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            r.handle(self)

        def log_message(self, *args: Any) -> None:  # noqa: ANN401
            pass

    r.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    r.server.daemon_threads = True
    thread = threading.Thread(target=r.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield r
    finally:
        r.server.shutdown()
        r.server.server_close()
        assert not r.rejected, f"requests that failed verification: {r.rejected}"


class Clock:
    """The deliverer's clock: starts when first read (UTC, to the second: after the events
    the test made so far), moves only when told."""

    def __init__(self) -> None:
        self._now: datetime | None = None

    @property
    def now(self) -> datetime:
        if self._now is None:
            self.catch_up()
        assert self._now is not None
        return self._now

    @now.setter
    def now(self, value: datetime) -> None:
        self._now = value

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now = self.now + timedelta(**kw)
        return self.now

    def catch_up(self) -> datetime:
        """Not behind the wall clock (for events made since it started)."""
        from hwctl.app.context import system_clock

        self._now = max(self._now or system_clock(), system_clock())
        return self._now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass(frozen=True)
class Sending:
    """A transport whose POST is the test's `send(url, body, headers)`; where a webhook may
    point is still the real transport's to say."""

    send: Callable[..., str | None]

    def check_url(self, url: str, *, insecure: bool) -> str:
        from hwctl.app import webhooks

        return webhooks.network().check_url(url, insecure=insecure)

    def post(self, url: str, body: bytes, headers: Any, *, timeout: float) -> str | None:  # noqa: ANN401
        return self.send(url, body, headers)


def deliver(store, clock: Clock | None = None, **kw: Any):  # noqa: ANN001, ANN201
    """Run the deliverer once as `dana`, at the clock's time (now when none), through the real
    transport unless another is given."""
    from hwctl.app import webhooks
    from hwctl.app.context import Context
    from hwctl.domain.access import Principal

    ctx = act(store) if clock is None else Context(store, Principal.super_admin(ADMIN), clock)
    kw.setdefault("transport", webhooks.network())
    return webhooks.deliver(ctx, **kw)


def add_hook(  # noqa: ANN201
    store,  # noqa: ANN001
    receiver: Receiver,
    path: str = "/acme",
    *,
    platform: str = "Acme Voice",
    events: list[str] | None = None,
):
    """A webhook of `platform` pointing at `path` on the receiver, which learns its secret."""
    from hwctl.app import webhooks

    added = webhooks.add(
        act(store),
        platform,
        receiver.url(path),
        events,
        insecure=True,
        transport=webhooks.network(),
    )
    receiver.secrets[path] = added.secret
    return added


def events_of(store, **kw: Any):  # noqa: ANN001, ANN201
    """The outbox as a super-admin lists it (all events, oldest first)."""
    from hwctl.app import webhooks

    return list(webhooks.list_events(act(store), **kw).events)


def statuses(store, **kw: Any) -> list[tuple[str, str]]:  # noqa: ANN001
    """(event type, delivery status) per delivery, oldest event first."""
    return [(e.type, d.status) for e in events_of(store, **kw) for d in e.deliveries]
