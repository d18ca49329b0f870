"""What creating and reading an order costs the store, and that the shortcuts taken for it change
nothing a platform sees: the body of a created order is the one a GET reads back and the one its
`order.created` event carries, and the audit chain's lock is the last thing the creation's
transaction takes. On SQLite and PostgreSQL. Statements are counted as the driver receives
them (SQLAlchemy's `before_cursor_execute`), BEGIN and COMMIT apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from hwctl.store.chain import LOCK_KEY
from tests.api.conftest import GLOBEX_ORDER, Api
from tests.conftest import act

# A POST (an order for an existing account) and a GET, request and use case together, by a
# client whose token the server has seen: on SQLite the token's lookup, then the statements of
# the use case; on PostgreSQL the tenant's setting, which checks the token (its lookup is
# remembered, `tokens.Authenticator`), then the use case's.
POST_STATEMENTS = {"sqlite": 7, "postgresql": 8}
GET_STATEMENTS = {"sqlite": 2, "postgresql": 2}
# A GET commits one transaction, the use case's: on SQLite the token is looked up before it on
# a plain connection; on PostgreSQL the use case's BEGIN goes with its platform's setting and
# the token's check, in one round trip.
GET_COMMITS = 1

ORDERS: list[dict[str, Any]] = [
    GLOBEX_ORDER,
    {  # three lines, intents on some units only, an ordered_at of its own
        "account": "Globex Corporation",
        "ordered_at": "2026-11-20T09:30:00+01:00",
        "items": [
            {"sku": "W70B", "quantity": 1, "units": [{"location": "Warehouse"}]},
            {"sku": "T54W", "quantity": 3, "units": [{}, {"user": "bob@globex.example"}]},
            {"sku": "W73H", "quantity": 2},
        ],
    },
    {  # an account created with the order, with its users and locations
        "account": {"name": "Initech", "users": ["peter@initech.example"],
                    "locations": ["Basement"]},
        "items": [{"sku": "T54W", "quantity": 2, "units": [
            {"user": "peter@initech.example", "location": "Basement"}]}],
    },
]  # fmt: skip


@dataclass
class Seen:
    """The statements the store received, and where each transaction ended."""

    statements: list[tuple[str, Any]] = field(default_factory=list)
    autocommit: list[bool] = field(default_factory=list)  # per statement: sent in autocommit?
    commits: list[int] = field(default_factory=list)  # how many statements before each COMMIT

    def transactions(self) -> list[list[tuple[str, Any]]]:
        out, start = [], 0
        for end in self.commits:
            out.append(self.statements[start:end])
            start = end
        return out


@contextmanager
def watching(store) -> Iterator[Seen]:  # noqa: ANN001
    seen = Seen()

    def statement(conn, cursor, text, params, context, many) -> None:  # noqa: ANN001
        word = text.strip().upper()
        # SQLite's BEGIN is a statement of its own; PostgreSQL's tenant BEGIN comes with the
        # platform's setting, in one round trip (counted as that).
        if word not in {"BEGIN DEFERRED", "BEGIN IMMEDIATE", "COMMIT"}:
            seen.statements.append((text, params))
            level = conn.get_execution_options().get("isolation_level")
            seen.autocommit.append(level == "AUTOCOMMIT")

    def commit(conn) -> None:  # noqa: ANN001
        seen.commits.append(len(seen.statements))

    event.listen(store.engine, "before_cursor_execute", statement)
    event.listen(store.engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", statement)
        event.remove(store.engine, "commit", commit)


def add_webhook(store) -> None:  # noqa: ANN001
    from hwctl.app import webhooks

    webhooks.add(
        act(store),
        "Acme Voice",
        "http://127.0.0.1:9/acme",
        None,
        insecure=True,
        transport=webhooks.network(),
    )


def created_event(store, order_id: int) -> dict[str, Any]:  # noqa: ANN001
    from hwctl.store.models import WebhookEvent

    with store.session() as session:
        (payload,) = session.exec(
            select(WebhookEvent.payload).where(
                col(WebhookEvent.order_id) == order_id, WebhookEvent.type == "order.created"
            )
        ).all()
    return json.loads(payload)


@pytest.mark.parametrize("body", ORDERS, ids=["globex", "three-lines", "new-account"])
def test_a_created_order_is_what_a_get_reads_back_and_what_its_event_carries(
    api: Api, body: dict[str, Any]
) -> None:
    add_webhook(api.store)
    created = api.create(body, headers={"Idempotency-Key": "k1"})
    assert api.get(f"/v1/orders/{created['id']}").json() == created
    assert created_event(api.store, created["id"])["data"] == created
    replayed = api.post("/v1/orders", body, headers={"Idempotency-Key": "k1"})
    assert replayed.json() == created


def test_creating_and_reading_an_order_take_few_statements(api: Api) -> None:
    api.create()  # the first request of a process reads the schema's revision
    dialect = api.store.engine.dialect.name
    with watching(api.store) as post:
        order = api.create()
    with watching(api.store) as get:
        assert api.get(f"/v1/orders/{order['id']}").status_code == 200
    assert len(post.statements) == POST_STATEMENTS[dialect], post.statements
    assert len(get.statements) == GET_STATEMENTS[dialect], get.statements
    assert len(get.commits) == GET_COMMITS, get.commits
    first = get.statements[0][0]
    assert "FROM api_token" in first, first
    if dialect == "postgresql":
        # the use case's transaction begun in the round trip that sets its platform and checks
        # the token; no lookup of its own
        assert first.startswith("SELECT set_config('hwctl.platform', 'Acme Voice', true) FROM")
        assert first.endswith("AND revoked_at IS NULL; BEGIN"), first
        assert post.statements[0][0] == first
        texts = [text for text, _ in get.statements[1:] + post.statements[1:]]
        assert not any("FROM api_token" in text or "BEGIN" in text.upper() for text in texts)
    else:
        assert not any(get.autocommit)


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_audit_chains_lock_is_the_last_thing_a_creation_takes(api: Api) -> None:
    """Held until COMMIT, the lock serialises every change: after it, only the new entry's id
    and the head are read and the entry written. With a webhook and an Idempotency-Key, so the
    event, the delivery and the key are written too (before the lock)."""
    add_webhook(api.store)
    with watching(api.store) as seen:
        api.create(headers={"Idempotency-Key": "k2"})
    creation = seen.transactions()[-1]
    locks = [n for n, (_, p) in enumerate(creation) if p == {"key": LOCK_KEY}]
    assert len(locks) == 1, creation
    after = [text for text, _ in creation[locks[0] + 1 :]]
    assert len(after) == 2, after
    assert "nextval" in after[0] and "audit_entry" in after[0]
    assert after[1].startswith("INSERT INTO audit_entry")
    written = " ".join(text for text, _ in creation[: locks[0]])
    for table in ("hw_order", "order_line", "order_unit", "webhook_event", "idempotency"):
        assert f"INSERT INTO {table}" in written, table
