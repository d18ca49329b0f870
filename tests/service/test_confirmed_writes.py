"""What an admin confirmed is what is written: two admins interleaved on one order, on both
backends. Admin A is shown a plan and confirms it; meanwhile admin B changes the order; A's
write must then be refused as a conflict naming what changed, and write nothing."""

from __future__ import annotations

import json

import pytest

from hwctl.app import admins, directory, fulfilment, orders
from hwctl.domain.fulfilment import Answer
from hwctl.domain.order_edit import AddItem, RemoveLine
from hwctl.errors import Conflict
from tests.conftest import ADMIN, DIRECTORY, act, make_order

ERIN = "erin"


@pytest.fixture
def two_admins(seeded):  # noqa: ANN001, ANN201
    admins.add(act(seeded), ERIN)
    return seeded


def status_of(store, oid: int) -> str:  # noqa: ANN001
    return orders.show_order(act(store), oid).order.status


def lines(store, oid: int) -> list[tuple[int, str, int]]:  # noqa: ANN001
    return [(i.line, i.sku, i.quantity) for i in orders.show_order(act(store), oid).order.items]


def actions(store, oid: int) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(e.actor, e.action) for e in orders.show_order(act(store), oid).audit]


def test_a_confirmed_removal_never_removes_the_line_another_admin_put_in_its_place(two_admins):
    store = two_admins
    oid = make_order(store, items=[{"sku": "T54W", "quantity": 1}, {"sku": "W70B", "quantity": 1}])
    # A is shown "remove line 2 (W70B)" and confirms it ...
    seen = orders.preview_edit(act(store, ADMIN), oid, [RemoveLine(2)])
    assert [(x.line, x.sku) for x in seen.before] == [(1, "T54W"), (2, "W70B")]
    # ... while B removes line 2 and adds W73H, which takes the free number 2.
    orders.edit_order(act(store, ERIN), oid, [RemoveLine(2)])
    orders.edit_order(act(store, ERIN), oid, [AddItem("W73H", 1)])
    assert lines(store, oid) == [(1, "T54W", 1), (2, "W73H", 1)]

    with pytest.raises(Conflict) as caught:
        orders.edit_order(act(store, ADMIN), oid, [RemoveLine(2)], expected=seen.before)

    assert str(caught.value) == (
        f"order {oid} was changed since you reviewed it (line 2 is now W73H x1, was W70B x1); "
        "nothing was written, review it again"
    )
    assert caught.value.fields == {"order": oid, "changed": "lines"}
    assert lines(store, oid) == [(1, "T54W", 1), (2, "W73H", 1)]  # the W73H line A never saw
    assert actions(store, oid) == [(ADMIN, "submit"), (ERIN, "edit"), (ERIN, "edit")]


def test_an_edit_confirmed_on_unchanged_lines_is_written(two_admins):
    store = two_admins
    oid = make_order(store, items=[{"sku": "T54W", "quantity": 1}, {"sku": "W70B", "quantity": 1}])
    seen = orders.preview_edit(act(store, ADMIN), oid, [RemoveLine(2)])
    orders.edit_order(act(store, ADMIN), oid, [RemoveLine(2)], expected=seen.before)
    assert lines(store, oid) == [(1, "T54W", 1)]


def test_a_fulfilment_plan_changed_by_another_admin_meanwhile_is_refused(two_admins):
    store = two_admins
    oid = make_order(store, "approved", items=[{"sku": "T54W", "quantity": 2}])
    given = {1: Answer("00:15:65:00:00:01"), 2: Answer("00:15:65:00:00:02")}
    # A is shown the plan: create both devices.
    seen = fulfilment.plan(act(store, ADMIN), oid, given)
    assert [(u.number, u.action) for u in seen.units] == [(1, "create"), (2, "create")]
    # Meanwhile B registers the second MAC on the account (a directory import): the plan for
    # unit 2 is now "link that device", which A never saw.
    doc = json.loads(json.dumps(DIRECTORY))
    doc["platforms"][0]["accounts"][0]["devices"] = [{"sku": "T54W", "mac": "001565000002"}]
    directory.import_directory(act(store, ERIN), json.dumps(doc), "directory.json")

    with pytest.raises(Conflict) as caught:
        fulfilment.fulfil(act(store, ADMIN), oid, given, expected=seen)

    assert str(caught.value) == (
        f"order {oid} changed since its plan was shown: unit 2: link 001565000002, was create "
        "001565000002; nothing was written, look again"
    )
    detail = orders.show_order(act(store), oid)
    assert [u.device for u in detail.units] == [None, None]
    assert status_of(store, oid) == "approved"
    assert [a for _, a in actions(store, oid)] == ["submit", "approve"]


def test_a_fulfilment_confirmed_on_an_unchanged_order_is_written(two_admins):
    store = two_admins
    oid = make_order(store, "approved", items=[{"sku": "T54W", "quantity": 1}])
    given = {1: Answer("00:15:65:00:00:01")}
    seen = fulfilment.plan(act(store, ADMIN), oid, given)
    done = fulfilment.fulfil(act(store, ADMIN), oid, given, expected=seen)
    assert (done.already, done.status) == (False, "fulfilled")
