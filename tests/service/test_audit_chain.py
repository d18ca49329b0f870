"""The audit log is a hash chain: a workflow leaves one that verifies, tampering shows with the
entry it broke, the store refuses to change entries, migration 0007 chains existing history,
and 8 processes appending at once never fork it. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import exc, text

from hwctl.app import admins, audit, orders
from hwctl.config import StoreLocation
from hwctl.domain.status import Action
from hwctl.store import chain
from hwctl.store.engine import Store
from tests.conftest import ADMIN, act, make_order

GENESIS = "0" * 64


def rows(store) -> list[dict[str, Any]]:  # noqa: ANN001
    with store.engine.connect() as conn:
        result = conn.execute(
            text("SELECT id, reason, payload, prev_hash, hash FROM audit_entry ORDER BY id")
        )
        return [dict(r._mapping) for r in result]


def workflow(store) -> None:  # noqa: ANN001
    """Orders submitted, approved, rejected and cancelled: entries of several kinds."""
    make_order(store, "approved")
    make_order(store, "rejected")
    make_order(store, "cancelled")
    make_order(store, "pending", items=[{"sku": "T54W", "quantity": 1}])


def tamper(store, *statements: str) -> None:  # noqa: ANN001
    """Change the store behind hwctl's back, as whoever can write the database could: drop the
    triggers, run the statements, put the triggers back."""
    with store.engine.begin() as conn:
        chain.unprotect(conn)
        for statement in statements:
            conn.exec_driver_sql(statement)
        chain.protect(conn)


def test_a_workflow_leaves_a_chain_linked_by_hashes_that_verifies(seeded) -> None:  # noqa: ANN001
    workflow(seeded)
    entries = rows(seeded)
    assert len(entries) >= 8
    assert entries[0]["prev_hash"] == GENESIS
    for before, entry in zip(entries, entries[1:], strict=False):
        assert entry["prev_hash"] == before["hash"]
    for entry in entries:  # the recipe an auditor follows: sha256(prev_hash + payload)
        digest = hashlib.sha256((entry["prev_hash"] + entry["payload"]).encode()).hexdigest()
        assert entry["hash"] == digest
        assert json.loads(entry["payload"])["id"] == entry["id"]
    verdict = audit.verify_chain(act(seeded))
    assert verdict.ok
    assert verdict.entries == len(entries)
    assert (verdict.head.id, verdict.head.hash) == (entries[-1]["id"], entries[-1]["hash"])
    head = audit.chain_head(act(seeded))
    assert (head.id, head.hash) == (entries[-1]["id"], entries[-1]["hash"])


def test_the_payload_is_the_entrys_fields_as_sorted_compact_ascii_json(seeded) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    at = datetime(2026, 12, 2, 10, 30, 0, tzinfo=UTC).astimezone()  # any zone: stored in UTC
    admins.add(act(seeded, now=at), "Zoë")
    last = rows(seeded)[-1]
    assert last["payload"] == (
        '{"action":"admin_add","actor":"dana","actor_kind":"super_admin",'
        '"at":"2026-12-02T10:30:00.000000Z","details":{"admin":"Zo\\u00eb","first":false},'
        f'"id":{last["id"]},"order_id":null,"reason":null}}'
    )


def test_a_reason_changed_behind_hwctls_back_breaks_that_entry(seeded) -> None:  # noqa: ANN001
    workflow(seeded)
    victim = [e for e in rows(seeded) if e["reason"] == "test reason"][0]["id"]
    tamper(seeded, f"UPDATE audit_entry SET reason = 'nothing to see' WHERE id = {victim}")
    verdict = audit.verify_chain(act(seeded))
    assert not verdict.ok
    assert verdict.broken_id == victim
    assert verdict.reason == "its fields do not match its payload (reason)"
    assert verdict.entries == victim - 1


def test_a_payload_rewritten_with_its_fields_breaks_that_entrys_hash(seeded) -> None:  # noqa: ANN001
    workflow(seeded)
    victim = [e for e in rows(seeded) if e["reason"] == "test reason"][0]
    forged = victim["payload"].replace('"reason":"test reason"', '"reason":"nothing to see"')
    assert forged != victim["payload"]
    tamper(
        seeded,
        f"UPDATE audit_entry SET reason = 'nothing to see', payload = '{forged}' "
        f"WHERE id = {victim['id']}",
    )
    verdict = audit.verify_chain(act(seeded))
    assert (verdict.ok, verdict.broken_id) == (False, victim["id"])
    assert verdict.reason == "its hash does not match its payload"


def test_a_hash_overwritten_breaks_that_entry_and_the_entries_before_still_verify(seeded) -> None:  # noqa: ANN001, E501
    workflow(seeded)
    entries = rows(seeded)
    victim, later = entries[3], entries[-1]
    tamper(seeded, f"UPDATE audit_entry SET hash = '{later['hash']}' WHERE id = {victim['id']}")
    verdict = audit.verify_chain(act(seeded))
    assert (verdict.ok, verdict.broken_id, verdict.entries) == (False, victim["id"], 3)
    assert verdict.reason == "its hash does not match its payload"
    assert (verdict.head.id, verdict.head.hash) == (entries[2]["id"], entries[2]["hash"])


def test_a_middle_entry_removed_breaks_the_link_of_the_next(seeded) -> None:  # noqa: ANN001
    workflow(seeded)
    ids = [e["id"] for e in rows(seeded)]
    gone = ids[len(ids) // 2]
    tamper(seeded, f"DELETE FROM audit_entry WHERE id = {gone}")
    verdict = audit.verify_chain(act(seeded))
    assert (verdict.ok, verdict.broken_id) == (False, gone + 1)
    assert verdict.reason == f"its previous hash does not match entry {gone - 1}"


def test_the_first_entry_removed_breaks_the_start_of_the_chain(seeded) -> None:  # noqa: ANN001
    workflow(seeded)
    first = rows(seeded)[0]["id"]
    tamper(seeded, f"DELETE FROM audit_entry WHERE id = {first}")
    verdict = audit.verify_chain(act(seeded))
    assert (verdict.ok, verdict.broken_id, verdict.entries) == (False, first + 1, 0)
    assert verdict.reason == "its previous hash is not the start of the chain (64 zeros)"


def test_a_removed_tail_shows_only_against_a_head_kept_elsewhere(seeded) -> None:  # noqa: ANN001
    workflow(seeded)
    kept = audit.chain_head(act(seeded))
    tamper(seeded, f"DELETE FROM audit_entry WHERE id = {kept.id}")
    assert audit.verify_chain(act(seeded)).ok  # the rest is a valid, shorter chain
    verdict = audit.verify_chain(act(seeded), expect_head=kept.hash)
    assert not verdict.ok
    assert verdict.broken_id == kept.id - 1
    assert verdict.reason == (
        f"the head is entry {kept.id - 1} but --expect-head names {kept.hash}, which is not in "
        "the chain (entries removed from the end?)"
    )


def test_a_head_kept_elsewhere_still_verifies_once_the_log_has_grown(seeded) -> None:  # noqa: ANN001
    workflow(seeded)
    kept = audit.chain_head(act(seeded))
    make_order(seeded, "approved")
    verdict = audit.verify_chain(act(seeded), expect_head=kept.hash.upper())
    assert verdict.ok
    assert verdict.expected_at == kept.id
    assert verdict.head.id > kept.id


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_entry SET reason = 'x'", "DELETE FROM audit_entry"],
    ids=["update", "delete"],
)
def test_the_store_refuses_to_change_or_remove_audit_entries(seeded, statement) -> None:  # noqa: ANN001
    make_order(seeded, "approved")
    before = rows(seeded)
    with pytest.raises(exc.DatabaseError, match="audit entries cannot be changed"):
        with seeded.engine.begin() as conn:
            conn.execute(text(statement))
    assert rows(seeded) == before


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_postgresql_refuses_to_truncate_the_audit_log(seeded) -> None:  # noqa: ANN001
    before = rows(seeded)
    with pytest.raises(exc.DatabaseError, match="audit entries cannot be changed"):
        with seeded.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_entry CASCADE"))
    assert rows(seeded) == before


@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL: the advisory lock, any transaction
def test_entries_are_appended_only_in_write_transactions(seeded) -> None:  # noqa: ANN001
    """On SQLite a read transaction could have read an older head: record() refuses it."""
    with pytest.raises(RuntimeError, match="write"):
        with seeded.session() as session:
            audit.record(session, act(seeded), action="admin_add", details={"admin": "x"})


# -- migration 0007 -------------------------------------------------------------------------------
OLD_ENTRIES = [
    ("2026-11-20 09:30:00", "dana", "super_admin", "admin_add", None, None, '{"admin": "dana"}'),
    ("2026-11-20 09:31:00.250000", "Zoë", "super_admin", "import", None, None, None),
    ("2026-11-21 10:00:00", "platform:Acme#1", "platform", "cancel", None, "customer: \"no\"",
     '{"note": "\\u00e9t\\u00e9", "n": 2}'),
]  # fmt: skip


def test_migration_0007_chains_the_history_of_a_store_at_0006(
    backend, tmp_path: Path, request
) -> None:  # noqa: ANN001
    url = (
        f"sqlite:///{tmp_path / 'old.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    old = Store(StoreLocation(url, "--db", False), auto_migrate=False)
    cfg = old._alembic_config()
    with old.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        for row in OLD_ENTRIES:
            conn.execute(
                text(
                    "INSERT INTO audit_entry (at, actor, actor_kind, action, order_id, reason, "
                    "details) VALUES (:at, :actor, :kind, :action, :order, :reason, :details)"
                ),
                dict(
                    zip(
                        ("at", "actor", "kind", "action", "order", "reason", "details"),
                        row,
                        strict=True,
                    )
                ),  # fmt: skip
            )
    old.engine.dispose()

    store = Store(StoreLocation(url, "--db", False), auto_migrate=False)
    before, after = store.upgrade()
    assert (before, after) == ("0006", store.head_revision())  # through 0007
    verdict = audit.verify_chain(act(store))
    assert (verdict.ok, verdict.entries) == (True, 3)
    payloads = [json.loads(e["payload"]) for e in rows(store)]
    assert [p["at"] for p in payloads] == [
        "2026-11-20T09:30:00.000000Z",
        "2026-11-20T09:31:00.250000Z",
        "2026-11-21T10:00:00.000000Z",
    ]
    assert payloads[1]["actor"] == "Zoë"
    assert payloads[2]["details"] == {"n": 2, "note": "été"}
    # the chain goes on from the migrated head, and the migrated store refuses changes
    assert len(audit.list_entries(act(store))) == 3
    admins.add(act(store), ADMIN)
    assert audit.verify_chain(act(store)).entries == 4
    with pytest.raises(exc.DatabaseError, match="audit entries cannot be changed"):
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_entry"))
    store.engine.dispose()


def test_a_decision_on_several_orders_chains_one_entry_after_the_other(seeded) -> None:  # noqa: ANN001
    ids = [make_order(seeded) for _ in range(3)]
    outcomes = orders.decide(act(seeded), ids, Action.APPROVE)
    assert all(o.ok for o in outcomes)
    assert audit.verify_chain(act(seeded)).ok


# -- platforms under row-level security append to the one global chain ---------------------------
from tests.service.test_row_level_security import stores  # noqa: E402, F401 - the fixture


@pytest.mark.postgres
def test_platform_sessions_under_row_level_security_chain_onto_the_global_head(stores) -> None:  # noqa: ANN001, F811
    """Each platform's transaction sees only its own rows, but the audit log is one chain: an
    entry a platform appends follows the super-admins' and the other platform's entries."""
    from hwctl.app import platform, tokens
    from hwctl.app.context import for_platform
    from hwctl.domain.access import Principal

    owner, api_store, ids = stores
    acme_token, blue_token = (tokens.create(act(owner), p).id for p in ("Acme Voice", "Blue Sky"))
    acme = for_platform(api_store, Principal.platform("Acme Voice", acme_token))
    blue = for_platform(api_store, Principal.platform("Blue Sky", blue_token))
    platform.cancel_order(blue, ids["Blue Sky"])
    make_order(owner, "approved")
    platform.cancel_order(acme, ids["Acme Voice"])
    verdict = audit.verify_chain(act(owner))
    assert verdict.ok, verdict.reason
    assert verdict.entries == len(rows(owner))
    assert json.loads(rows(owner)[-1]["payload"])["actor"].startswith("platform:Acme Voice")
