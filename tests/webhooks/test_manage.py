"""Managing webhooks (hwctl.app.webhooks) on SQLite and PostgreSQL: the secret shown once,
the event types a webhook takes, who may manage them, the audit entries of add, remove and
redeliver, what removing leaves, and listing the outbox to find an event."""

from __future__ import annotations

import base64
import json
import re

import pytest
from sqlmodel import select

from hwctl.app import audit, webhooks
from hwctl.errors import Conflict, InvalidInput, NotAuthorised, NotFound
from hwctl.store.models import Webhook, WebhookDelivery, WebhookEvent
from hwctl.vocabulary import EventType
from tests.conftest import act, make_order
from tests.webhooks.conftest import add_hook, deliver, events_of

URL = "https://93.184.215.14/hwctl"  # a public address: nothing to resolve
ALL = [e.value for e in EventType]


def webhook_entries(store) -> list[tuple]:  # noqa: ANN001
    return [
        (e.actor, e.action, e.details)
        for e in audit.list_entries(act(store))
        if e.action.startswith("webhook_")
    ]


def test_adding_a_webhook_shows_a_standard_webhooks_secret_once(seeded):
    added = webhooks.add(act(seeded), "Acme Voice", URL, transport=webhooks.network())
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", added.secret)
    assert len(base64.b64decode(added.secret.removeprefix("whsec_"))) == 32
    assert added.to_json() == {"id": added.id, "url": URL, "platform": "Acme Voice",
                               "events": ALL, "secret": added.secret}  # fmt: skip
    (listed,) = webhooks.list_webhooks(act(seeded))
    assert "secret" not in json.dumps(listed.to_json())
    assert added.secret not in repr(listed)
    assert (
        webhooks.add(act(seeded), "Acme Voice", URL + "/2", transport=webhooks.network()).secret
        != added.secret
    )


def test_a_webhook_takes_the_event_types_asked_for_in_the_vocabularys_order(seeded):
    added = webhooks.add(
        act(seeded),
        "Acme Voice",
        URL,
        ["order.rejected", " order.created", "order.rejected"],
        transport=webhooks.network(),
    )
    assert added.events == ("order.created", "order.rejected")
    (listed,) = webhooks.list_webhooks(act(seeded))
    assert listed.events == ("order.created", "order.rejected")


def test_an_unknown_event_type_is_named_with_the_valid_ones(seeded):
    with pytest.raises(InvalidInput) as caught:
        webhooks.add(
            act(seeded),
            "Acme Voice",
            URL,
            ["order.created", "order.shipped"],
            transport=webhooks.network(),
        )
    assert str(caught.value) == (
        "unknown event 'order.shipped': the events are order.created, order.edited, "
        "order.approved, order.rejected, order.fulfilled, order.cancelled"
    )
    assert caught.value.fields == {"field": "events", "event": "order.shipped", "valid": ALL}
    with pytest.raises(InvalidInput, match="at least one event"):
        webhooks.add(act(seeded), "Acme Voice", URL, [], transport=webhooks.network())
    assert webhooks.list_webhooks(act(seeded)) == []


def test_an_unknown_platform_is_not_found_and_the_same_url_twice_is_a_conflict(seeded):
    with pytest.raises(NotFound, match="unknown platform 'Nope'"):
        webhooks.add(act(seeded), "Nope", URL, transport=webhooks.network())
    first = webhooks.add(act(seeded), "Acme Voice", URL, transport=webhooks.network())
    with pytest.raises(Conflict, match=f"already has webhook {first.id}"):
        webhooks.add(act(seeded), "Acme Voice", URL, transport=webhooks.network())
    # another platform's endpoint may be the same
    webhooks.add(act(seeded), "Blue Sky", URL, transport=webhooks.network())
    assert len(webhooks.list_webhooks(act(seeded))) == 2
    assert [w.platform for w in webhooks.list_webhooks(act(seeded), "Blue Sky")] == ["Blue Sky"]


def test_only_registered_super_admins_manage_webhooks(seeded):
    hook = webhooks.add(act(seeded), "Acme Voice", URL, transport=webhooks.network())
    make_order(seeded)
    (event,) = events_of(seeded)
    for who in (act(seeded, "mallory"), act(seeded, platform="Acme Voice")):
        with pytest.raises(NotAuthorised):
            webhooks.add(who, "Acme Voice", URL + "/x", transport=webhooks.network())
        with pytest.raises(NotAuthorised):
            webhooks.list_webhooks(who)
        with pytest.raises(NotAuthorised):
            webhooks.remove(who, hook.id)
        with pytest.raises(NotAuthorised):
            webhooks.redeliver(who, event.id)
        with pytest.raises(NotAuthorised):
            webhooks.list_events(who)
        with pytest.raises(NotAuthorised):
            webhooks.deliver(who, transport=webhooks.network())
    assert len(webhooks.list_webhooks(act(seeded))) == 1


def test_add_remove_and_redeliver_are_audited(seeded, receiver):
    hook = add_hook(seeded, receiver, events=["order.created"])
    oid = make_order(seeded)
    (event,) = events_of(seeded)
    webhooks.redeliver(act(seeded), event.id)
    webhooks.remove(act(seeded), hook.id)
    url = receiver.url("/acme")
    assert webhook_entries(seeded) == [
        ("dana", "webhook_add", {"webhook": hook.id, "platform": "Acme Voice", "url": url,
                                 "events": ["order.created"]}),
        ("dana", "webhook_redeliver", {"event": event.id, "type": "order.created",
                                       "platform": "Acme Voice", "order": oid, "deliveries": 1}),
        ("dana", "webhook_remove", {"webhook": hook.id, "platform": "Acme Voice", "url": url,
                                    "undelivered": 1}),
    ]  # fmt: skip
    assert hook.secret not in json.dumps(webhook_entries(seeded))


def test_refused_changes_are_not_audited(seeded):
    with pytest.raises(InvalidInput):
        webhooks.add(act(seeded), "Acme Voice", "https://10.0.0.1/", transport=webhooks.network())
    with pytest.raises(NotFound, match="webhook 99 does not exist"):
        webhooks.remove(act(seeded), 99)
    with pytest.raises(NotFound, match="event 99 does not exist"):
        webhooks.redeliver(act(seeded), 99)
    assert webhook_entries(seeded) == []


def test_removing_a_webhook_takes_its_deliveries_and_leaves_the_events(seeded, receiver):
    gone = add_hook(seeded, receiver, "/gone")
    kept = add_hook(seeded, receiver, "/kept")
    make_order(seeded, "approved")
    webhooks.remove(act(seeded), gone.id)
    assert [w.id for w in webhooks.list_webhooks(act(seeded))] == [kept.id]
    with seeded.session() as session:
        assert {d.webhook_id for d in session.exec(select(WebhookDelivery))} == {kept.id}
        assert len(session.exec(select(WebhookEvent)).all()) == 2
        assert session.get(Webhook, gone.id) is None
    deliver(seeded)
    assert receiver.got("/gone") == [] and len(receiver.got("/kept")) == 2
    make_order(seeded)  # a new event goes to the webhooks there are now
    assert [len(e.deliveries) for e in events_of(seeded)] == [1, 1, 1]


def test_an_event_whose_webhooks_are_all_gone_has_nothing_to_redeliver(seeded, receiver):
    hook = add_hook(seeded, receiver)
    make_order(seeded)
    webhooks.remove(act(seeded), hook.id)
    (event,) = events_of(seeded)
    assert webhooks.redeliver(act(seeded), event.id).deliveries == ()


def test_no_event_is_written_for_a_platform_without_webhooks(seeded):
    make_order(seeded, "approved")
    assert events_of(seeded) == []


def test_the_events_list_finds_an_event_by_order_and_by_delivery_status(seeded, receiver):
    add_hook(seeded, receiver, "/a")
    add_hook(seeded, receiver, "/b")
    first = make_order(seeded, "approved")
    second = make_order(seeded)
    receiver.status_for = lambda path, event: 500 if path == "/b" else None
    deliver(seeded)

    page = webhooks.list_events(act(seeded))
    assert page.total == 3
    assert [(e.type, e.order) for e in page.events] == [
        ("order.created", first),
        ("order.approved", first),
        ("order.created", second),
    ]
    assert [e.id for e in page.events] == sorted(e.id for e in page.events)  # oldest first
    assert [e.type for e in events_of(seeded, order_id=first)] == [
        "order.created",
        "order.approved",
    ]
    e = events_of(seeded, order_id=first)[0]
    assert [(d.url, d.status, d.attempts) for d in e.deliveries] == [
        (receiver.url("/a"), "delivered", 1),
        (receiver.url("/b"), "pending", 1),
    ]
    assert e.deliveries[1].last_error == "HTTP 500 Internal Server Error"
    assert e.deliveries[1].next_attempt_at is not None
    assert e.deliveries[0].next_attempt_at is None  # delivered: no next attempt
    assert e.to_json()["webhook_id"] == f"evt_{e.id}"
    # the approval waits behind the creation on /b: never attempted there
    assert [(d.status, d.attempts) for d in events_of(seeded, order_id=first)[1].deliveries] == [
        ("delivered", 1), ("pending", 0)
    ]  # fmt: skip
    assert len(events_of(seeded, status="pending")) == 3
    assert len(events_of(seeded, status="delivered")) == 3
    assert events_of(seeded, status="failed") == []

    recent = webhooks.list_events(act(seeded), limit=2)
    assert (recent.total, [e.id for e in recent.events]) == (3, [e.id for e in page.events[1:]])
    with pytest.raises(InvalidInput, match="unknown delivery status 'lost'"):
        webhooks.list_events(act(seeded), status="lost")


@pytest.mark.parametrize(
    ("text", "what", "expected"),
    [("3", "webhook", 3), (" 12 ", "event", 12), ("evt_12", "event", 12)],
)
def test_ids_are_read_as_typed(text, what, expected):
    assert webhooks.parse_id(text, what) == expected


@pytest.mark.parametrize(("text", "what"), [("evt_3", "webhook"), ("-1", "event"), ("٣", "event"),
                                            ("3.0", "webhook"), ("", "event")])  # fmt: skip
def test_anything_else_is_not_an_id(text, what):
    with pytest.raises(InvalidInput, match=f"not an? {what} id"):
        webhooks.parse_id(text, what)
