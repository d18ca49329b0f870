"""The outbox: every change of an order becomes an event for its platform's webhooks, written
in the change's own transaction (whichever door made it), so an event exists exactly when its
change was committed. `hwctl webhooks deliver` sends them later (`hwctl.app.webhooks`).

An event is written only when the platform has a webhook that takes its type; each such webhook
gets one delivery row. The payload is the exact body sent: `{"type", "timestamp", "data"}` with
`data` the order as `GET /v1/orders/{id}` shows it at the moment of the change.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from hwctl.app.context import Context
from hwctl.app.resources import order_resource
from hwctl.app.views import iso
from hwctl.store.models import HardwareOrder, Webhook, WebhookDelivery, WebhookEvent
from hwctl.vocabulary import DeliveryStatus, EventType


def subscribers(session: Session, platform_id: int, event: EventType) -> list[Webhook]:
    hooks = session.exec(select(Webhook).where(Webhook.platform_id == platform_id)).all()
    return [h for h in hooks if event.value in json.loads(h.events)]


def emit(
    session: Session,
    ctx: Context,
    order_id: int,
    event: EventType,
    *,
    created: tuple[int, dict[str, Any]] | None = None,
) -> WebhookEvent | None:
    """Write `event` for the order (as it is now, inside the caller's transaction) and one
    pending delivery per webhook of its platform that takes that type. `created`: the platform
    id and resource of an order this transaction has just created (nothing to read back)."""
    if created is not None:
        platform_id, resource = created
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
