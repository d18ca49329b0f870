"""Delivering the outbox (hwctl.app.webhooks.deliver) through the real transport to a real
receiver on 127.0.0.1 that verifies every request with `standardwebhooks`, on SQLite and
PostgreSQL: every event type, signed, with the order as the API shows it; in order per order;
retries on the Standard Webhooks schedule (time moved by the test's clock, never slept); giving
up, and sending again on request; each event to its own platform's webhooks only; what a
deliverer that crashes or is overtaken leaves behind; and what a receiver never gets
(redirects, slow answers, a name that now resolves to a private address)."""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from hwctl.app import fulfilment, orders, webhooks
from hwctl.app.resources import order_resource
from hwctl.domain.fulfilment import Answer
from hwctl.domain.order_edit import SetQuantity
from hwctl.domain.status import Action
from hwctl.io import webhook_transport
from hwctl.store.models import HardwareOrder, WebhookDelivery, WebhookEvent
from hwctl.vocabulary import DeliveryStatus
from tests.conftest import act, make_order
from tests.webhooks.conftest import Sending, add_hook, deliver, events_of, statuses

CREATED, EDITED, APPROVED = "order.created", "order.edited", "order.approved"
REJECTED, FULFILLED, CANCELLED = "order.rejected", "order.fulfilled", "order.cancelled"
ALL_TYPES = {CREATED, EDITED, APPROVED, REJECTED, FULFILLED, CANCELLED}


def stored_payloads(store) -> dict[int, str]:  # noqa: ANN001
    with store.session() as session:
        return {e.id: e.payload for e in session.exec(select(WebhookEvent))}


def the_order(store, order_id: int) -> dict:  # noqa: ANN001
    """The order as `GET /v1/orders/{id}` shows it now."""
    with store.session() as session:
        return order_resource(session, session.get(HardwareOrder, order_id))


# -- what arrives ----------------------------------------------------------------------------
def test_every_event_type_arrives_signed_with_the_order_as_the_api_shows_it(seeded, receiver):
    add_hook(seeded, receiver)
    fulfilled = make_order(seeded)
    orders.edit_order(act(seeded), fulfilled, [SetQuantity(1, 1)])
    orders.decide(act(seeded), [fulfilled], Action.APPROVE)
    fulfilment.fulfil(act(seeded), fulfilled, {1: Answer("00:15:65:00:00:01")})
    rejected = make_order(seeded, "rejected")
    cancelled = make_order(seeded, "cancelled")

    counts = deliver(seeded)

    assert (counts.attempted, counts.delivered) == (8, 8)
    got = receiver.got("/acme")
    assert {r.event["type"] for r in got} == ALL_TYPES
    payloads = stored_payloads(seeded)
    for r in got:
        event_id = int(r.msg_id.removeprefix("evt_"))
        assert r.msg_id == f"evt_{event_id}"
        assert r.body == payloads[event_id].encode()  # the stored payload, byte for byte
        assert set(r.event) == {"type", "timestamp", "data"}
        assert abs(r.timestamp - time.time()) < 60  # webhook-timestamp: this attempt's
    by_type = {(r.event["data"]["id"], r.event["type"]): r.event["data"] for r in got}
    assert by_type[fulfilled, CREATED]["items"][0]["quantity"] == 2
    assert by_type[fulfilled, EDITED]["items"][0]["quantity"] == 1
    assert by_type[fulfilled, APPROVED]["status"] == "approved"
    assert by_type[fulfilled, FULFILLED] == the_order(seeded, fulfilled)
    assert by_type[fulfilled, FULFILLED]["units"][0]["device"]["mac"] == "001565000001"
    assert by_type[rejected, REJECTED]["rejection_reason"] == "test reason"
    assert by_type[rejected, REJECTED]["status"] == "rejected"
    assert by_type[cancelled, CANCELLED]["status"] == "cancelled"
    assert {s for _, s in statuses(seeded)} == {"delivered"}


def test_a_webhook_gets_only_the_event_types_it_takes(seeded, receiver):
    add_hook(seeded, receiver, events=[APPROVED, CANCELLED])
    make_order(seeded, "approved")
    make_order(seeded, "rejected")
    deliver(seeded)
    assert receiver.types() == [APPROVED]


def test_an_event_goes_to_the_webhooks_of_its_own_platform_only(seeded, receiver):
    add_hook(seeded, receiver, "/acme")
    add_hook(seeded, receiver, "/acme-too")
    blue = add_hook(seeded, receiver, "/blue", platform="Blue Sky")
    acme_order = make_order(seeded)
    blue_order = make_order(
        seeded, platform="Blue Sky", account="Umbrella Ltd", items=[{"sku": "D385", "quantity": 1}]
    )
    deliver(seeded)
    assert {r.event["data"]["id"] for r in receiver.got("/acme")} == {acme_order}
    assert {r.event["data"]["id"] for r in receiver.got("/acme-too")} == {acme_order}
    assert {r.event["data"]["id"] for r in receiver.got("/blue")} == {blue_order}

    # A delivery row that would send an Acme event to Blue Sky's webhook is never sent.
    (acme_event,) = [e.id for e in events_of(seeded, order_id=acme_order)]
    with seeded.session(write=True) as session:
        session.add(
            WebhookDelivery(event_id=acme_event, webhook_id=blue.id, order_id=acme_order,
                            status="pending", attempts=0, next_attempt_at=act(seeded).now())
        )  # fmt: skip
    assert deliver(seeded).attempted == 0
    assert {r.event["data"]["id"] for r in receiver.got("/blue")} == {blue_order}


# -- order and retries -----------------------------------------------------------------------
def test_an_orders_events_arrive_in_order_and_wait_while_an_earlier_one_is_undelivered(
    seeded, receiver, clock
):
    add_hook(seeded, receiver)
    first = make_order(seeded, "approved")  # created, approved
    other = make_order(seeded)  # created
    failing = {"on": True}
    receiver.status_for = lambda path, event: (
        500 if failing["on"] and event["data"]["id"] == first else None
    )

    counts = deliver(seeded, clock)
    assert (counts.attempted, counts.delivered, counts.retrying) == (2, 1, 1)
    assert [(r.event["data"]["id"], r.event["type"]) for r in receiver.got(answered=204)] == [
        (other, CREATED)
    ]
    assert receiver.types() == [CREATED, CREATED]  # the approval waits for the creation
    orders.decide(act(seeded), [other], Action.APPROVE)  # another order is not held back
    clock.catch_up()
    assert deliver(seeded, clock).attempted == 1
    ((retry,),) = [e.deliveries for e in events_of(seeded, order_id=first) if e.type == CREATED]
    clock.now = retry.next_attempt_at - timedelta(seconds=1)
    assert deliver(seeded, clock).attempted == 0

    failing["on"] = False
    clock.now = retry.next_attempt_at
    assert deliver(seeded, clock).delivered == 2  # the creation, then (unblocked) the approval
    first_seen = [r for r in receiver.got() if r.event["data"]["id"] == first]
    assert [(r.event["type"], r.status) for r in first_seen] == [
        (CREATED, 500),
        (CREATED, 204),
        (APPROVED, 204),
    ]


def test_a_receiver_that_fails_then_recovers_gets_the_event_after_the_backoff(
    seeded, receiver, clock
):
    add_hook(seeded, receiver)
    receiver.answers["/acme"] = [500, 503]
    make_order(seeded)

    first = deliver(seeded, clock)
    assert (first.attempted, first.retrying) == (1, 1)
    ((d,),) = [e.deliveries for e in events_of(seeded)]
    assert (d.status, d.attempts, d.last_error) == ("pending", 1, "HTTP 500 Internal Server Error")
    assert d.next_attempt_at == clock.now + timedelta(seconds=5)

    clock.advance(seconds=4)
    assert deliver(seeded, clock).attempted == 0  # not due yet
    clock.advance(seconds=1)
    assert deliver(seeded, clock).retrying == 1  # 503, next in 5 minutes
    clock.advance(minutes=4, seconds=59)
    assert deliver(seeded, clock).attempted == 0
    clock.advance(seconds=1)
    assert deliver(seeded, clock).delivered == 1

    assert [r.status for r in receiver.got()] == [500, 503, 204]
    assert len({r.msg_id for r in receiver.got()}) == 1  # one webhook-id across the retries
    ((d,),) = [e.deliveries for e in events_of(seeded)]
    assert (d.status, d.attempts, d.last_error, d.delivered_at) == (
        "delivered", 3, None, clock.now)  # fmt: skip


def test_after_the_whole_schedule_the_delivery_fails_and_redeliver_sends_it_again(
    seeded, receiver, clock
):
    add_hook(seeded, receiver)
    oid = make_order(seeded)
    failing = {"on": True}
    receiver.status_for = lambda path, event: (
        500 if failing["on"] and event["type"] == CREATED else None
    )
    start = clock.now
    assert deliver(seeded, clock).retrying == 1
    orders.decide(act(seeded), [oid], Action.APPROVE)  # waits behind the creation
    for wait in webhooks.SCHEDULE[:-1]:
        clock.advance(seconds=wait.total_seconds())
        assert deliver(seeded, clock).retrying == 1
    assert receiver.types(answered=204) == []

    clock.advance(seconds=webhooks.SCHEDULE[-1].total_seconds())
    last = deliver(seeded, clock)
    assert (last.failed, last.delivered) == (1, 1)  # the creation gives up; the approval goes
    assert clock.now - start > timedelta(days=1)
    assert receiver.types() == [CREATED] * webhooks.ATTEMPTS + [APPROVED]
    assert statuses(seeded) == [(CREATED, "failed"), (APPROVED, "delivered")]
    clock.advance(days=7)
    assert deliver(seeded, clock).attempted == 0  # failed stays failed

    failing["on"] = False
    created = events_of(seeded)[0]
    again = webhooks.redeliver(act(seeded, now=clock.now), created.id)
    assert [(d.status, d.attempts, d.last_error) for d in again.deliveries] == [
        ("pending", 0, None)
    ]
    assert deliver(seeded, clock).delivered == 1
    assert receiver.types(answered=204) == [APPROVED, CREATED]
    assert statuses(seeded) == [(CREATED, "delivered"), (APPROVED, "delivered")]


def test_redeliver_sends_a_delivered_event_again_with_the_same_webhook_id(seeded, receiver):
    add_hook(seeded, receiver)
    make_order(seeded)
    deliver(seeded)
    (event,) = events_of(seeded)
    webhooks.redeliver(act(seeded), event.id)
    assert deliver(seeded).delivered == 1
    assert [r.msg_id for r in receiver.got()] == [f"evt_{event.id}"] * 2


# -- what a receiver never gets --------------------------------------------------------------
def test_a_redirect_is_a_failed_attempt_and_is_not_followed(seeded, receiver):
    add_hook(seeded, receiver)
    receiver.answers["/acme"] = [302]
    make_order(seeded)
    assert deliver(seeded).retrying == 1
    ((d,),) = [e.deliveries for e in events_of(seeded)]
    assert d.last_error == "HTTP 302 Found"
    assert receiver.got("/redirected") == []  # and the fixture saw no unverifiable request


def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(seeded, receiver):
    add_hook(seeded, receiver)
    receiver.delay = 1.5
    make_order(seeded)
    counts = deliver(seeded, timeout=0.3)
    assert counts.retrying == 1
    ((d,),) = [e.deliveries for e in events_of(seeded)]
    assert "timed out" in d.last_error


def test_a_receiver_that_is_not_listening_is_a_failed_attempt(seeded, receiver):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free again once closed: nobody listens there
    added = webhooks.add(
        act(seeded),
        "Acme Voice",
        f"http://127.0.0.1:{port}/x",
        insecure=True,
        transport=webhooks.network(),
    )
    make_order(seeded)
    assert deliver(seeded).retrying == 1
    ((d,),) = [e.deliveries for e in events_of(seeded)]
    assert (d.webhook, d.status) == (added.id, "pending")
    assert "refused" in d.last_error.lower()
    assert "\n" not in d.last_error


def test_a_name_that_resolves_to_a_private_address_by_delivery_time_is_not_sent_to(
    seeded, monkeypatch
):
    answers = {"hooks.acme.example": ["93.184.215.14"]}
    monkeypatch.setattr(
        webhook_transport, "resolve", lambda host, port: [ipaddress.ip_address(a) for a in
                                                          answers[host]]
    )  # fmt: skip
    webhooks.add(
        act(seeded), "Acme Voice", "https://hooks.acme.example/hwctl", transport=webhooks.network()
    )
    make_order(seeded)
    answers["hooks.acme.example"] = ["93.184.215.14", "10.0.0.7"]  # rebound
    sent = []
    counts = deliver(seeded, transport=Sending(lambda url, body, headers: sent.append(url) or None))
    assert counts.delivered == 1 and sent  # an injected sender sends what it is given...
    webhooks.redeliver(act(seeded), events_of(seeded)[0].id)
    assert deliver(seeded).retrying == 1  # ...the real one checks the address again first
    ((d,),) = [e.deliveries for e in events_of(seeded)]
    assert d.last_error == (
        "refused: webhook URL 'https://hooks.acme.example/hwctl': hooks.acme.example resolves "
        "to 10.0.0.7, a private address"
    )


def test_the_request_goes_to_the_address_that_was_checked(seeded, receiver, monkeypatch):
    """A name is resolved once per attempt, checked, and the connection made to that address:
    http.client never resolves the name again (a second answer could be another address)."""
    name = "receiver.localhost"
    monkeypatch.setattr(
        webhook_transport, "resolve", lambda host, port: [ipaddress.ip_address("127.0.0.1")]
    )
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        if host == name:
            raise socket.gaierror(socket.EAI_NONAME, "resolved twice")
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    added = webhooks.add(
        act(seeded),
        "Acme Voice",
        f"http://{name}:{receiver.port}/acme",
        insecure=True,
        transport=webhooks.network(),
    )
    receiver.secrets["/acme"] = added.secret
    make_order(seeded)
    assert deliver(seeded).delivered == 1
    (r,) = receiver.got()
    assert r.host == f"{name}:{receiver.port}"


# -- deliverers that crash or are overtaken --------------------------------------------------
def test_a_deliverer_that_dies_mid_send_leaves_its_claim_to_the_next_after_the_lease(
    seeded, receiver, clock
):
    add_hook(seeded, receiver)
    make_order(seeded)

    def die(url, body, headers):  # noqa: ANN001, ANN202
        raise KeyboardInterrupt  # the process is going away: nothing recorded

    with pytest.raises(KeyboardInterrupt):
        deliver(seeded, clock, transport=Sending(die))
    assert deliver(seeded, clock).attempted == 0  # still claimed
    clock.advance(seconds=webhooks.LEASE.total_seconds() - 1)
    assert deliver(seeded, clock).attempted == 0
    clock.advance(seconds=1)
    assert deliver(seeded, clock).delivered == 1
    assert len(receiver.got()) == 1
    ((d,),) = [e.deliveries for e in events_of(seeded)]
    assert d.attempts == 2  # the attempt that died counts


def test_an_attempt_overtaken_by_redeliver_is_not_recorded_and_the_event_goes_again(
    seeded, receiver
):
    add_hook(seeded, receiver)
    make_order(seeded)
    (event,) = events_of(seeded)

    asked = []

    def send_while_an_admin_asks_again(url, body, headers):  # noqa: ANN001, ANN202
        if not asked:  # the first attempt: meanwhile an admin asks for the event again
            asked.append(webhooks.redeliver(act(seeded), event.id))
            return "HTTP 500 Internal Server Error"
        return webhooks.network().post(url, body, headers, timeout=webhooks.TIMEOUT)

    counts = deliver(seeded, transport=Sending(send_while_an_admin_asks_again))
    # The failed attempt is not recorded (the redelivery stands), and the event goes again.
    assert (counts.attempted, counts.superseded, counts.delivered) == (2, 1, 1)
    assert [(d.status, d.attempts) for d in asked[0].deliveries] == [("pending", 0)]
    ((d,),) = [e.deliveries for e in events_of(seeded)]
    assert (d.status, d.attempts, d.last_error) == ("delivered", 1, None)
    assert len(receiver.got()) == 1


def test_an_attempt_whose_webhook_was_removed_meanwhile_is_not_recorded(seeded, receiver):
    hook = add_hook(seeded, receiver)
    make_order(seeded)

    def send_while_the_hook_goes(url, body, headers):  # noqa: ANN001, ANN202
        webhooks.remove(act(seeded), hook.id)
        return None

    assert deliver(seeded, transport=Sending(send_while_the_hook_goes)).superseded == 1
    with seeded.session() as session:
        assert session.exec(select(WebhookDelivery)).all() == []


def test_the_webhook_list_counts_pending_delivered_and_failed_deliveries(seeded, receiver, clock):
    add_hook(seeded, receiver)
    oid = make_order(seeded, "approved")
    make_order(seeded)
    receiver.status_for = lambda path, event: 500 if event["data"]["id"] == oid else None
    deliver(seeded, clock)
    (hook,) = webhooks.list_webhooks(act(seeded))
    assert (hook.pending, hook.delivered, hook.failed) == (2, 1, 0)
    for wait in webhooks.SCHEDULE:
        clock.advance(seconds=wait.total_seconds())
        deliver(seeded, clock)
    (hook,) = webhooks.list_webhooks(act(seeded))
    # the creation gave up; the approval, unblocked, failed its first attempt
    assert (hook.pending, hook.delivered, hook.failed) == (1, 1, 1)
    assert json.loads(json.dumps(hook.to_json()))["deliveries"] == {
        "pending": 1, "delivered": 1, "failed": 1}  # fmt: skip
    assert {s for _, s in statuses(seeded, status=DeliveryStatus.FAILED.value)} == {"failed"}
