"""Webhooks: a platform's endpoints for the events of its orders, and their delivery.

One module per job, and what a door calls, here:

- `subscriptions`: add (its signing secret shown once), list and remove a platform's webhooks;
- `outbox`: the events and how each delivery stands; `redeliver` one;
- `delivery`: `deliver` what is due (claim, send, record) on the Standard Webhooks schedule;
- `signing`: secrets, message ids (`evt_12`) and the signed headers of an attempt;
- `transport`: the `Transport` the door injects into `add` and `deliver` (`network()`, the
  real one, lives outside the application layer, in `hwctl.io.webhook_transport`).
"""

from __future__ import annotations

from hwctl.app.webhooks.delivery import (
    ATTEMPTS,
    BATCH,
    LEASE,
    SCHEDULE,
    TIMEOUT,
    WORKERS,
    DeliveryCounts,
    deliver,
    deliver_until,
)
from hwctl.app.webhooks.outbox import DeliveryView, EventPage, EventView, list_events, redeliver
from hwctl.app.webhooks.signing import (
    SECRET_PREFIX,
    message_id,
    new_secret,
    parse_id,
    signed_headers,
)
from hwctl.app.webhooks.subscriptions import (
    EVENT_TYPES,
    NewWebhook,
    WebhookView,
    add,
    list_webhooks,
    remove,
)
from hwctl.app.webhooks.transport import Transport, network

__all__ = [
    "ATTEMPTS",
    "BATCH",
    "EVENT_TYPES",
    "LEASE",
    "SCHEDULE",
    "SECRET_PREFIX",
    "TIMEOUT",
    "WORKERS",
    "DeliveryCounts",
    "DeliveryView",
    "EventPage",
    "EventView",
    "NewWebhook",
    "Transport",
    "WebhookView",
    "add",
    "deliver",
    "deliver_until",
    "list_events",
    "list_webhooks",
    "message_id",
    "network",
    "new_secret",
    "parse_id",
    "redeliver",
    "remove",
    "signed_headers",
]
