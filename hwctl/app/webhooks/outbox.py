"""The outbox as a super-admin sees it: the events of the orders (written by `hwctl.app.events`
in each change's own transaction), each with how its delivery to each webhook stands; and
sending one again (`redeliver`), audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from hwctl.app import audit
from hwctl.app.context import Context, authorise
from hwctl.app.queries import with_platform
from hwctl.app.views import iso
from hwctl.app.webhooks.signing import message_id
from hwctl.domain.access import Use
from hwctl.errors import InvalidInput
from hwctl.store.models import Platform, Webhook, WebhookDelivery, WebhookEvent
from hwctl.vocabulary import AuditAction, DeliveryStatus


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
