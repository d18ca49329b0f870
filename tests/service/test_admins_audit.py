"""Super-admins (hwctl.app.admins) and the audit log (hwctl.app.audit)."""

from __future__ import annotations

import re

import pytest

from hwctl.app import admins, audit, orders
from hwctl.domain.order_edit import SetQuantity
from hwctl.domain.status import Action
from hwctl.errors import Conflict, InvalidInput, NotAuthorised, NotFound
from tests.conftest import ADMIN, act, make_order

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])
UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def admin_names(store) -> list[str]:  # noqa: ANN001
    return [a.name for a in admins.list_admins(act(store))]


def admin_entries(store) -> list[tuple]:  # noqa: ANN001
    return [
        (e.actor, e.action, e.details)
        for e in audit.list_entries(act(store))
        if e.action.startswith("admin_")
    ]


# -- super-admins --------------------------------------------------------------------------------
def test_the_first_super_admin_may_be_added_by_anyone_and_it_is_audited(store):
    added = admins.add(act(store, "root"), "dana")
    assert (added.name, added.added_by) == ("dana", "root")
    assert admin_names(store) == ["dana"]
    assert admin_entries(store) == [("root", "admin_add", {"admin": "dana", "first": True})]


def test_later_super_admins_are_added_only_by_super_admins(store):
    admins.add(act(store, "root"), "dana")
    with pytest.raises(NotAuthorised, match="'root' is not a super-admin"):
        admins.add(act(store, "root"), "erin")
    admins.add(act(store, "dana"), "erin")
    assert admin_names(store) == ["dana", "erin"]
    assert admin_entries(store)[-1] == ("dana", "admin_add", {"admin": "erin", "first": False})


@sqlite_only
def test_adding_someone_twice_is_a_conflict(seeded):
    with pytest.raises(Conflict, match="'dana' is already a super-admin"):
        admins.add(act(seeded, ADMIN), " dana ")
    assert admin_names(seeded) == ["dana"]


@sqlite_only
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("  ", "must not be blank"),
        ("eve\x1b[31m", "must not contain control characters"),
        ("da\u200bna", r"must not contain invisible formatting characters \(U\+200B ZERO WIDTH"),
    ],
)
def test_a_blank_or_control_character_name_is_refused(store, name, message):
    with pytest.raises(InvalidInput, match=message):
        admins.add(act(store, "root"), name)
    assert admin_names(store) == []


def test_a_super_admin_can_remove_another_and_it_is_audited(seeded):
    admins.add(act(seeded, ADMIN), "erin")
    admins.remove(act(seeded, "erin"), ADMIN)
    assert admin_names(seeded) == ["erin"]
    assert admin_entries(seeded)[-1] == ("erin", "admin_remove", {"admin": "dana"})


def test_the_last_super_admin_cannot_be_removed(seeded):
    with pytest.raises(Conflict, match="'dana' is the last super-admin"):
        admins.remove(act(seeded, ADMIN), ADMIN)
    assert admin_names(seeded) == ["dana"]


@sqlite_only
def test_removing_needs_a_super_admin_and_someone_who_is_one(seeded):
    admins.add(act(seeded, ADMIN), "erin")
    with pytest.raises(NotAuthorised, match="'mallory' is not a super-admin"):
        admins.remove(act(seeded, "mallory"), "erin")
    with pytest.raises(NotFound, match="'zed' is not a super-admin"):
        admins.remove(act(seeded, ADMIN), "zed")
    assert admin_names(seeded) == ["dana", "erin"]


@sqlite_only
def test_a_removed_super_admin_can_no_longer_decide(seeded):
    admins.add(act(seeded, ADMIN), "erin")
    admins.remove(act(seeded, ADMIN), "erin")
    oid = make_order(seeded)
    with pytest.raises(NotAuthorised, match="'erin' is not a super-admin"):
        orders.decide(act(seeded, "erin"), [oid], Action.APPROVE)


# -- the audit log -------------------------------------------------------------------------------
def history(store):  # noqa: ANN001, ANN201
    """One order through edit, approve and cancel; one rejected order."""
    oid = make_order(store)
    orders.edit_order(act(store, ADMIN), oid, [SetQuantity(1, 3)])
    orders.decide(act(store, ADMIN), [oid], Action.APPROVE, note="PO 4711")
    orders.decide(act(store, ADMIN), [oid], Action.CANCEL)
    other = make_order(store, "rejected")
    return oid, other


def test_every_change_is_in_the_audit_log_with_actor_time_reason_and_details(seeded):
    oid, other = history(seeded)
    rows = [e.to_json() for e in audit.list_entries(act(seeded))]
    assert [(r["action"], r["order"]) for r in rows] == [
        ("admin_add", None),
        ("import", None),
        ("submit", oid),
        ("edit", oid),
        ("approve", oid),
        ("cancel", oid),
        ("submit", other),
        ("reject", other),
    ]
    for r in rows:
        assert set(r) == {"id", "at", "actor", "actor_kind", "action", "order", "reason", "details"}
        assert UTC_Z.match(r["at"]), r["at"]
        assert r["actor"] == ADMIN
    by_action = {r["action"]: r for r in rows if r["order"] in (oid, other)}
    assert by_action["approve"]["reason"] == "PO 4711"
    assert by_action["reject"]["reason"] == "test reason"
    assert by_action["cancel"]["reason"] is None
    assert by_action["edit"]["details"]["after"] == [{"line": 1, "sku": "T54W", "quantity": 3}]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)


@sqlite_only
def test_the_audit_log_can_be_narrowed_to_one_order_or_one_action(seeded):
    oid, other = history(seeded)
    assert [e.action for e in audit.list_entries(act(seeded), order_id=oid)] == [
        "submit",
        "edit",
        "approve",
        "cancel",
    ]
    assert [e.order for e in audit.list_entries(act(seeded), action="reject")] == [other]
    with pytest.raises(NotFound, match="^order 99 does not exist$"):
        audit.list_entries(act(seeded), order_id=99)
