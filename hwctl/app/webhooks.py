"""Webhooks: a platform's endpoints for the events of its orders, and their delivery.

Every change of an order writes an event to the outbox in the change's own transaction
(`hwctl.app.events`), with one pending delivery per webhook of the order's platform that takes
its type. Here a super-admin adds a webhook (its Standard Webhooks signing secret shown once),
lists, removes, lists the events and sends one again; each change audited.

`deliver` sends what is due, signed per the Standard Webhooks specification, at least once and
in order per order:

- claim: a short write transaction picks the due pending deliveries whose earlier events (same
  order, same webhook) are all delivered or given up, and pushes their next attempt a lease
  ahead. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several deliverers share the work; on SQLite
  the write lock serialises them. A crashed deliverer's claims come back when the lease ends.
- send: outside any transaction, to an address checked again at that moment (a name is
  resolved again and the connection goes to the address that was checked: no DNS rebinding).
- record: another short transaction, and only while the claim is still this deliverer's (not
  sent again since, nor reset by `redeliver`, nor its webhook removed).

A failed attempt is tried again after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (the Standard
Webhooks schedule: 8 attempts over more than a day), then the delivery is `failed`; a failed
delivery no longer holds back the later events of its order.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import re
import secrets
import socket
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from standardwebhooks.webhooks import Webhook as StandardWebhook

from hwctl import __version__
from hwctl.app import audit
from hwctl.app.context import Context, authorise, system_clock
from hwctl.app.queries import with_platform
from hwctl.app.views import iso
from hwctl.domain.access import Use
from hwctl.errors import Conflict, InvalidInput, NotFound, StoreError
from hwctl.store.models import Platform, Webhook, WebhookDelivery, WebhookEvent
from hwctl.vocabulary import AuditAction, DeliveryStatus, EventType

SECRET_PREFIX = "whsec_"
EVENT_TYPES = tuple(e.value for e in EventType)
# The waits after each failed attempt (Standard Webhooks); after the last, the delivery fails.
SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
ATTEMPTS = len(SCHEDULE) + 1
# How long a claim is this deliverer's. A claim of BATCH deliveries sent WORKERS at a time with
# TIMEOUT each ends within BATCH / WORKERS * TIMEOUT = 40 s, inside the lease.
LEASE = timedelta(seconds=60)
TIMEOUT = 10.0  # seconds, per request
BATCH = 32
WORKERS = 8
MAX_URL = 2000
ERROR_CHARS = 300  # last_error: one line, at most this long

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Given a URL, a body and headers, send it: None when the receiver took it (2xx), else why not
# (one line).
Send = Callable[[str, bytes, Mapping[str, str]], str | None]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


# -- views -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class WebhookView:
    id: int
    platform: str
    url: str
    events: tuple[str, ...]
    created_at: datetime
    created_by: str
    pending: int  # deliveries not yet delivered (due, waiting for a retry, or being sent)
    delivered: int
    failed: int  # given up after every retry

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "platform": self.platform,
            "url": self.url,
            "events": list(self.events),
            "created": iso(self.created_at),
            "created_by": self.created_by,
            "deliveries": {
                "pending": self.pending,
                "delivered": self.delivered,
                "failed": self.failed,
            },
        }


@dataclass(frozen=True)
class NewWebhook:
    """A webhook just added: `secret` is shown once and never again."""

    id: int
    url: str
    platform: str
    events: tuple[str, ...]
    secret: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "platform": self.platform,
            "events": list(self.events),
            "secret": self.secret,
        }


@dataclass(frozen=True)
class DeliveryView:
    """One event for one webhook: how its delivery stands."""

    webhook: int
    url: str
    status: str
    attempts: int
    next_attempt_at: datetime | None  # pending only
    last_attempt_at: datetime | None
    last_error: str | None
    delivered_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "webhook": self.webhook,
            "url": self.url,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt": iso(self.next_attempt_at),
            "last_attempt": iso(self.last_attempt_at),
            "last_error": self.last_error,
            "delivered": iso(self.delivered_at),
        }


@dataclass(frozen=True)
class EventView:
    id: int
    type: str
    platform: str
    order: int | None
    created_at: datetime
    deliveries: tuple[DeliveryView, ...]

    @property
    def webhook_id(self) -> str:
        """The `webhook-id` header it is sent with, the same on every attempt."""
        return message_id(self.id)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "webhook_id": self.webhook_id,
            "type": self.type,
            "platform": self.platform,
            "order": self.order,
            "created": iso(self.created_at),
            "deliveries": [d.to_json() for d in self.deliveries],
        }


@dataclass(frozen=True)
class EventPage:
    """The most recent events asked for (oldest first), and how many match in all."""

    events: tuple[EventView, ...]
    total: int


@dataclass(frozen=True)
class DeliveryCounts:
    """What one run of the deliverer did. `superseded`: attempts whose result was not recorded
    because the delivery was no longer this deliverer's (its lease ran out and it was claimed
    again, it was sent again on request, or its webhook was removed)."""

    attempted: int = 0
    delivered: int = 0
    retrying: int = 0  # failed attempts that will be tried again
    failed: int = 0  # failed attempts after which the delivery gave up
    superseded: int = 0

    def __add__(self, other: DeliveryCounts) -> DeliveryCounts:
        return DeliveryCounts(
            self.attempted + other.attempted,
            self.delivered + other.delivered,
            self.retrying + other.retrying,
            self.failed + other.failed,
            self.superseded + other.superseded,
        )

    def to_json(self) -> dict[str, int]:
        return {
            "attempted": self.attempted,
            "delivered": self.delivered,
            "retrying": self.retrying,
            "failed": self.failed,
            "superseded": self.superseded,
        }


# -- URLs ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A URL that may be sent to, and the addresses its host had when it was checked."""

    url: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses `host` resolves to (socket.getaddrinfo), each once."""
    found: list[IPAddress] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


def _embedded_v4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _not_global(address: IPAddress) -> str | None:
    """Why `address` is not a public one (`private`, `link-local`, ...), or None if it is. An
    IPv4-mapped address is its IPv4 address; a 6to4 or NAT64 one is checked with the IPv4
    address it leads to."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates: list[IPAddress] = [address.ipv4_mapped]
    else:
        v4 = _embedded_v4(address)
        candidates = [address] if v4 is None else [address, v4]
    for a in candidates:
        if a.is_unspecified:
            return "unspecified"
        if a.is_loopback:
            return "loopback"
        if a.is_link_local:
            return "link-local"
        if a.is_multicast:
            return "multicast"
        if a.is_private:
            return "private"
        if a.is_reserved:
            return "reserved"
        if not a.is_global:
            return "non-public"
    return None


def _is_loopback(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _refuse(url: str, problem: str, **fields: object) -> InvalidInput:
    return InvalidInput(f"webhook URL {url!r}: {problem}", field="url", url=url, **fields)


def check_url(url: str, *, insecure: bool = False) -> Target:
    """The target of a webhook URL, or InvalidInput saying why it may not be one.

    HTTPS only, to a host whose every address is public: a literal address is checked as it
    is, a name is resolved and each address it has is checked. `insecure` allows a loopback
    host (127.0.0.0/8, ::1, `localhost`), over plain HTTP too, for local testing; a name other
    than `localhost` must not resolve to a loopback address even then (that is what a DNS
    rebinding attack does). Private, link-local, multicast, unspecified and reserved
    addresses are refused always."""
    url = url.strip()
    if not url:
        raise InvalidInput("a webhook needs a URL", field="url")
    if len(url) > MAX_URL:
        raise _refuse(url[:60] + "…", f"longer than {MAX_URL} characters", limit=MAX_URL)
    if not url.isascii() or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise _refuse(
            url,
            "only printable ASCII without spaces (write an international name in its xn-- form "
            "and percent-encode the path)",
        )
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise _refuse(url, "must be an https:// URL", reason="scheme")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise _refuse(url, "has no host", reason="host")
    if parts.username is not None or parts.password is not None:
        shown = parts._replace(netloc="…@" + parts.netloc.rpartition("@")[2]).geturl()
        raise _refuse(shown, "must not carry a user name or password", reason="credentials")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise _refuse(url, "has an invalid port", reason="port") from None
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        loopback_host = _is_loopback(literal)
    else:
        loopback_host = host == "localhost" or host.endswith(".localhost")
    if scheme == "http" and not (insecure and loopback_host):
        problem = (
            "plain http is allowed for a loopback host only"
            if insecure
            else "must be an https:// URL (plain http only for a loopback host, when insecure)"
        )
        raise _refuse(url, problem, reason="scheme")
    if loopback_host and not insecure:
        raise _refuse(
            url,
            f"{host} is a loopback host, allowed for local testing only (insecure)",
            reason="loopback",
        )
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError, ValueError) as e:
            raise _refuse(url, f"cannot resolve {host} ({_one_line(e)})", reason="resolve") from e
        if not addresses:
            raise _refuse(url, f"{host} has no address", reason="resolve")
    for address in addresses:
        if loopback_host:
            if not _is_loopback(address):
                raise _refuse(
                    url,
                    f"{host} resolves to {address}, not a loopback address",
                    reason="address",
                    address=str(address),
                )
            continue
        why = _not_global(address)
        if why is not None:
            shown = f"{host} is" if literal is not None else f"{host} resolves to {address},"
            article = "an" if why[0] in "aeiou" else "a"
            raise _refuse(
                url, f"{shown} {article} {why} address", reason="address", address=str(address)
            )
    return Target(url, host, port, tuple(addresses))


def _events(events: Sequence[str] | None) -> tuple[str, ...]:
    """The event types asked for, in the vocabulary's order; all of them when None."""
    if events is None:
        return EVENT_TYPES
    wanted = {e.strip() for e in events}
    unknown = sorted(wanted - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(
            f"unknown event {unknown[0]!r}: the events are {', '.join(EVENT_TYPES)}",
            field="events",
            event=unknown[0],
            valid=list(EVENT_TYPES),
        )
    if not wanted:
        raise InvalidInput(
            f"a webhook needs at least one event: {', '.join(EVENT_TYPES)}", field="events"
        )
    return tuple(e for e in EVENT_TYPES if e in wanted)


def new_secret() -> str:
    """`whsec_` and the base64 of 32 random bytes (Standard Webhooks)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def message_id(event_id: int) -> str:
    """The `webhook-id` of an event: the same on every attempt, so a receiver can drop a
    repeat."""
    return f"evt_{event_id}"


# -- use cases -------------------------------------------------------------------------------
def _platform_id(session: Session, platform: str) -> int:
    pid = session.exec(select(Platform.id).where(Platform.name == platform)).first()
    if pid is None:
        raise NotFound(f"unknown platform {platform!r}", platform=platform)
    return pid


def add(
    ctx: Context,
    platform: str,
    url: str,
    events: Sequence[str] | None = None,
    insecure: bool = False,
) -> NewWebhook:
    """Add a webhook for `platform`'s events (every type when `events` is None) with a new
    signing secret, returned once. The URL is checked as `check_url` says."""
    types = _events(events)
    target = check_url(url, insecure=insecure)  # before the transaction: it may resolve a name
    with ctx.store.session(write=True) as session:
        authorise(ctx, session, Use.WEBHOOKS)
        pid = _platform_id(session, platform)
        same = session.exec(
            select(Webhook.id).where(Webhook.platform_id == pid, Webhook.url == target.url)
        ).first()
        if same is not None:
            raise Conflict(
                f"platform {platform!r} already has webhook {same} for {target.url}",
                webhook=same,
                platform=platform,
            )
        secret = new_secret()
        row = Webhook(
            platform_id=pid,
            url=target.url,
            events=json.dumps(list(types)),
            secret=secret,
            created_at=ctx.now(),
            created_by=ctx.actor,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            ctx,
            action=AuditAction.WEBHOOK_ADD,
            details={
                "webhook": row.id,
                "platform": platform,
                "url": target.url,
                "events": list(types),
            },
        )
        return NewWebhook(row.id or 0, target.url, platform, types, secret)


def list_webhooks(ctx: Context, platform: str | None = None) -> list[WebhookView]:
    """The webhooks (of one platform), with how their deliveries stand; never the secret."""
    with ctx.store.session() as session:
        authorise(ctx, session, Use.WEBHOOKS)
        query = select(Webhook, Platform.name).join(
            Platform, col(Platform.id) == Webhook.platform_id
        )
        if platform is not None:
            query = query.where(Platform.name == platform)
        rows = session.exec(query.order_by(col(Webhook.id))).all()
        counts: Counter[tuple[int, str]] = Counter()
        ids = [row.id for row, _ in rows]
        if ids:
            for hook, status, n in session.exec(
                select(WebhookDelivery.webhook_id, WebhookDelivery.status, func.count())
                .where(col(WebhookDelivery.webhook_id).in_(ids))
                .group_by(col(WebhookDelivery.webhook_id), col(WebhookDelivery.status))
            ):
                counts[hook, status] = n
        return [
            WebhookView(
                id=row.id or 0,
                platform=name,
                url=row.url,
                events=tuple(json.loads(row.events)),
                created_at=row.created_at,
                created_by=row.created_by,
                pending=counts[row.id, DeliveryStatus.PENDING.value],
                delivered=counts[row.id, DeliveryStatus.DELIVERED.value],
                failed=counts[row.id, DeliveryStatus.FAILED.value],
            )
            for row, name in rows
        ]


def remove(ctx: Context, webhook_id: int) -> None:
    """Remove a webhook and its deliveries (sent or not); its events stay in the outbox."""
    with ctx.store.session(write=True) as session:
        authorise(ctx, session, Use.WEBHOOKS)
        row, platform = with_platform(session, Webhook, webhook_id, "webhook")
        pending = session.exec(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(
                WebhookDelivery.webhook_id == webhook_id,
                WebhookDelivery.status == DeliveryStatus.PENDING.value,
            )
        ).one()
        session.execute(
            delete(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == webhook_id)
        )
        session.delete(row)
        audit.record(
            session,
            ctx,
            action=AuditAction.WEBHOOK_REMOVE,
            details={
                "webhook": webhook_id,
                "platform": platform,
                "url": row.url,
                "undelivered": pending,
            },
        )


def _event_views(session: Session, events: Sequence[tuple[WebhookEvent, str]]) -> list[EventView]:
    ids = [e.id for e, _ in events]
    by_event: dict[int, list[DeliveryView]] = {i: [] for i in ids if i is not None}
    if ids:
        rows = session.exec(
            select(WebhookDelivery, Webhook.url)
            .join(Webhook, col(Webhook.id) == WebhookDelivery.webhook_id)
            .where(col(WebhookDelivery.event_id).in_(ids))
            .order_by(col(WebhookDelivery.event_id), col(WebhookDelivery.webhook_id))
        ).all()
        for d, url in rows:
            pending = d.status == DeliveryStatus.PENDING.value
            by_event[d.event_id].append(
                DeliveryView(
                    webhook=d.webhook_id,
                    url=url,
                    status=d.status,
                    attempts=d.attempts,
                    next_attempt_at=d.next_attempt_at if pending else None,
                    last_attempt_at=d.last_attempt_at,
                    last_error=d.last_error,
                    delivered_at=d.delivered_at,
                )
            )
    return [
        EventView(
            id=e.id or 0,
            type=e.type,
            platform=platform,
            order=e.order_id,
            created_at=e.created_at,
            deliveries=tuple(by_event.get(e.id or 0, ())),
        )
        for e, platform in events
    ]


def list_events(
    ctx: Context,
    order_id: int | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> EventPage:
    """The outbox, oldest first: the `limit` most recent events (all when None) of one order
    and/or with a delivery in `status`, each with how its delivery to each webhook stands."""
    if status is not None and status not in {s.value for s in DeliveryStatus}:
        valid = ", ".join(s.value for s in DeliveryStatus)
        raise InvalidInput(
            f"unknown delivery status {status!r}: the statuses are {valid}",
            field="status",
            status=status,
        )
    if limit is not None and limit < 0:
        raise InvalidInput("limit must not be negative", field="limit", limit=limit)
    with ctx.store.session() as session:
        authorise(ctx, session, Use.WEBHOOKS)
        conditions = []
        if order_id is not None:
            conditions.append(col(WebhookEvent.order_id) == order_id)
        if status is not None:
            conditions.append(
                col(WebhookEvent.id).in_(
                    select(WebhookDelivery.event_id).where(WebhookDelivery.status == status)
                )
            )
        total = session.exec(
            select(func.count()).select_from(WebhookEvent).where(*conditions)
        ).one()
        query = (
            select(WebhookEvent, Platform.name)
            .join(Platform, col(Platform.id) == WebhookEvent.platform_id)
            .where(*conditions)
            .order_by(col(WebhookEvent.id).desc())
        )
        if limit is not None:
            query = query.limit(limit)
        events = list(reversed(session.exec(query).all()))
        return EventPage(tuple(_event_views(session, events)), total)


def redeliver(ctx: Context, event_id: int) -> EventView:
    """Send an event again to each webhook it is for: its deliveries become pending, due now,
    with a fresh set of attempts (whether they were delivered, failed or still pending). Later
    events of the same order wait for it again."""
    with ctx.store.session(write=True) as session:
        authorise(ctx, session, Use.WEBHOOKS)
        event, platform = with_platform(session, WebhookEvent, event_id, "event")
        done = session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.event_id) == event_id)
            .values(
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                next_attempt_at=ctx.now(),
                last_error=None,
                delivered_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        audit.record(
            session,
            ctx,
            action=AuditAction.WEBHOOK_REDELIVER,
            details={
                "event": event_id,
                "type": event.type,
                "platform": platform,
                "order": event.order_id,
                "deliveries": done.rowcount,
            },
        )
        session.expire_all()
        (view,) = _event_views(session, [(event, platform)])
        return view


# -- delivery --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Claim:
    """A delivery this deliverer has claimed until `lease_until`, and what sending it needs."""

    delivery: int
    event: int
    attempt: int  # this attempt's number, 1 for the first
    lease_until: datetime
    url: str
    secret: str
    payload: str


def _claim(ctx: Context, limit: int) -> list[_Claim]:
    """Claim up to `limit` due deliveries, each the oldest undelivered event of its order for
    its webhook, in one short transaction."""
    with ctx.store.session(write=True) as session:
        authorise(ctx, session, Use.WEBHOOKS)
        now = ctx.now()
        pending = DeliveryStatus.PENDING.value
        earlier = aliased(WebhookDelivery)
        held_back = exists().where(
            earlier.webhook_id == WebhookDelivery.webhook_id,
            earlier.order_id == WebhookDelivery.order_id,
            earlier.event_id < WebhookDelivery.event_id,
            earlier.status == pending,
        )
        ids = session.exec(
            select(WebhookDelivery.id)
            .join(WebhookEvent, col(WebhookEvent.id) == WebhookDelivery.event_id)
            .join(Webhook, col(Webhook.id) == WebhookDelivery.webhook_id)
            .where(
                WebhookDelivery.status == pending,
                WebhookDelivery.next_attempt_at <= now,
                # an event goes to the webhooks of its own platform only, whatever a row says
                col(Webhook.platform_id) == col(WebhookEvent.platform_id),
                ~held_back,
            )
            .order_by(col(WebhookDelivery.event_id), col(WebhookDelivery.id))
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        ).all()
        if not ids:
            return []
        lease_until = now + LEASE
        session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id).in_(ids))
            .values(
                attempts=col(WebhookDelivery.attempts) + 1,
                last_attempt_at=now,
                next_attempt_at=lease_until,
            )
            .execution_options(synchronize_session=False)
        )
        rows = session.exec(
            select(
                WebhookDelivery.id,
                WebhookDelivery.event_id,
                WebhookDelivery.attempts,
                Webhook.url,
                Webhook.secret,
                WebhookEvent.payload,
            )
            .join(WebhookEvent, col(WebhookEvent.id) == WebhookDelivery.event_id)
            .join(Webhook, col(Webhook.id) == WebhookDelivery.webhook_id)
            .where(col(WebhookDelivery.id).in_(ids))
            .order_by(col(WebhookDelivery.event_id), col(WebhookDelivery.id))
        ).all()
        return [
            _Claim(delivery, event, attempt, lease_until, url, secret, payload)
            for delivery, event, attempt, url, secret, payload in rows
        ]


def _record(ctx: Context, claim: _Claim, error: str | None) -> str:
    """Write how an attempt went, if the claim is still ours: `delivered`, `retrying`,
    `failed`, or `superseded` when it no longer is."""
    now = ctx.now()
    values: dict[str, Any]
    if error is None:
        outcome = "delivered"
        values = {"status": DeliveryStatus.DELIVERED.value, "delivered_at": now, "last_error": None}
    elif claim.attempt >= ATTEMPTS:
        outcome = "failed"
        values = {"status": DeliveryStatus.FAILED.value, "last_error": error}
    else:
        outcome = "retrying"
        values = {"next_attempt_at": now + SCHEDULE[claim.attempt - 1], "last_error": error}
    with ctx.store.session(write=True) as session:
        done = session.execute(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.id) == claim.delivery,
                col(WebhookDelivery.status) == DeliveryStatus.PENDING.value,
                col(WebhookDelivery.attempts) == claim.attempt,
                col(WebhookDelivery.next_attempt_at) == claim.lease_until,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return outcome if done.rowcount == 1 else "superseded"


def signed_headers(secret: str, msg_id: str, at: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt made at `at`."""
    at = at.astimezone(UTC).replace(microsecond=0)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": StandardWebhook(secret).sign(msg_id, at, body),
        "content-type": "application/json",
        "user-agent": f"hwctl/{__version__} (webhooks)",
    }


def _attempt(claim: _Claim, send: Send, wall_clock: Callable[[], datetime]) -> str | None:
    headers = signed_headers(claim.secret, message_id(claim.event), wall_clock(), claim.payload)
    try:
        return send(claim.url, claim.payload.encode("utf-8"), headers)
    except Exception as e:  # noqa: BLE001 - a sender's bug must not leave the claim unrecorded
        return f"internal error: {type(e).__name__}: {_one_line(e)}"


def deliver(
    ctx: Context,
    *,
    send: Send | None = None,
    wall_clock: Callable[[], datetime] = system_clock,
    batch: int = BATCH,
    workers: int = WORKERS,
    stop: threading.Event | None = None,
) -> DeliveryCounts:
    """Send every delivery that is due (and those a delivery unblocks: the next event of the
    same order), `workers` at a time, until none is due or `stop` is set; what happened.

    `ctx`'s clock decides what is due and when a retry is; `webhook-timestamp` is the
    `wall_clock` of each attempt (the receiver compares it with its own clock). `send` is
    `post` unless given."""
    send = send or post
    counts: Counter[str] = Counter()
    while stop is None or not stop.is_set():
        claims = _claim(ctx, batch)
        if not claims:
            break
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(claims)))) as pool:
            attempts = {pool.submit(_attempt, c, send, wall_clock): c for c in claims}
            for done in as_completed(attempts):
                counts[_record(ctx, attempts[done], done.result())] += 1
    return DeliveryCounts(
        attempted=sum(counts.values()),
        delivered=counts["delivered"],
        retrying=counts["retrying"],
        failed=counts["failed"],
        superseded=counts["superseded"],
    )


def deliver_until(
    ctx: Context,
    stop: threading.Event,
    *,
    interval: float,
    on_round: Callable[[DeliveryCounts], None] | None = None,
    on_error: Callable[[StoreError], None] | None = None,
    **options: Any,  # noqa: ANN401 - deliver's
) -> DeliveryCounts:
    """`deliver` every `interval` seconds until `stop` is set; all it did. A store that cannot
    be reached for a while is reported (`on_error`) and tried again at the next round."""
    total = DeliveryCounts()
    while not stop.is_set():
        try:
            counts = deliver(ctx, stop=stop, **options)
        except StoreError as e:
            if on_error is not None:
                on_error(e)
        else:
            total += counts
            if counts.attempted and on_round is not None:
                on_round(counts)
        stop.wait(interval)
    return total


# -- HTTP ------------------------------------------------------------------------------------
def _one_line(error: object) -> str:
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\s]+", " ", str(error)).strip()
    return text[:ERROR_CHARS] or type(error).__name__


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer that is not 2xx: never followed (it could lead anywhere)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        return None


def _pinned(
    connection: type[http.client.HTTPConnection], addresses: Sequence[IPAddress]
) -> Callable[..., http.client.HTTPConnection]:
    """`connection` made to connect to the addresses checked (the first that answers),
    whatever the host name resolves to by then; the name still goes in `Host` and, over TLS,
    in SNI and the certificate check."""

    def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:  # noqa: ANN401
        conn = connection(host, **kwargs)

        def create_connection(addr: tuple[str, int], *args: Any) -> socket.socket:  # noqa: ANN401
            error: OSError | None = None
            for address in addresses:
                try:
                    return socket.create_connection((str(address), addr[1]), *args)
                except OSError as e:
                    error = e
            raise error or OSError("no address to connect to")

        # http.client connects through this attribute (set in HTTPConnection.__init__).
        conn._create_connection = create_connection  # type: ignore[attr-defined]
        return conn

    return make


class _PinnedHTTP(urllib.request.HTTPHandler):
    def __init__(self, addresses: Sequence[IPAddress]) -> None:
        super().__init__()
        self.addresses = addresses

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_pinned(http.client.HTTPConnection, self.addresses), req)


class _PinnedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, addresses: Sequence[IPAddress]) -> None:
        super().__init__(context=ssl.create_default_context())
        self.addresses = addresses

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(
            _pinned(http.client.HTTPSConnection, self.addresses),
            req,
            context=self._context,  # type: ignore[attr-defined]
        )


def post(
    url: str, body: bytes, headers: Mapping[str, str], *, timeout: float = TIMEOUT
) -> str | None:
    """POST `body` to `url` (checked again first, and connected to the address checked), no
    proxy, no redirect followed: None for a 2xx answer, else why not, in one line."""
    try:
        target = check_url(url, insecure=True)  # only a loopback URL was added insecure
    except InvalidInput as e:
        return f"refused: {e.message}"
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _NoRedirects(),
        _PinnedHTTP(target.addresses),
        _PinnedHTTPS(target.addresses),
    )
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read(65536)
            status = response.status
    except urllib.error.HTTPError as e:
        e.close()
        return _one_line(f"HTTP {e.code} {e.reason}")
    except urllib.error.URLError as e:
        return _one_line(e.reason)
    except (OSError, http.client.HTTPException, ValueError) as e:
        return _one_line(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)
    if not 200 <= status < 300:
        return f"HTTP {status}"
    return None


def parse_id(text: str, what: str) -> int:
    """A webhook or event id as typed (`3`; an event also as its `webhook-id`, `evt_3`)."""
    value = text.strip()
    if what == "event" and value.startswith("evt_"):
        value = value[4:]
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise InvalidInput(
            f"not {'an' if what[0] in 'aeiou' else 'a'} {what} id: {text!r}", field=what
        )
    return int(value)
