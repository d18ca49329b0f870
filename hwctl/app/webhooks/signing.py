"""The Standard Webhooks identities: a webhook's signing secret, an event's message id (and
reading either id back as typed), and the signed headers of one attempt."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook as StandardWebhook

from hwctl import __version__
from hwctl.errors import InvalidInput

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """`whsec_` and the base64 of 32 random bytes (Standard Webhooks)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def message_id(event_id: int) -> str:
    """The `webhook-id` of an event: the same on every attempt, so a receiver can drop a
    repeat."""
    return f"evt_{event_id}"


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
