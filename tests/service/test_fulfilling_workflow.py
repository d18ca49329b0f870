"""Fulfilment driven through the application's workflow (hwctl.app.fulfilling), as a second
door would drive it, on SQLite and PostgreSQL: prepare a proposal from typed answers or a
shipping file's bytes, check typed identifiers one by one, complete, commit; the partial-delivery
policy; the refusal when the order changed between prepare and commit; drafts kept per principal."""

from __future__ import annotations

import json

import pytest

from hwctl.app import admins, directory, drafts, fulfilling, orders
from hwctl.errors import Conflict, InvalidInput
from tests.conftest import ADMIN, DIRECTORY, act, make_order

ERIN = "erin"
T54W_X2 = [{"sku": "T54W", "quantity": 2}]
SHIPPED = b"SKU,MAC\nT54W,00:15:65:00:00:01\nT54W,0015.6500.0002\n"


@pytest.fixture
def two_admins(seeded):  # noqa: ANN001, ANN201
    admins.add(act(seeded), ERIN)
    return seeded


def devices_of(store, oid: int) -> list[str | None]:  # noqa: ANN001
    return [u.device.mac if u.device else None for u in orders.show_order(act(store), oid).units]


def actions(store, oid: int) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(e.actor, e.action) for e in orders.show_order(act(store), oid).audit]


def status_of(store, oid: int) -> str:  # noqa: ANN001
    return orders.show_order(act(store), oid).order.status


def test_typed_answers_are_checked_one_by_one_then_committed(seeded) -> None:  # noqa: ANN001
    oid = make_order(seeded, "approved", items=T54W_X2)
    ctx = act(seeded)
    p = fulfilling.prepare(ctx, oid, fulfilling.Typed(), asking=True)
    assert ([s.number for s in p.missing], p.plan, p.retry) == ([1, 2], None, False)

    assert fulfilling.check_unit(ctx, p, 1, "0015.6500.0001").shown == "00:15:65:00:00:01"
    with pytest.raises(InvalidInput) as caught:
        fulfilling.check_unit(ctx, p, 2, "00:15:65:00:00:01", typed={1: "0015.6500.0001"})
    assert str(caught.value) == "already given for unit 1"
    with pytest.raises(InvalidInput):
        fulfilling.check_unit(ctx, p, 2, "not a mac")

    p = fulfilling.complete(ctx, p, {1: "0015.6500.0001", 2: "00:15:65:00:00:02"})
    assert [(u.number, u.action) for u in p.plan.units] == [(1, "create"), (2, "create")]
    done = fulfilling.commit(ctx, p)
    assert (done.status, done.already) == ("fulfilled", False)
    assert devices_of(seeded, oid) == ["001565000001", "001565000002"]
    assert actions(seeded, oid) == [(ADMIN, "submit"), (ADMIN, "approve"), (ADMIN, "fulfill")]


def test_a_shipping_files_bytes_make_a_plan_and_the_same_file_again_is_a_retry(seeded) -> None:  # noqa: ANN001
    oid = make_order(seeded, "approved", items=T54W_X2)
    ctx = act(seeded)
    p = fulfilling.prepare(ctx, oid, fulfilling.Shipped.of(SHIPPED, "upload.csv"))
    assert (p.missing, p.retry) == ((), False)
    assert [u.key for u in p.plan.units] == ["001565000001", "001565000002"]
    assert fulfilling.commit(ctx, p).status == "fulfilled"

    again = fulfilling.prepare(ctx, oid, fulfilling.Shipped.of(SHIPPED, "upload.csv"))
    assert again.retry
    result = fulfilling.commit(ctx, again)
    assert (result.already, result.outcome) == (True, "already fulfilled")
    assert [a for _, a in actions(seeded, oid)] == ["submit", "approve", "fulfill"]


def test_a_file_leaving_units_empty_is_refused_unless_a_parcel(seeded) -> None:  # noqa: ANN001
    oid = make_order(seeded, "approved", items=T54W_X2)
    ctx = act(seeded)
    one = b"SKU,MAC\nT54W,00:15:65:00:00:01\n"
    with pytest.raises(InvalidInput) as caught:
        fulfilling.prepare(ctx, oid, fulfilling.Shipped.of(one, "one.csv"))
    assert str(caught.value) == "the CSV leaves 1 unit(s) without an identifier: unit 2 (T54W)"
    assert caught.value.fields == {"order": oid, "open": 1}
    assert devices_of(seeded, oid) == [None, None]

    p = fulfilling.prepare(ctx, oid, fulfilling.Shipped.of(one, "one.csv", parcel=True))
    assert [(u.number, u.action) for u in p.plan.units] == [(1, "create"), (2, "open")]
    done = fulfilling.commit(ctx, p)
    assert (done.status, devices_of(seeded, oid)) == ("approved", ["001565000001", None])


def test_units_left_empty_need_consent_and_nothing_given_is_nothing_to_record(seeded) -> None:  # noqa: ANN001
    oid = make_order(seeded, "approved", items=T54W_X2)
    ctx = act(seeded)
    p = fulfilling.prepare(ctx, oid, fulfilling.Typed(), asking=True)

    nothing = fulfilling.complete(ctx, p, {})
    assert (nothing.nothing_given, nothing.plan) == (True, None)

    waiting = fulfilling.complete(ctx, p, {1: "00:15:65:00:00:01"})
    assert (waiting.needs_consent, waiting.plan) == (True, None)
    assert [s.label for s in waiting.left_open] == ["unit 2 (T54W)"]
    with pytest.raises(InvalidInput):
        fulfilling.commit(ctx, waiting)  # no plan, nothing agreed: nothing is written
    assert devices_of(seeded, oid) == [None, None]

    agreed = fulfilling.complete(ctx, p, {1: "00:15:65:00:00:01"}, leave_open=True)
    assert (agreed.plan.complete, agreed.partial) == (False, True)
    assert fulfilling.commit(ctx, agreed).status == "approved"
    assert devices_of(seeded, oid) == ["001565000001", None]


def test_commit_refuses_when_the_order_changed_since_prepare(two_admins) -> None:  # noqa: ANN001
    store = two_admins
    oid = make_order(store, "approved", items=T54W_X2)
    typed = {1: "00:15:65:00:00:01", 2: "00:15:65:00:00:02"}
    seen = fulfilling.prepare(act(store, ADMIN), oid, fulfilling.Typed(typed))
    assert [(u.number, u.action) for u in seen.plan.units] == [(1, "create"), (2, "create")]
    # Meanwhile erin registers the second MAC on the account: unit 2 would now link it.
    doc = json.loads(json.dumps(DIRECTORY))
    doc["platforms"][0]["accounts"][0]["devices"] = [{"sku": "T54W", "mac": "001565000002"}]
    directory.import_directory(act(store, ERIN), json.dumps(doc), "directory.json")

    with pytest.raises(Conflict) as caught:
        fulfilling.commit(act(store, ADMIN), seen)

    assert str(caught.value) == (
        f"order {oid} changed since its plan was shown: unit 2: link 001565000002, was create "
        "001565000002; nothing was written, look again"
    )
    assert devices_of(store, oid) == [None, None]
    assert status_of(store, oid) == "approved"
    assert [a for _, a in actions(store, oid)] == ["submit", "approve"]


def test_drafts_belong_to_their_principal_and_go_once_the_order_is_fulfilled(two_admins) -> None:  # noqa: ANN001
    store = two_admins
    oid = make_order(store, "approved", items=T54W_X2)
    dana, erin = act(store, ADMIN), act(store, ERIN)
    p = fulfilling.prepare(dana, oid, fulfilling.Typed(), asking=True)
    fulfilling.keep_draft(dana, p, {1: "00:15:65:00:00:01"})
    fulfilling.keep_draft(erin, p, {2: "00:15:65:00:00:02"})
    assert fulfilling.draft(dana, p) == {1: "00:15:65:00:00:01"}
    assert fulfilling.draft(erin, p) == {2: "00:15:65:00:00:02"}
    assert fulfilling.draft_where(dana, p) != fulfilling.draft_where(erin, p)

    # A parcel typed by dana drops from her draft the units it wrote, and leaves erin's alone.
    parcel = fulfilling.complete(dana, p, {1: "00:15:65:00:00:01"}, leave_open=True)
    fulfilling.commit(dana, parcel)
    again = fulfilling.prepare(dana, oid, fulfilling.Typed(), asking=True)
    assert drafts.load(dana, oid) == {}
    assert drafts.load(erin, oid) == {2: "00:15:65:00:00:02"}

    # Fulfilled (by erin): no draft of the order is of use any more, whoever typed it.
    fulfilling.commit(erin, fulfilling.complete(erin, again, {2: "00:15:65:00:00:02"}))
    assert status_of(store, oid) == "fulfilled"
    assert drafts.load(erin, oid) == {} and drafts.load(dana, oid) == {}
