"""Benchmark: does history size slow the pending list, the badge or the pending report?

Builds stores with H decided orders (fulfilled/rejected/cancelled) of history and a constant
50 pending orders, then times `list_orders(status="pending")` (the table's query: first 50 rows,
total, badge) and `list_orders(status="pending")` without a limit (JSON/CSV). Best of N runs.

    python scripts/bench_pending.py                       # SQLite, H = 1k, 10k, 100k
    python scripts/bench_pending.py --db postgresql+psycopg://postgres@127.0.0.1/postgres
    python scripts/bench_pending.py --profile             # cProfile of the largest case

Not a test: numbers depend on the machine. Use it before and after changing the list queries.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from hwctl.app import orders
from hwctl.app.context import Context
from hwctl.config import StoreLocation
from hwctl.domain.access import Principal
from hwctl.store.engine import Store, dispose_all
from hwctl.store.models import (
    Account,
    CatalogItem,
    HardwareOrder,
    OrderLine,
    OrderUnit,
    Platform,
)

PENDING = 50


def fill(store: Store, history: int) -> None:
    rng = random.Random(7)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    with store.session(write=True) as s:
        s.execute(
            insert(Platform),
            [
                {"id": p, "name": f"Platform {p}", "search_key": f"platform {p}"}
                for p in range(1, 6)
            ],
        )
        s.execute(
            insert(CatalogItem),
            [
                {
                    "id": p,
                    "platform_id": p,
                    "sku": "T54W",
                    "name": "desk phone",
                    "kind": "deskphone",
                }
                for p in range(1, 6)
            ],
        )
        s.execute(
            insert(Account),
            [
                {
                    "id": a,
                    "platform_id": a % 5 + 1,
                    "name": f"Account {a}",
                    "search_key": f"account {a}",
                }
                for a in range(1, 501)
            ],  # fmt: skip
        )
        total = history + PENDING
        batch = 5000
        for first in range(1, total + 1, batch):
            ids = range(first, min(first + batch, total + 1))
            rows, lines, units = [], [], []
            for i in ids:
                account = rng.randint(1, 500)
                status = (
                    "pending"
                    if i > history
                    else rng.choice(["fulfilled", "fulfilled", "rejected", "cancelled"])
                )
                when = start + timedelta(minutes=i)
                rows.append(
                    {"id": i, "platform_id": account % 5 + 1, "account_id": account,
                     "status": status, "ordered_at": when, "submitted_at": when}
                )  # fmt: skip
                lines.append({"id": i, "order_id": i, "line_no": 1,
                              "catalog_item_id": account % 5 + 1, "quantity": 2})  # fmt: skip
                units += [{"order_id": i, "line_id": i, "seq": q} for q in (1, 2)]
            s.execute(insert(HardwareOrder), rows)
            s.execute(insert(OrderLine), lines)
            s.execute(insert(OrderUnit), units)
    if store.location.url.startswith("postgresql"):
        with store.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()


def best(fn, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="PostgreSQL server URL (a scratch database is created)")
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    print(f"{'history':>8} {'table (ms)':>11} {'all pending (ms)':>17} {'rows':>5} {'badge':>6}")
    for size in [int(x) for x in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            if args.db:
                name = f"hwctl_bench_{uuid.uuid4().hex[:8]}"
                admin = create_engine(args.db, isolation_level="AUTOCOMMIT")
                with admin.connect() as c:
                    c.execute(text(f'CREATE DATABASE "{name}"'))
                url = make_url(args.db).set(database=name).render_as_string(hide_password=False)
            else:
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            store = Store(StoreLocation(url, "--db", False), auto_migrate=True)
            ctx = Context(store, Principal.super_admin("bench"))
            store.upgrade()
            fill(store, size)
            table = best(
                lambda st=store: orders.list_orders(
                    Context(st, Principal.super_admin("bench")), status="pending", limit=50
                ),
                args.runs,
            )
            page = orders.list_orders(ctx, status="pending")
            every = best(
                lambda st=store: orders.list_orders(
                    Context(st, Principal.super_admin("bench")), status="pending"
                ),
                args.runs,
            )
            print(
                f"{size:>8} {table:>11.1f} {every:>17.1f} {len(page.orders):>5} {page.pending:>6}"
            )
            if args.profile and size == max(int(x) for x in args.sizes.split(",")):
                prof = cProfile.Profile()
                prof.enable()
                for _ in range(20):
                    orders.list_orders(ctx, status="pending", limit=50)
                prof.disable()
                pstats.Stats(prof).sort_stats("cumulative").print_stats(12)
            store.engine.dispose()
            dispose_all()
            if args.db:
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
