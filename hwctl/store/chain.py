"""The audit log as a hash chain (as in git or Certificate Transparency): each entry stores its
canonical payload, the previous entry's hash and its own hash, so a changed, removed or inserted
entry shows when the chain is walked, and a head kept elsewhere shows a removed tail.

The format (a contract: an auditor recomputes it with `sha256sum`, see the README):

- payload: the entry's fields as JSON with sorted keys, no whitespace (`","` and `":"`), ASCII
  only (anything else `\\uXXXX`-escaped), so it is exactly the bytes that are hashed:
  `action`, `actor`, `actor_kind`, `at` (UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, always six
  digits of microseconds), `details` (the JSON object or null), `id`, `order_id` (or null),
  `reason` (or null);
- prev_hash: the previous entry's hash (by id), `GENESIS` (64 zeros) for the first entry;
- hash: lowercase hex SHA-256 of the ASCII bytes of prev_hash followed by the payload's bytes.

Appends are serialised, so the chain never forks: on SQLite the caller's transaction holds the
write lock (`store.session(write=True)`, BEGIN IMMEDIATE) before the head is read; on
PostgreSQL `append` takes a transaction-scoped advisory lock first and draws the new id from
the sequence while holding it, so ids grow in chain order (a rolled-back append leaves a gap in
the ids, never in the chain). A unique constraint on prev_hash refuses a fork in any case.

The store refuses to change entries: triggers abort UPDATE and DELETE (and TRUNCATE on
PostgreSQL). `protect` (re)creates them; SQLite drops a table's triggers with the table, so a
batch migration that rebuilds audit_entry must call it again (`Store.upgrade` does after every
migration run).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, text
from sqlmodel import Session, col, select

from hwctl.store.models import AuditEntry

GENESIS = "0" * 64
# pg_advisory_xact_lock key of the audit chain: "hwaudit" in ASCII, one constant for all hwctl.
LOCK_KEY = int.from_bytes(b"hwaudit", "big")
CHANGE_REFUSED = "audit entries cannot be changed"
FIELDS = ("action", "actor", "actor_kind", "at", "details", "id", "order_id", "reason")
BATCH = 5_000  # rows fetched at a time when walking the chain


def canonical_at(at: datetime) -> str:
    """The entry's time as the payload spells it: UTC, microseconds, `Z`."""
    if at.tzinfo is None:
        raise ValueError("naive datetime in an audit entry")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def payload_fields(
    *,
    id: int,
    at: datetime,
    actor: str,
    actor_kind: str,
    action: str,
    order_id: int | None,
    reason: str | None,
    details: str | None,
) -> dict[str, Any]:
    """The fields an entry's payload holds (`details` is the stored JSON text)."""
    return {
        "action": action,
        "actor": actor,
        "actor_kind": actor_kind,
        "at": canonical_at(at),
        "details": json.loads(details) if details is not None else None,
        "id": id,
        "order_id": order_id,
        "reason": reason,
    }


FIELDS = ("id", "at", "actor", "actor_kind", "action", "order_id", "reason", "details")


def row_fields(row: Any) -> dict[str, Any]:  # noqa: ANN401
    """`payload_fields` of a stored row (anything with the FIELDS as attributes)."""
    return payload_fields(**{name: getattr(row, name) for name in FIELDS})


def canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def chain_hash(prev_hash: str, payload: str) -> str:
    """SHA-256 over the previous hash and the payload (both ASCII), lowercase hex."""
    return hashlib.sha256((prev_hash + payload).encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Head:
    id: int | None  # None: the chain is empty
    hash: str


def head(session: Session) -> Head:
    """The last entry of the chain (the highest id)."""
    row = session.exec(
        select(AuditEntry.id, AuditEntry.hash).order_by(col(AuditEntry.id).desc()).limit(1)
    ).first()
    return Head(None, GENESIS) if row is None else Head(row[0], row[1])


# PostgreSQL, once the lock is held: the new entry's id and the head, in one statement (a
# statement's snapshot is taken when it starts, after the lock: it sees the last holder's entry).
_PG_ID_AND_HEAD = text(
    "SELECT nextval(pg_get_serial_sequence('audit_entry', 'id')), head.id, head.hash "
    "FROM (SELECT 1) AS one LEFT JOIN "
    "(SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1) AS head ON true"
)
_PG_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def append(
    session: Session,
    *,
    at: datetime,
    actor: str,
    actor_kind: str,
    action: str,
    order_id: int | None = None,
    reason: str | None = None,
    details: str | None = None,
) -> None:
    """Add the next entry of the chain to the caller's transaction (written, never committed).
    On PostgreSQL the chain's lock is held from here until the transaction ends: append last."""
    session.flush()  # the rows the entry names (its order), and entries added before it
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # Held until the transaction ends: the next appender reads the head this one commits.
        # The lock is its own statement, before the head is read: read in the statement that
        # waited, the head would be the one before the last holder's (READ COMMITTED).
        # (The audit log has no row-level security: a platform's transaction sees every entry.)
        conn.execute(_PG_LOCK, {"key": LOCK_KEY})
        new_id, head_id, head_hash = conn.execute(_PG_ID_AND_HEAD).one()
        last = Head(None, GENESIS) if head_id is None else Head(head_id, head_hash)
    else:
        if not conn.get_execution_options().get("hwctl_write"):
            # A deferred transaction may have read an older head: the chain would fork.
            raise RuntimeError("audit entries are appended only in store.session(write=True)")
        last = head(session)
        new_id = (last.id or 0) + 1
    columns: dict[str, Any] = {
        "id": new_id,
        "at": at,
        "actor": actor,
        "actor_kind": actor_kind,
        "action": action,
        "order_id": order_id,
        "reason": reason,
        "details": details,
    }
    payload = canonical(payload_fields(**columns))
    conn.execute(
        insert(AuditEntry.__table__),  # type: ignore[attr-defined]
        {**columns, "payload": payload, "prev_hash": last.hash,
         "hash": chain_hash(last.hash, payload)},
    )  # fmt: skip


# -- verifying ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int  # entries found intact (all of them when ok; before the broken one otherwise)
    head: Head
    broken_id: int | None = None
    reason: str | None = None
    expected_at: int | None = None  # the entry whose hash --expect-head named, when given


_COLUMNS = (
    AuditEntry.id,
    AuditEntry.at,
    AuditEntry.actor,
    AuditEntry.actor_kind,
    AuditEntry.action,
    AuditEntry.order_id,
    AuditEntry.reason,
    AuditEntry.details,
    AuditEntry.payload,
    AuditEntry.prev_hash,
    AuditEntry.hash,
)


def _rows(session: Session) -> Iterator[Any]:
    """Every entry in id order, a batch at a time (a server-side cursor on PostgreSQL)."""
    query = select(*_COLUMNS).order_by(col(AuditEntry.id)).execution_options(yield_per=BATCH)
    yield from session.execute(query)


def _fields_differ(row: Any) -> list[str]:
    """The fields whose stored value is not the one in the payload."""
    try:
        stored = json.loads(row.payload)
        mine = row_fields(row)
    except (ValueError, TypeError):
        return ["payload"]
    if not isinstance(stored, dict):
        return ["payload"]
    return [f for f in sorted(set(FIELDS) | set(stored)) if stored.get(f, ...) != mine.get(f, ...)]


def verify(session: Session, *, expect_head: str | None = None) -> Verdict:
    """Walk the chain from the first entry; stop at the first broken one."""
    prev = Head(None, GENESIS)
    count = 0
    expected_at: int | None = 0 if expect_head == GENESIS else None
    for row in _rows(session):
        reason = None
        if row.prev_hash != prev.hash:
            reason = (
                "its previous hash is not the start of the chain (64 zeros)"
                if prev.id is None
                else f"its previous hash does not match entry {prev.id}"
            )
        elif chain_hash(row.prev_hash, row.payload) != row.hash:
            reason = "its hash does not match its payload"
        else:
            differ = _fields_differ(row)
            if differ:
                reason = f"its fields do not match its payload ({', '.join(differ)})"
        if reason is not None:
            return Verdict(False, count, prev, broken_id=row.id, reason=reason)
        count += 1
        prev = Head(row.id, row.hash)
        if expect_head is not None and row.hash == expect_head:
            expected_at = row.id
    if expect_head is not None and expected_at is None:
        where = "the chain is empty" if prev.id is None else f"the head is entry {prev.id}"
        return Verdict(
            False,
            count,
            prev,
            broken_id=prev.id,
            reason=(
                f"{where} but --expect-head names {expect_head}, which is not in the chain "
                "(entries removed from the end?)"
            ),
        )
    return Verdict(True, count, prev, expected_at=expected_at)


# -- the store refuses changes --------------------------------------------------------------------
_SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER IF NOT EXISTS audit_entry_no_{what.lower()} BEFORE {what} ON audit_entry "
    f"BEGIN SELECT RAISE(ABORT, '{CHANGE_REFUSED}'); END"
    for what in ("UPDATE", "DELETE")
)
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION hwctl_audit_entry_unchangeable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{CHANGE_REFUSED}' USING ERRCODE = 'restrict_violation';
END $$
"""
_PG_TRIGGERS = (
    ("audit_entry_no_change", "BEFORE UPDATE OR DELETE ON audit_entry FOR EACH ROW"),
    ("audit_entry_no_truncate", "BEFORE TRUNCATE ON audit_entry FOR EACH STATEMENT"),
)


def protect(conn: Connection) -> None:
    """(Re)create the triggers that refuse UPDATE and DELETE on audit_entry. Idempotent."""
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_TRIGGERS:
            conn.exec_driver_sql(statement)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_PG_FUNCTION)
        for name, when in _PG_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON audit_entry")
            conn.exec_driver_sql(
                f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION hwctl_audit_entry_unchangeable()"
            )


def unprotect(conn: Connection) -> None:
    """Drop the triggers (the downgrade of migration 0007)."""
    if conn.dialect.name == "sqlite":
        for what in ("update", "delete"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS audit_entry_no_{what}")
    elif conn.dialect.name == "postgresql":
        for name, _ in _PG_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON audit_entry")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS hwctl_audit_entry_unchangeable()")


def chain_existing(conn: Connection) -> int:
    """Chain the entries of a store that had none (migration 0007), in id order. Returns how
    many. Runs before `protect`: it fills the new columns with UPDATEs."""
    from sqlalchemy import bindparam, update

    table = AuditEntry.__table__
    prev = GENESIS
    batch: list[dict[str, Any]] = []
    rows = conn.execute(select(*_COLUMNS[:8]).order_by(col(AuditEntry.id))).fetchall()
    for row in rows:
        payload = canonical(row_fields(row))
        digest = chain_hash(prev, payload)
        batch.append({"row_id": row.id, "p": payload, "ph": prev, "h": digest})
        prev = digest
    if batch:
        conn.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(payload=bindparam("p"), prev_hash=bindparam("ph"), hash=bindparam("h")),
            batch,
        )
    return len(batch)
