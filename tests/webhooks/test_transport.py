"""The injection point of the webhook use cases, on SQLite and PostgreSQL: `add` and `deliver`
ask the transport they are given, and nothing else, where a webhook may point and how an
attempt went; what the transport answers is recorded as one line. (Every other webhook test
runs the real transport, `webhooks.network()`, against a receiver on 127.0.0.1.)"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from hwctl.app import webhooks
from hwctl.errors import InvalidInput
from tests.conftest import act, make_order
from tests.webhooks.conftest import deliver, events_of

PRIVATE = "https://10.0.0.1/hooks"  # the real transport refuses it
PUBLIC = "https://93.184.215.14/hwctl"  # the real transport takes it


@dataclass
class AllowList:
    """A transport that takes only the URLs it lists and answers every POST with `answer`."""

    allowed: set[str]
    answer: str | None = None
    posted: list[tuple[str, str, str, float]] = field(default_factory=list)

    def check_url(self, url: str, *, insecure: bool) -> str:
        if url not in self.allowed:
            raise InvalidInput(f"webhook URL {url!r}: not on the allow list", field="url")
        return url

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, timeout: float
    ) -> str | None:
        self.posted.append((url, json.loads(body)["type"], headers["webhook-id"], timeout))
        return self.answer


def test_add_and_deliver_ask_only_the_transport_they_are_given(seeded, clock):
    transport = AllowList({PRIVATE})
    with pytest.raises(InvalidInput, match="not on the allow list"):
        webhooks.add(act(seeded), "Acme Voice", PUBLIC, transport=transport)
    assert webhooks.list_webhooks(act(seeded)) == []
    added = webhooks.add(act(seeded), "Acme Voice", PRIVATE, transport=transport)
    assert [w.url for w in webhooks.list_webhooks(act(seeded))] == [added.url] == [PRIVATE]

    make_order(seeded)
    (event,) = events_of(seeded)
    transport.answer = "HTTP 503 Service Unavailable\r\n\tcome back later"
    assert deliver(seeded, clock, transport=transport, timeout=2.5).retrying == 1
    assert transport.posted == [(PRIVATE, "order.created", event.webhook_id, 2.5)]
    ((d,),) = [e.deliveries for e in events_of(seeded)]
    assert (d.status, d.attempts) == ("pending", 1)
    assert d.last_error == "HTTP 503 Service Unavailable come back later"

    transport.answer = None
    clock.advance(seconds=webhooks.SCHEDULE[0].total_seconds())
    assert deliver(seeded, clock, transport=transport, timeout=2.5).delivered == 1
    ((d,),) = [e.deliveries for e in events_of(seeded)]
    assert (d.status, d.attempts, d.last_error) == ("delivered", 2, None)
    assert len(transport.posted) == 2
