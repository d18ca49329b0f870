"""The Devices page: devices of an account, a platform or an order."""

from __future__ import annotations

from sqlmodel import col, select

from hwctl.app.context import Context, authorise, platform_scope
from hwctl.app.queries import device_query, device_view
from hwctl.app.views import DeviceView
from hwctl.domain.access import Use
from hwctl.errors import NotFound
from hwctl.store.models import Account, Device, Platform


def list_devices(
    ctx: Context,
    *,
    account: str | None = None,
    platform: str | None = None,
    order: int | None = None,
) -> list[DeviceView]:
    """Matching devices, by platform, account and id (a platform sees only its own)."""
    platform = platform_scope(ctx, platform)
    with ctx.store.session() as session:
        authorise(ctx, session, Use.READ)
        query = device_query()
        if platform is not None:
            if session.exec(select(Platform.id).where(Platform.name == platform)).first() is None:
                raise NotFound(f"unknown platform {platform!r}", platform=platform)
            query = query.where(Platform.name == platform)
        if account is not None:
            found = select(Account.id).join(Platform, col(Platform.id) == Account.platform_id)
            found = found.where(Account.name == account)
            if platform is not None:
                found = found.where(Platform.name == platform)
            if session.exec(found).first() is None:
                where = f" on platform {platform!r}" if platform else ""
                raise NotFound(f"unknown account {account!r}{where}", account=account)
            query = query.where(Account.name == account)
        if order is not None:
            authorise(ctx, session, Use.READ, order=order)
            query = query.where(Device.order_id == order)
        query = query.order_by(col(Platform.name), col(Account.name), col(Device.id))
        return [device_view(row) for row in session.exec(query).all()]
