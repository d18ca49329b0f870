"""A platform's webhooks: a super-admin adds one (its Standard Webhooks signing secret shown
once), lists them with how their deliveries stand, and removes one; each change audited. Where
a webhook may point is the injected transport's to check (`Transport.check_url`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from hwctl.app import audit
from hwctl.app.context import Context, authorise
from hwctl.app.queries import with_platform
from hwctl.app.views import iso
from hwctl.app.webhooks.signing import new_secret
from hwctl.app.webhooks.transport import Transport
from hwctl.domain.access import Use
from hwctl.errors import Conflict, InvalidInput, NotFound
from hwctl.store.models import Platform, Webhook, WebhookDelivery
from hwctl.vocabulary import AuditAction, DeliveryStatus, EventType

EVENT_TYPES = tuple(e.value for e in EventType)


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
    *,
    transport: Transport,
) -> NewWebhook:
    """Add a webhook for `platform`'s events (every type when `events` is None) with a new
    signing secret, returned once. The URL is checked by `transport.check_url` (the real one:
    HTTPS to public addresses only; `insecure` allows a loopback host)."""
    types = _events(events)
    # before the transaction: it may resolve a name
    url = transport.check_url(url, insecure=insecure)
    with ctx.store.session(write=True) as session:
        authorise(ctx, session, Use.WEBHOOKS)
        pid = _platform_id(session, platform)
        same = session.exec(
            select(Webhook.id).where(Webhook.platform_id == pid, Webhook.url == url)
        ).first()
        if same is not None:
            raise Conflict(
                f"platform {platform!r} already has webhook {same} for {url}",
                webhook=same,
                platform=platform,
            )
        secret = new_secret()
        row = Webhook(
            platform_id=pid,
            url=url,
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
                "url": url,
                "events": list(types),
            },
        )
        return NewWebhook(row.id or 0, url, platform, types, secret)


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
