"""Delivering the outbox: sending what is due, and what each attempt records.

Every change of an order writes an event to the outbox in the change's own transaction
(`hwctl.app.events`), with one pending delivery per webhook of the order's platform that takes
its type. `deliver` sends what is due, signed per the Standard Webhooks specification, at least
once and in order per order, through the transport the door injects (`Transport`):

- claim: a short write transaction picks the due pending deliveries whose earlier events (same
  order, same webhook) are all delivered or given up, and pushes their next attempt a lease
  ahead. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several deliverers share the work; on SQLite
  the write lock serialises them. A crashed deliverer's claims come back when the lease ends.
- send: outside any transaction, by `Transport.post`, which checks the address again at that
  moment (the real one connects to the address it checked: no DNS rebinding).
- record: another short transaction, and only while the claim is still this deliverer's (not
  sent again since, nor reset by `redeliver`, nor its webhook removed). What the transport
  answered is recorded as one line of at most ERROR_CHARS characters.

A failed attempt is tried again after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (the Standard
Webhooks schedule: 8 attempts over more than a day), then the delivery is `failed`; a failed
delivery no longer holds back the later events of its order.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from hwctl.app.context import Context, authorise, system_clock
from hwctl.app.webhooks.signing import message_id, signed_headers
from hwctl.app.webhooks.transport import Transport
from hwctl.domain.access import Use
from hwctl.errors import StoreError
from hwctl.store.models import Webhook, WebhookDelivery, WebhookEvent
from hwctl.vocabulary import DeliveryStatus

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
ERROR_CHARS = 300  # last_error: one line, at most this long


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


def _attempt(
    claim: _Claim, transport: Transport, timeout: float, wall_clock: Callable[[], datetime]
) -> str | None:
    headers = signed_headers(claim.secret, message_id(claim.event), wall_clock(), claim.payload)
    try:
        error = transport.post(claim.url, claim.payload.encode("utf-8"), headers, timeout=timeout)
    except Exception as e:  # noqa: BLE001 - a sender's bug must not leave the claim unrecorded
        return f"internal error: {type(e).__name__}: {_one_line(e)}"
    return None if error is None else _one_line(error)


def deliver(
    ctx: Context,
    *,
    transport: Transport,
    timeout: float = TIMEOUT,
    wall_clock: Callable[[], datetime] = system_clock,
    batch: int = BATCH,
    workers: int = WORKERS,
    stop: threading.Event | None = None,
) -> DeliveryCounts:
    """Send every delivery that is due (and those a delivery unblocks: the next event of the
    same order), `workers` at a time, until none is due or `stop` is set; what happened.

    `ctx`'s clock decides what is due and when a retry is; `webhook-timestamp` is the
    `wall_clock` of each attempt (the receiver compares it with its own clock). Each attempt
    is sent by `transport` (the door's: `network()` for the real one), waiting at most
    `timeout` seconds for the answer."""
    counts: Counter[str] = Counter()
    while stop is None or not stop.is_set():
        claims = _claim(ctx, batch)
        if not claims:
            break
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(claims)))) as pool:
            attempts = {pool.submit(_attempt, c, transport, timeout, wall_clock): c for c in claims}
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
    **options: Any,  # noqa: ANN401 - deliver's (`transport` among them)
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


def _one_line(error: object) -> str:
    """What a delivery records of a failed attempt: one line, at most ERROR_CHARS long."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\s]+", " ", str(error)).strip()
    return text[:ERROR_CHARS] or type(error).__name__
