"""Decisions on orders (hwctl.app.orders.decide): approve ("mark as ordered manually"),
reject with a reason, the customer's cancellation — each order on its own, audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from hwctl.app import orders, queries
from hwctl.cli.words import exit_code  # the CLI's error table: code -> exit code
from hwctl.domain.status import Action, worded
from hwctl.errors import InvalidInput, NotAuthorised
from hwctl.store.models import AuditEntry, HardwareOrder
from tests.conftest import ADMIN, DIRECTORY, act, directory_rows, make_order

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


def PG(*values):  # noqa: ANN002, ANN202, N802
    """One case of a SQLite-heavy parametrisation that also runs on PostgreSQL."""
    return pytest.param("postgres", *values, marks=pytest.mark.postgres)


def status_of(store, oid: int) -> str:  # noqa: ANN001
    return orders.show_order(act(store), oid).order.status


def audit_count(store) -> int:  # noqa: ANN001
    with store.session() as session:
        return session.exec(select(func.count()).select_from(AuditEntry)).one()


FULFILLER, FULFILLED_AT = "erin", datetime(2026, 12, 2, 6, 31, 12, tzinfo=UTC)


def force_status(store, oid: int, status: str) -> None:  # noqa: ANN001
    """Put an order straight into a status (fulfilled: by FULFILLER at FULFILLED_AT)."""
    values: dict = {"status": status}
    if status == "fulfilled":
        values |= {"fulfilled_by": FULFILLER, "fulfilled_at": FULFILLED_AT}
    with store.session(write=True) as session:
        session.execute(update(HardwareOrder).where(HardwareOrder.id == oid).values(**values))


def decide(store, oid, action, actor=ADMIN, **kw):  # noqa: ANN001, ANN003, ANN201
    ids = oid if isinstance(oid, list) else [oid]
    return orders.decide(act(store, actor), ids, action, **kw)


# -- approve -------------------------------------------------------------------------------------
def test_approving_marks_the_order_approved_with_who_and_when(seeded):
    oid = make_order(seeded)
    start = datetime.now(UTC).replace(microsecond=0)
    (outcome,) = decide(seeded, oid, Action.APPROVE, note="PO 4711")
    assert (outcome.order, outcome.ok, outcome.status) == (oid, True, "approved")
    detail = orders.show_order(act(seeded), oid)
    assert detail.order.status == "approved"
    assert detail.order.decided_by == ADMIN
    assert start <= detail.order.decided_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert detail.note == "PO 4711"
    entry = detail.audit[-1]
    assert (entry.actor, entry.action, entry.order, entry.reason) == (
        ADMIN,
        "approve",
        oid,
        "PO 4711",
    )
    assert entry.details == {"from": "pending", "to": "approved"}


@sqlite_only
def test_a_blank_note_is_not_stored(seeded):
    oid = make_order(seeded)
    decide(seeded, oid, Action.APPROVE, note="   ")
    detail = orders.show_order(act(seeded), oid)
    assert detail.note is None
    assert detail.audit[-1].reason is None


# -- reject --------------------------------------------------------------------------------------
def test_rejecting_stores_the_reason_on_the_order_for_the_platform(seeded):
    oid = make_order(seeded)
    (outcome,) = decide(seeded, oid, Action.REJECT, reason="  duplicate of #6 ")
    assert (outcome.ok, outcome.status) == (True, "rejected")
    detail = orders.show_order(act(seeded), oid)
    data = detail.to_json()
    assert (data["status"], data["rejection_reason"], data["decided_by"]) == (
        "rejected",
        "duplicate of #6",
        ADMIN,
    )
    assert data["decided_at"].endswith("Z")
    assert (detail.audit[-1].action, detail.audit[-1].reason) == ("reject", "duplicate of #6")


@pytest.mark.parametrize(
    ("backend", "reason"),
    [("sqlite", None), ("sqlite", ""), ("sqlite", "   \t"), PG(None)],
)
def test_rejecting_without_a_reason_changes_nothing(seeded, reason):
    oid = make_order(seeded)
    entries = audit_count(seeded)
    with pytest.raises(InvalidInput, match="a rejection needs a reason"):
        decide(seeded, oid, Action.REJECT, reason=reason)
    assert status_of(seeded, oid) == "pending"
    assert orders.show_order(act(seeded), oid).order.rejection_reason is None
    assert audit_count(seeded) == entries


# -- cancel --------------------------------------------------------------------------------------
@sqlite_only
def test_cancelling_a_pending_order_records_the_customer_s_cancellation(seeded):
    oid = make_order(seeded)
    start = datetime.now(UTC).replace(microsecond=0)
    (outcome,) = decide(seeded, oid, Action.CANCEL)
    assert (outcome.ok, outcome.status, outcome.warnings) == (True, "cancelled", ())
    detail = orders.show_order(act(seeded), oid)
    # decided_by/decided_at name the last decision, a cancellation included
    assert (detail.order.status, detail.order.decided_by) == ("cancelled", ADMIN)
    assert start <= detail.order.decided_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert (detail.order.cancel_reason, detail.audit[-1].reason) == (None, None)
    assert detail.audit[-1].details == {"from": "pending", "to": "cancelled"}


def test_a_cancellation_reason_is_kept_in_the_audit_entry_and_shown_on_the_order(seeded):
    from hwctl.app import admins

    oid = make_order(seeded)
    decide(seeded, oid, Action.APPROVE, note="PO 4711")
    admins.add(act(seeded, ADMIN), "erin")
    (outcome,) = decide(seeded, oid, Action.CANCEL, actor="erin", reason="  customer withdrew ")
    assert (outcome.ok, outcome.status) == (True, "cancelled")
    detail = orders.show_order(act(seeded), oid)
    entry = detail.audit[-1]
    assert (entry.action, entry.actor, entry.reason) == ("cancel", "erin", "customer withdrew")
    view = detail.order
    assert (view.cancel_reason, view.rejection_reason, view.note) == (
        "customer withdrew",
        None,
        "PO 4711",
    )
    assert view.decided_by == "erin"  # the cancellation, not the approval before it
    data = detail.to_json()
    assert (data["cancel_reason"], data["note"]) == ("customer withdrew", "PO 4711")
    (listed,) = orders.list_orders(act(seeded), status="cancelled").orders
    assert (listed.id, listed.cancel_reason, listed.note) == (oid, "customer withdrew", "PO 4711")
    with seeded.session() as session:
        row = session.get(HardwareOrder, oid)
        assert (row.rejection_reason, row.decided_by) == (None, "erin")


@sqlite_only
def test_a_blank_cancellation_reason_is_not_stored(seeded):
    oid = make_order(seeded)
    decide(seeded, oid, Action.CANCEL, reason="  \t ")
    detail = orders.show_order(act(seeded), oid)
    assert (detail.order.cancel_reason, detail.audit[-1].reason) == (None, None)


@sqlite_only
def test_the_list_finds_the_cancellation_reasons_of_many_orders(seeded, monkeypatch):
    monkeypatch.setattr(queries, "_CHUNK", 2)  # several IN (...) chunks
    ids = [make_order(seeded) for _ in range(5)]
    kept = make_order(seeded)
    for n, oid in enumerate(ids):
        decide(seeded, oid, Action.CANCEL, reason=f"reason {n}" if n != 3 else None)
    page = orders.list_orders(act(seeded), status="all")
    assert [(o.id, o.cancel_reason) for o in page.orders] == [
        *[(oid, f"reason {n}" if n != 3 else None) for n, oid in enumerate(ids)],
        (kept, None),
    ]


def test_cancelling_an_approved_order_warns_that_the_hardware_may_be_ordered(seeded):
    oid = make_order(seeded, "approved")
    (outcome,) = decide(seeded, oid, Action.CANCEL)
    assert (outcome.ok, outcome.status) == (True, "cancelled")
    assert len(outcome.warnings) == 1
    assert "the hardware may already be ordered" in outcome.warnings[0]
    assert status_of(seeded, oid) == "cancelled"
    assert orders.show_order(act(seeded), oid).audit[-1].details == {
        "from": "approved",
        "to": "cancelled",
    }


# -- texts from outside --------------------------------------------------------------------------
BAD_TEXTS = [
    ("dup\x1b]0;pwned\x07", "control characters are not allowed (ESC at character 4)"),
    ("one\r\ntwo", "control characters are not allowed (a line break at character 4: "
     "it must be one line)"),
    ("nul\x00", "control characters are not allowed (NUL at character 4)"),
    ("del\x7f", "control characters are not allowed (DEL at character 4)"),
    ("next\x85line", "control characters are not allowed (a line break at character 5: "
     "it must be one line)"),
    ("csi\x9b", "control characters are not allowed (U+009B at character 4)"),
    ("a\u2066b", "invisible formatting characters are not allowed (U+2066 LEFT-TO-RIGHT "
     "ISOLATE at character 2)"),
    ("\ufeffbom", "invisible formatting characters are not allowed (U+FEFF ZERO WIDTH NO-BREAK "
     "SPACE at character 1)"),
    ("x" * 501, "at most 500 characters (this one has 501)"),
]  # fmt: skip
TEXT_FIELDS = [
    (Action.REJECT, "reason"),
    (Action.CANCEL, "reason"),
    (Action.APPROVE, "note"),
]


@pytest.mark.parametrize(("action", "field"), TEXT_FIELDS)
@pytest.mark.parametrize(("text", "problem"), BAD_TEXTS)
def test_reasons_and_notes_refuse_control_characters_and_length_naming_the_field(
    seeded, action, field, text, problem
):
    oid = make_order(seeded)
    before = orders.show_order(act(seeded), oid).order
    entries = audit_count(seeded)
    with pytest.raises(InvalidInput) as caught:
        decide(seeded, oid, action, **{field: text})
    assert str(caught.value) == f"{field}: {problem}"
    assert "--" not in str(caught.value)  # services name fields, not command-line options
    assert exit_code(caught.value) == 1
    assert orders.show_order(act(seeded), oid).order == before
    assert audit_count(seeded) == entries


@pytest.mark.parametrize(("action", "field"), TEXT_FIELDS)
def test_500_characters_of_any_script_are_taken(seeded, action, field):
    oid = make_order(seeded)
    text = "Bestellung für Müller – 注文 " * 20
    text = text[:500]
    (outcome,) = decide(seeded, oid, action, **{field: text})
    assert outcome.ok, outcome.message
    assert orders.show_order(act(seeded), oid).audit[-1].reason == text.strip()


# -- refusals ------------------------------------------------------------------------------------
REFUSED = [
    (Action.APPROVE, "approved", "only pending orders can be approved"),
    (Action.APPROVE, "rejected", "only pending orders can be approved"),
    (Action.APPROVE, "cancelled", "only pending orders can be approved"),
    (Action.APPROVE, "fulfilled", "only pending orders can be approved"),
    (Action.REJECT, "approved", "only pending orders can be rejected"),
    (Action.REJECT, "rejected", "only pending orders can be rejected"),
    (Action.REJECT, "cancelled", "only pending orders can be rejected"),
    (Action.REJECT, "fulfilled", "only pending orders can be rejected"),
    (Action.CANCEL, "rejected", "only pending or approved orders can be cancelled"),
    (Action.CANCEL, "cancelled", "only pending or approved orders can be cancelled"),
    (Action.CANCEL, "fulfilled", "only pending or approved orders can be cancelled"),
]


@sqlite_only
@pytest.mark.parametrize(("action", "status", "allowed"), REFUSED)
def test_a_refused_transition_is_one_line_and_changes_nothing(seeded, action, status, allowed):
    oid = make_order(seeded, "approved" if status == "fulfilled" else status)
    if status == "fulfilled":
        force_status(seeded, oid, "fulfilled")
    before = orders.show_order(act(seeded), oid).order
    entries = audit_count(seeded)
    (outcome,) = decide(seeded, oid, action, reason="too late")
    assert not outcome.ok
    decided = orders.show_order(act(seeded), oid).order
    by = f" (by {ADMIN} at {decided.to_json()['decided_at']})"
    if status == "fulfilled":  # the fulfilment, not the approval before it
        by = f" (by {FULFILLER} at 2026-12-02T06:31:12Z)"
    # The message names the status and the act only (a platform may read it); the error
    # carries who brought the order there and when, which a super-admin's door adds.
    assert outcome.message == f"order {oid} is {status}, {allowed}"
    assert worded(outcome.error) == f"order {oid} is {status}{by}, {allowed}"
    assert orders.show_order(act(seeded), oid).order == before
    assert audit_count(seeded) == entries


def test_rejecting_an_approved_order_is_refused_on_every_backend(seeded):
    oid = make_order(seeded, "approved")
    (outcome,) = decide(seeded, oid, Action.REJECT, reason="changed my mind")
    assert (outcome.ok, outcome.message) == (
        False,
        f"order {oid} is approved, only pending orders can be rejected",
    )
    assert (outcome.error.fields["by"], outcome.error.fields["at"]) == (
        ADMIN,
        decided_at(seeded, oid),
    )
    detail = orders.show_order(act(seeded), oid).order
    assert (detail.status, detail.rejection_reason) == ("approved", None)


# -- several orders at once ----------------------------------------------------------------------
def test_several_orders_are_each_decided_on_their_own(seeded):
    first = make_order(seeded)
    done = make_order(seeded, "rejected")
    second = make_order(seeded)
    entries = audit_count(seeded)
    outcomes = decide(seeded, [first, done, 999, second], Action.APPROVE)
    assert [(o.order, o.ok) for o in outcomes] == [
        (first, True),
        (done, False),
        (999, False),
        (second, True),
    ]
    assert worded(outcomes[1].error) == (
        f"order {done} is rejected (by {ADMIN} at {decided_at(seeded, done)}), "
        "only pending orders can be approved"
    )
    assert outcomes[2].message == "order 999 does not exist"
    assert [status_of(seeded, i) for i in (first, done, second)] == [
        "approved",
        "rejected",
        "approved",
    ]
    assert audit_count(seeded) == entries + 2


@sqlite_only
def test_an_order_named_twice_is_decided_once(seeded):
    oid = make_order(seeded)
    entries = audit_count(seeded)
    outcomes = decide(seeded, [oid, oid], Action.APPROVE)
    assert [(o.order, o.ok) for o in outcomes] == [(oid, True)]
    assert audit_count(seeded) == entries + 1


# -- who may decide ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("backend", "action"),
    [
        ("sqlite", Action.APPROVE),
        ("sqlite", Action.REJECT),
        ("sqlite", Action.CANCEL),
        PG(Action.APPROVE),
    ],
)
def test_someone_who_is_not_a_super_admin_is_refused_and_nothing_changes(seeded, action):
    oid = make_order(seeded)
    entries = audit_count(seeded)
    with pytest.raises(NotAuthorised) as caught:
        decide(seeded, [oid], action, actor="mallory", reason="no")
    assert str(caught.value) == "'mallory' is not a super-admin"  # no command in the core
    assert caught.value.fields == {"principal": "mallory", "admins_exist": True}
    assert exit_code(caught.value) == 1
    assert status_of(seeded, oid) == "pending"
    assert audit_count(seeded) == entries


@sqlite_only
def test_without_any_super_admin_the_refusal_says_how_to_register_the_first(store):
    from hwctl.app import directory
    from hwctl.cli.words import message

    with pytest.raises(NotAuthorised) as caught:
        directory.import_directory(act(store, "erin"), json.dumps(DIRECTORY), "dir.json")
    assert caught.value.fields == {"principal": "erin", "admins_exist": False}
    assert message(caught.value) == (
        "no super-admins are registered yet: run `hwctl admins add erin` to register the first one"
    )
    assert directory_rows(store)["platform"] == 0


def decided_at(store, oid: int) -> str:  # noqa: ANN001
    """The order's `decided_at` as the refusals print it (ISO, UTC)."""
    return orders.show_order(act(store), oid).order.to_json()["decided_at"]
