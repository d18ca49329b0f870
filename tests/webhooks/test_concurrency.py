"""Several deliverers at once, each with its own engine (its own connections), released
together on a store with many deliveries due: every delivery is sent exactly once, each
order's events still in order, and the work is shared. On PostgreSQL the claims skip the rows
another deliverer has locked (`FOR UPDATE SKIP LOCKED`); on SQLite the write lock serialises
them. Either way a claim pushes the next attempt a lease ahead, so nobody takes it again."""

from __future__ import annotations

import threading
from collections import Counter

from hwctl.app import webhooks
from hwctl.app.context import Context
from hwctl.config import StoreLocation
from hwctl.domain.access import Principal
from hwctl.store.engine import Store
from tests.conftest import ADMIN, make_order
from tests.webhooks.conftest import add_hook, statuses

DELIVERERS = 3
ORDERS = 20


def test_deliverers_running_at_once_send_each_delivery_exactly_once(seeded, db_url, receiver):
    add_hook(seeded, receiver, "/a")
    add_hook(seeded, receiver, "/b")
    ids = [make_order(seeded, "approved") for _ in range(ORDERS)]  # created, approved each
    receiver.delay = 0.01  # a receiver that takes its time: the deliverers overlap

    stores = [Store(StoreLocation(db_url, "--db", False)) for _ in range(DELIVERERS)]
    start = threading.Barrier(DELIVERERS)
    results: dict[int, webhooks.DeliveryCounts] = {}
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            ctx = Context(stores[k], Principal.super_admin(ADMIN))
            start.wait()
            results[k] = webhooks.deliver(ctx, transport=webhooks.network(), batch=3, workers=2)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(DELIVERERS)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        for s in stores:
            s.engine.dispose()
    assert not errors, errors

    expected = 2 * 2 * ORDERS  # two events per order, two webhooks
    sent = Counter((r.path, r.msg_id) for r in receiver.got())
    assert len(sent) == expected
    assert max(sent.values()) == 1, [k for k, n in sent.items() if n > 1]
    assert sum(c.delivered for c in results.values()) == expected
    assert sum(c.attempted for c in results.values()) == expected  # nothing superseded
    assert all(c.delivered > 0 for c in results.values()), results  # the work was shared
    for path in ("/a", "/b"):
        for oid in ids:
            types = [r.event["type"] for r in receiver.got(path) if r.event["data"]["id"] == oid]
            assert types == ["order.created", "order.approved"], (path, oid, types)
    assert {s for _, s in statuses(seeded)} == {"delivered"}
