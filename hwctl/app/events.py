"""The outbox: every change of an order becomes an event for its platform's webhooks, written
in the change's own transaction (whichever door made it), so an event exists exactly when its
change was committed. `hwctl webhooks deliver` sends them later (`hwctl.app.webhooks`).

An event is written only when the platform has a webhook that takes its type; each such webhook
gets one delivery row. The payload is the exact body sent: `{"type", "timestamp", "data"}` with
`data` the order as `GET /v1/orders/{id}` shows it at the moment of the change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from hwctl.app.context import Context
from hwctl.app.resources import order_resource
from hwctl.app.views import iso
from hwctl.store.models import HardwareOrder, Webhook, WebhookDelivery, WebhookEvent
from hwctl.vocabulary import DeliveryStatus, EventType


@dataclass(frozen=True)
class Hook:
    """A webhook of the platform, as much of it as an event needs: its id and the event types
    it takes (stored as a JSON list)."""

    id: int
    events: str

    def takes(self, event: EventType) -> bool:
        return event.value in json.loads(self.events)


@dataclass(frozen=True)
class Known:
    """What the caller knows already of an order its transaction has just created: its
    platform, its resource and the platform's webhooks (read with the creation's lookups)."""

    platform_id: int
    resource: dict[str, Any]
    hooks: list[Hook]


@cache
def _hooks_statement() -> Select:
    return core_select(col(Webhook.id), col(Webhook.events)).where(
        col(Webhook.platform_id) == bindparam("platform_id")
    )


def subscribers(session: Session, platform_id: int, event: EventType) -> list[Hook]:
    rows = session.connection().execute(_hooks_statement(), {"platform_id": platform_id})
    return [hook for hook in (Hook(*row) for row in rows) if hook.takes(event)]


def emit(
    session: Session,
    ctx: Context,
    order_id: int,
    event: EventType,
    *,
    created: Known | None = None,
) -> WebhookEvent | None:
    """Write `event` for the order (as it is now, inside the caller's transaction) and one
    pending delivery per webhook of its platform that takes that type. `created`: what is
    known of an order this transaction has just created (nothing to read back)."""
    if created is not None:
        platform_id, resource = created.platform_id, created.resource
        hooks = [hook for hook in created.hooks if hook.takes(event)]
    else:
        order = session.get(HardwareOrder, order_id)
        if order is None:
            return None
        session.refresh(order)  # conditional UPDATEs bypass the identity map
        platform_id, resource = order.platform_id, None
        hooks = subscribers(session, platform_id, event)
    if not hooks:
        return None
    if resource is None:
        resource = order_resource(session, order)
    now = ctx.now()
    payload = {"type": event.value, "timestamp": iso(now), "data": resource}
    row = WebhookEvent(
        platform_id=platform_id,
        order_id=order_id,
        type=event.value,
        payload=json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
        created_at=now,
    )
    session.add(row)
    session.flush()
    for hook in hooks:
        session.add(
            WebhookDelivery(
                event_id=row.id,
                webhook_id=hook.id,
                order_id=order_id,
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                next_attempt_at=now,
            )
        )
    return row
