"""Reports for cron and monitoring: how many orders wait for approval, per platform, and since
when.

The pending report is one GROUP BY over pending orders only. Its WHERE is `status = 'pending'`,
which the (status, ordered_at) index answers, so the size of the order history does not matter.
Every platform is listed, those with nothing pending too, so that monitoring series stay stable.
A report never creates a store: a SQLite path that does not exist is an error, not an empty store
(a cron job pointed at the wrong file must not report "0 pending" forever).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func
from sqlmodel import col, select

from hwctl.app.context import Context, authorise
from hwctl.app.views import iso
from hwctl.config import StoreLocation
from hwctl.domain.access import Use
from hwctl.domain.status import OrderStatus
from hwctl.errors import StoreError
from hwctl.store.models import HardwareOrder, Platform


@dataclass(frozen=True)
class PlatformPending:
    platform: str
    pending: int
    oldest_ordered_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "pending": self.pending,
            "oldest_ordered_at": iso(self.oldest_ordered_at),
        }


@dataclass(frozen=True)
class PendingReport:
    """Pending orders in total and per platform (every platform, sorted by name), as of `now`."""

    pending: int
    oldest_ordered_at: datetime | None
    platforms: tuple[PlatformPending, ...]
    now: datetime

    @property
    def oldest_age_seconds(self) -> int | None:
        """Whole seconds since the oldest pending order (0 if its date lies ahead); None when
        nothing is pending."""
        if self.oldest_ordered_at is None:
            return None
        return max(0, int((self.now - self.oldest_ordered_at).total_seconds()))

    def to_json(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "oldest_ordered_at": iso(self.oldest_ordered_at),
            "platforms": [p.to_json() for p in self.platforms],
        }


def require_existing(location: StoreLocation) -> None:
    """Refuse a SQLite store whose file does not exist (opening it would create an empty one)."""
    path = location.sqlite_path
    if path is not None and not path.exists():
        raise StoreError(f"no store at {path}", store_missing=str(path))


def pending_counts_query() -> Select:
    """(platform name, pending count, oldest ordered_at) for every platform, by name."""
    per_platform = (
        select(
            col(HardwareOrder.platform_id).label("platform_id"),
            func.count().label("pending"),
            func.min(col(HardwareOrder.ordered_at)).label("oldest"),
        )
        .where(col(HardwareOrder.status) == OrderStatus.PENDING.value)
        .group_by(col(HardwareOrder.platform_id))
        .subquery("pending_per_platform")
    )
    return (
        select(
            col(Platform.name),
            func.coalesce(per_platform.c.pending, 0),
            per_platform.c.oldest,
        )
        .select_from(Platform)
        .outerjoin(per_platform, per_platform.c.platform_id == col(Platform.id))
        .order_by(col(Platform.name), col(Platform.id))
    )


def pending_report(ctx: Context) -> PendingReport:
    """Count pending orders per platform; ages are measured from the context's clock."""
    now = ctx.now().astimezone(UTC)
    with ctx.store.session() as session:
        authorise(ctx, session, Use.REPORT)
        rows = session.exec(pending_counts_query()).all()
    platforms = tuple(PlatformPending(name, int(n), oldest) for name, n, oldest in rows)
    dates = [p.oldest_ordered_at for p in platforms if p.oldest_ordered_at is not None]
    return PendingReport(
        pending=sum(p.pending for p in platforms),
        oldest_ordered_at=min(dates) if dates else None,
        platforms=platforms,
        now=now,
    )
