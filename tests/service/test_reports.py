"""The pending report (hwctl.app.reports) on a real SQLite file and on PostgreSQL: counts per
platform, the oldest pending order, and a query that only reads pending orders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hwctl.app import reports
from hwctl.config import StoreLocation
from hwctl.errors import StoreError
from tests.conftest import act, make_order

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


def blue_sky_order(store, **kw) -> int:  # noqa: ANN001
    return make_order(store, platform="Blue Sky", account="Umbrella Ltd",
                      items=[{"sku": "D385", "quantity": 1}], **kw)  # fmt: skip


def test_an_empty_store_reports_nothing_pending_and_no_oldest_date(seeded) -> None:  # noqa: ANN001
    report = reports.pending_report(act(seeded, now=NOW))
    assert report.pending == 0
    assert report.oldest_ordered_at is None
    assert report.oldest_age_seconds is None
    assert [(p.platform, p.pending, p.oldest_ordered_at) for p in report.platforms] == [
        ("Acme Voice", 0, None),
        ("Blue Sky", 0, None),
    ]


def test_pending_orders_are_counted_per_platform_with_the_oldest_date(seeded) -> None:  # noqa: ANN001
    make_order(seeded, ordered_at="2026-11-20T09:30:00Z")
    make_order(seeded, ordered_at="2026-11-22T10:00:00Z")
    make_order(seeded, ordered_at="2026-11-24T11:00:00Z")
    blue_sky_order(seeded, ordered_at="2026-11-25T08:00:00Z")
    report = reports.pending_report(act(seeded, now=NOW))
    assert report.to_json() == {
        "pending": 4,
        "oldest_ordered_at": "2026-11-20T09:30:00Z",
        "platforms": [
            {"platform": "Acme Voice", "pending": 3, "oldest_ordered_at": "2026-11-20T09:30:00Z"},
            {"platform": "Blue Sky", "pending": 1, "oldest_ordered_at": "2026-11-25T08:00:00Z"},
        ],
    }
    assert report.oldest_age_seconds == 6 * 86400


def test_only_pending_orders_count_whatever_the_history(seeded) -> None:  # noqa: ANN001
    make_order(seeded, status="approved", ordered_at="2020-01-01T00:00:00Z")
    make_order(seeded, status="rejected", ordered_at="2020-01-02T00:00:00Z")
    make_order(seeded, status="cancelled", ordered_at="2020-01-03T00:00:00Z")
    blue_sky_order(seeded, status="approved", ordered_at="2020-01-04T00:00:00Z")
    make_order(seeded, ordered_at="2026-11-25T09:30:00Z")
    report = reports.pending_report(act(seeded, now=NOW))
    assert report.pending == 1
    assert report.oldest_ordered_at == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    assert {p.platform: p.pending for p in report.platforms} == {"Acme Voice": 1, "Blue Sky": 0}


def test_the_age_is_measured_from_the_given_now_in_whole_seconds(seeded) -> None:  # noqa: ANN001
    make_order(seeded, ordered_at="2026-11-26T09:00:00Z")
    later = datetime(2026, 11, 26, 9, 59, 59, 900000, tzinfo=UTC)
    assert reports.pending_report(act(seeded, now=later)).oldest_age_seconds == 3599


def test_an_order_dated_ahead_of_now_has_age_zero(seeded) -> None:  # noqa: ANN001
    make_order(seeded, ordered_at="2026-12-01T00:00:00Z")
    assert reports.pending_report(act(seeded, now=NOW)).oldest_age_seconds == 0


def test_without_now_the_age_is_measured_from_the_current_time(seeded) -> None:  # noqa: ANN001
    make_order(seeded, ordered_at="2026-11-20T09:30:00Z")
    before = datetime.now(UTC).replace(microsecond=0)  # the store keeps whole seconds
    report = reports.pending_report(act(seeded))
    assert before <= report.now <= datetime.now(UTC)


def test_the_query_reads_pending_orders_through_the_status_index(seeded, backend) -> None:  # noqa: ANN001
    """History size must not matter: the plan finds pending orders by index, never by a scan of
    every order (PostgreSQL is told to avoid scans, so the plan shows what is possible)."""
    query = reports.pending_counts_query()
    with seeded.engine.connect() as conn:
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        if backend == "sqlite":
            plan = " / ".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "SEARCH hw_order USING INDEX ix_hw_order_status_ordered_at (status=?)" in plan
            assert "SCAN hw_order" not in plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = " / ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
            assert "ix_hw_order_status_ordered_at" in plan
            assert "Seq Scan on hw_order" not in plan


def test_a_missing_sqlite_file_is_refused_rather_than_created(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    with pytest.raises(StoreError, match=f"no store at {path}"):
        reports.require_existing(StoreLocation(f"sqlite:///{path}", "--db", False))
    assert not path.exists()


def test_an_existing_sqlite_file_and_a_server_url_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "hwctl.db"
    path.touch()
    reports.require_existing(StoreLocation(f"sqlite:///{path}", "--db", False))
    reports.require_existing(StoreLocation("postgresql+psycopg://h/db", "--db", False))
