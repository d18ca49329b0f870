"""Directory data from the platform side: platforms, catalogs, accounts, users, locations and
devices registered by other means. Upserts by natural keys; a file is all or nothing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlmodel import Session, col, select

from hwctl.app import audit
from hwctl.app.context import Context, authorise
from hwctl.app.views import ImportSummary
from hwctl.domain.access import Use
from hwctl.domain.fulfilment import takes_location
from hwctl.domain.identifiers import (
    Ipei,
    Mac,
    kind_for_device,
    normalise,
    parse_for_kind,
)
from hwctl.domain.placement import catalog_keys, model_key
from hwctl.domain.text import search_key
from hwctl.errors import Conflict, InvalidInput
from hwctl.io.documents import DeviceIn, parse_directory
from hwctl.store.models import (
    Account,
    AccountUser,
    CatalogAlias,
    CatalogItem,
    Device,
    Location,
    OrderLine,
    Platform,
)
from hwctl.vocabulary import AuditAction


def import_directory(ctx: Context, data: str | bytes, source: str) -> ImportSummary:
    """Load a directory document; importing the same document twice changes nothing. A
    super-admin's act, audited (`import`, with the counts) when it changed something."""
    doc = parse_directory(data, source)
    created: Counter[str] = Counter()
    updated: Counter[str] = Counter()
    unchanged: Counter[str] = Counter()
    _check_duplicates(doc, source)
    with ctx.store.session(write=True) as session:
        authorise(ctx, session, Use.IMPORT)
        for p in doc.platforms:
            platform = session.exec(select(Platform).where(Platform.name == p.name)).first()
            if platform is None:
                platform = Platform(name=p.name, search_key=search_key(p.name))
                session.add(platform)
                session.flush()
                created["platforms"] += 1
            else:
                unchanged["platforms"] += 1
            items: dict[str, CatalogItem] = {
                i.sku: i
                for i in session.exec(
                    select(CatalogItem).where(CatalogItem.platform_id == platform.id)
                )
            }
            aliases = _aliases(session, platform.id)
            new_aliases: dict[int, list[str]] = {}
            for c in p.catalog:
                item = items.get(c.sku)
                fields = (c.name, c.kind, c.max_handsets, c.vendor)
                if item is None:
                    item = CatalogItem(
                        platform_id=platform.id,
                        sku=c.sku,
                        name=c.name,
                        kind=c.kind,
                        max_handsets=c.max_handsets,
                        vendor=c.vendor,
                    )
                    session.add(item)
                    session.flush()
                    items[c.sku] = item
                    created["catalog items"] += 1
                elif item.kind != c.kind and _in_use(session, item):
                    raise Conflict(
                        f"{source}: platform {p.name!r}: SKU {c.sku!r} is a {item.kind} used by "
                        f"orders or devices; its kind cannot change to {c.kind}"
                    )
                elif (item.name, item.kind, item.max_handsets, item.vendor) != fields or (
                    aliases.get(item.id, []) != _distinct(c.aliases)
                ):
                    item.name, item.kind, item.max_handsets, item.vendor = fields
                    session.add(item)
                    updated["catalog items"] += 1
                else:
                    unchanged["catalog items"] += 1
                    continue
                new_aliases[item.id] = _distinct(c.aliases)
            session.flush()
            _set_aliases(session, platform, items, aliases, new_aliases, source)
            for a in p.accounts:
                account = session.exec(
                    select(Account).where(
                        Account.platform_id == platform.id, Account.name == a.name
                    )
                ).first()
                if account is None:
                    account = Account(
                        platform_id=platform.id, name=a.name, search_key=search_key(a.name)
                    )
                    session.add(account)
                    session.flush()
                    created["accounts"] += 1
                else:
                    unchanged["accounts"] += 1
                users = _upsert_names(session, AccountUser, account.id, a.users, created, unchanged)
                locations = _upsert_names(
                    session, Location, account.id, a.locations, created, unchanged
                )
                for n, d in enumerate(a.devices):
                    where = f"{source}: platform {p.name!r}, account {a.name!r}, devices[{n}]"
                    outcome = _upsert_device(
                        session, account, items, users, locations, d, where, ctx.now()
                    )
                    {"created": created, "updated": updated, "unchanged": unchanged}[outcome][
                        "devices"
                    ] += 1
                    session.flush()
        summary = ImportSummary(dict(created), dict(updated), dict(unchanged))
        if summary.changed:
            audit.record(
                session,
                ctx,
                action=AuditAction.IMPORT,
                details={"source": source, "created": summary.created, "updated": summary.updated},
            )
    return summary


def _distinct(aliases: list[str]) -> list[str]:
    """The aliases with those that bind alike (`SIP-T54W`, `sip t54w`) given once, as first
    spelled: they name the same model, and the store keeps one row per binding key."""
    seen: dict[str, str] = {}
    for alias in aliases:
        seen.setdefault(model_key(alias), alias)
    return list(seen.values())


def _aliases(session: Session, platform_id: int) -> dict[int, list[str]]:
    """The stored aliases per catalog item id of a platform, in the order they were given."""
    out: dict[int, list[str]] = {}
    for item_id, alias in session.exec(
        select(CatalogAlias.catalog_item_id, CatalogAlias.alias)
        .where(CatalogAlias.platform_id == platform_id)
        .order_by(CatalogAlias.id)
    ):
        out.setdefault(item_id, []).append(alias)
    return out


def _set_aliases(
    session: Session,
    platform: Platform,
    items: dict[str, CatalogItem],
    stored: dict[int, list[str]],
    new: dict[int, list[str]],
    source: str,
) -> None:
    """Replace the aliases of the items the document changed (the document is the truth, as for
    names). First refuse an alias that two SKUs of the platform would share, or that is another
    SKU, over the catalog as a whole: a model value in a shipping file must name one item."""
    final = {**stored, **new}
    try:
        catalog_keys([(i.sku, final.get(i.id or 0, [])) for i in items.values()])
    except InvalidInput as e:
        raise InvalidInput(f"{source}: platform {platform.name!r}: {e.message}") from None
    if not new:
        return
    for row in session.exec(
        select(CatalogAlias).where(col(CatalogAlias.catalog_item_id).in_(list(new)))
    ):
        session.delete(row)
    session.flush()
    for item_id, aliases in new.items():
        for alias in aliases:
            session.add(
                CatalogAlias(
                    platform_id=platform.id,
                    catalog_item_id=item_id,
                    alias=alias,
                    key=model_key(alias),
                )
            )
    session.flush()


def _in_use(session: Session, item: CatalogItem) -> bool:
    """Whether order lines or devices refer to the catalog item (its kind is then fixed)."""
    for model in (OrderLine, Device):
        if session.exec(select(model.id).where(model.catalog_item_id == item.id)).first():
            return True
    return False


def _check_duplicates(doc, source: str) -> None:
    seen: set[str] = set()
    for p in doc.platforms:
        if p.name in seen:
            raise InvalidInput(f"{source}: platform {p.name!r} appears twice")
        seen.add(p.name)
        skus = [c.sku for c in p.catalog]
        for sku in skus:
            if skus.count(sku) > 1:
                raise InvalidInput(f"{source}: platform {p.name!r}: SKU {sku!r} appears twice")
        names = [a.name for a in p.accounts]
        for name in names:
            if names.count(name) > 1:
                raise InvalidInput(f"{source}: platform {p.name!r}: account {name!r} appears twice")


def _upsert_names(session: Session, model, account_id, names, created, unchanged):
    label = "users" if model is AccountUser else "locations"
    existing = {
        row.name: row for row in session.exec(select(model).where(model.account_id == account_id))
    }
    for name in names:
        if name in existing:
            unchanged[label] += 1
            continue
        row = model(account_id=account_id, name=name)
        session.add(row)
        existing[name] = row
        created[label] += 1
    session.flush()
    return existing


def _upsert_device(
    session: Session,
    account: Account,
    items: dict[str, CatalogItem],
    users: dict,
    locations: dict,
    d: DeviceIn,
    where: str,
    now: datetime,
) -> str:
    item = items.get(d.sku)
    if item is None:
        raise InvalidInput(f"{where}: SKU {d.sku!r} is not in this platform's catalog")
    given = [v for v in (d.mac, d.ipei, d.ipui) if v is not None]
    if len(given) != 1:
        raise InvalidInput(f"{where}: give exactly one of mac, ipei or ipui")
    try:  # name where the bad identifier is, not only what is wrong with it
        ident = parse_for_kind(given[0], kind_for_device(item.kind), context=d.sku)
    except InvalidInput as e:
        raise InvalidInput(f"{where}: {e.message}") from e
    key = normalise(ident)
    user_id = location_id = None
    if d.user is not None:
        if d.user not in users:
            raise InvalidInput(f"{where}: unknown user {d.user!r} on this account")
        user_id = users[d.user].id
    if d.location is not None:
        if not takes_location(item.kind):
            raise InvalidInput(f"{where}: handsets have no location")
        if d.location not in locations:
            raise InvalidInput(f"{where}: unknown location {d.location!r} on this account")
        location_id = locations[d.location].id
    column = Device.mac if isinstance(ident, Mac) else Device.ipei
    device = session.exec(select(Device).where(column == key)).first()
    if device is not None:
        if device.account_id != account.id:
            owner = session.exec(
                select(Account.name, Platform.name)
                .join(Platform, col(Platform.id) == Account.platform_id)
                .where(Account.id == device.account_id)
            ).one()
            raise Conflict(
                f"{where}: {_shown(ident)} is already registered on another account: "
                f"{owner[0]!r} of {owner[1]!r}"
            )
        changed = False
        for attr, value in (("user_id", user_id), ("location_id", location_id)):
            if value is not None and getattr(device, attr) != value:
                setattr(device, attr, value)
                changed = True
        if device.catalog_item_id != item.id and device.order_unit_id is None:
            device.catalog_item_id, device.kind = item.id, item.kind
            changed = True
        if changed:
            session.add(device)
            return "updated"
        return "unchanged"
    session.add(
        Device(
            account_id=account.id,
            catalog_item_id=item.id,
            kind=item.kind,
            mac=key if isinstance(ident, Mac) else None,
            ipei=key if isinstance(ident, Ipei) else None,
            user_id=user_id,
            location_id=location_id,
            created_at=now,
        )
    )
    return "created"


def _shown(ident: Mac | Ipei) -> str:
    return f"MAC {ident.display}" if isinstance(ident, Mac) else f"IPEI {ident.display}"
