"""The schema, in one place. Tables are named explicitly (`order` is a reserved word) and every
constraint has a name, so Alembic batch migrations on SQLite can find them.

Times are stored as naive UTC and come back as aware UTC on both backends (`UTCDateTime`).
Unit numbers are not stored: a unit's number is its position in (line number, seq) order, so
units are always numbered 1..N across the order in line order, whatever edits happened.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from hwctl.vocabulary import (
    DeliveryStatus,
    DeviceKind,
    EventType,
    OrderStatus,
    PrincipalKind,
    RejectionCode,
    sql_list,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING


class UTCDateTime(TypeDecorator):
    """Aware UTC in Python, naive UTC in the database (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to UTCDateTime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _fk(
    target: str,
    *,
    ondelete: str | None = None,
    nullable: bool = False,
    index: bool = True,
):
    return Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey(target, ondelete=ondelete),
            nullable=nullable,
            index=index,
        ),
    )


class Platform(SQLModel, table=True):
    __tablename__ = "platform"
    __table_args__ = (UniqueConstraint("name"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    # `name` as `list --search` matches it (hwctl.domain.text.search_key), written with the
    # name: one rule on every store, where SQL's lower() folds case differently per store.
    search_key: str = Field(sa_column=Column(Text, nullable=False))


class CatalogItem(SQLModel, table=True):
    __tablename__ = "catalog_item"
    __table_args__ = (
        UniqueConstraint("platform_id", "sku"),
        CheckConstraint(f"kind IN ({sql_list(DeviceKind)})", name="kind"),
        CheckConstraint("max_handsets IS NULL OR max_handsets >= 0", name="max_handsets"),
    )
    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = _fk("platform.id", ondelete="CASCADE", index=False)
    sku: str = Field(sa_column=Column(String(100), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    max_handsets: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    # The maker ("Yealink"), for the MAC-vendor check; None: derived from `name`.
    vendor: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))


class CatalogAlias(SQLModel, table=True):
    """Another name of a catalog item in shipping files: a vendor model name (`SIP-T54W`), a
    manufacturer part number, a distributor's article number. `key` is the binding form (case,
    spaces, `-`, `_`, `.` dropped); unique per platform, so a model value names one item."""

    __tablename__ = "catalog_alias"
    __table_args__ = (UniqueConstraint("platform_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = _fk("platform.id", ondelete="CASCADE", index=False)
    catalog_item_id: int = _fk("catalog_item.id", ondelete="CASCADE")
    alias: str = Field(sa_column=Column(String(200), nullable=False))
    key: str = Field(sa_column=Column(String(200), nullable=False))


class Account(SQLModel, table=True):
    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("platform_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = _fk("platform.id", ondelete="CASCADE", index=False)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    search_key: str = Field(sa_column=Column(Text, nullable=False))  # as Platform.search_key


class AccountUser(SQLModel, table=True):
    __tablename__ = "account_user"
    __table_args__ = (UniqueConstraint("account_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = _fk("account.id", ondelete="CASCADE", index=False)
    name: str = Field(sa_column=Column(String(200), nullable=False))


class Location(SQLModel, table=True):
    __tablename__ = "location"
    __table_args__ = (UniqueConstraint("account_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = _fk("account.id", ondelete="CASCADE", index=False)
    name: str = Field(sa_column=Column(String(200), nullable=False))


class HardwareOrder(SQLModel, table=True):
    __tablename__ = "hw_order"
    __table_args__ = (
        CheckConstraint(
            f"status IN ({sql_list(OrderStatus)})",
            name="status",
        ),
        # The pending list and the badge read (status, ordered_at): history size must not matter.
        Index("ix_hw_order_status_ordered_at", "status", "ordered_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = _fk("platform.id")
    account_id: int = _fk("account.id")
    status: str = Field(sa_column=Column(String(20), nullable=False))
    ordered_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    submitted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    rejection_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    rejection_code: str | None = Field(
        default=None,
        sa_column=Column(
            String(40),
            CheckConstraint(
                f"rejection_code IS NULL OR rejection_code IN ({sql_list(RejectionCode)})",
                name="rejection_code",
            ),
            nullable=True,
        ),
    )
    decided_by: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    decided_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # When the last unit got its device (the order became fulfilled).
    fulfilled_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    # Who gave the last unit its device (the fulfilment's actor, as `decided_by` the decision's).
    fulfilled_by: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_line"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("quantity >= 1", name="quantity"),
    )
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = _fk("hw_order.id", ondelete="CASCADE", index=False)
    line_no: int = Field(sa_column=Column(Integer, nullable=False))
    catalog_item_id: int = _fk("catalog_item.id")
    quantity: int = Field(sa_column=Column(Integer, nullable=False))


class OrderUnit(SQLModel, table=True):
    __tablename__ = "order_unit"
    __table_args__ = (UniqueConstraint("line_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = _fk("hw_order.id", ondelete="CASCADE")
    line_id: int = _fk("order_line.id", ondelete="CASCADE", index=False)
    seq: int = Field(sa_column=Column(Integer, nullable=False))
    user_id: int | None = _fk("account_user.id", nullable=True, index=False)
    location_id: int | None = _fk("location.id", nullable=True, index=False)


class Device(SQLModel, table=True):
    __tablename__ = "device"
    __table_args__ = (
        UniqueConstraint("mac"),
        UniqueConstraint("ipei"),
        UniqueConstraint("order_unit_id"),
        CheckConstraint(f"kind IN ({sql_list(DeviceKind)})", name="kind"),
        CheckConstraint("(mac IS NULL) <> (ipei IS NULL)", name="one_identifier"),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = _fk("account.id")
    catalog_item_id: int | None = _fk("catalog_item.id", nullable=True, index=False)
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    mac: str | None = Field(default=None, sa_column=Column(String(12), nullable=True))
    ipei: str | None = Field(default=None, sa_column=Column(String(13), nullable=True))
    user_id: int | None = _fk("account_user.id", nullable=True, index=False)
    location_id: int | None = _fk("location.id", nullable=True, index=False)
    base_id: int | None = _fk("device.id", nullable=True)
    order_id: int | None = _fk("hw_order.id", nullable=True)
    order_unit_id: int | None = _fk("order_unit.id", nullable=True, index=False)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    # One entry per previous hash: the chain cannot fork (hwctl/store/chain.py).
    __table_args__ = (UniqueConstraint("prev_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor: str = Field(sa_column=Column(String(200), nullable=False))
    # Whether `actor` is a super-admin's name or a platform (`platform:NAME#token`).
    actor_kind: str = Field(
        default=PrincipalKind.SUPER_ADMIN.value,
        sa_column=Column(
            String(20),
            CheckConstraint(f"actor_kind IN ({sql_list(PrincipalKind)})", name="actor_kind"),
            nullable=False,
            server_default=PrincipalKind.SUPER_ADMIN.value,
        ),
    )
    action: str = Field(sa_column=Column(String(20), nullable=False))
    order_id: int | None = _fk("hw_order.id", nullable=True)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    details: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON
    # The hash chain (hwctl/store/chain.py): the canonical payload (exactly the hashed bytes),
    # the previous entry's hash and SHA-256(prev_hash + payload). Written once: the store's
    # triggers refuse UPDATE and DELETE.
    payload: str = Field(default="", sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(default="", sa_column=Column(String(64), nullable=False))
    hash: str = Field(default="", sa_column=Column(String(64), nullable=False))


class SuperAdmin(SQLModel, table=True):
    __tablename__ = "super_admin"
    __table_args__ = (UniqueConstraint("name"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    added_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    added_by: str = Field(sa_column=Column(String(200), nullable=False))


# -- the platform door ----------------------------------------------------------------------------
class ApiToken(SQLModel, table=True):
    """A platform client's bearer token. Only its SHA-256 is kept: the token itself is shown
    once, when it is created."""

    __tablename__ = "api_token"
    __table_args__ = (UniqueConstraint("token_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = _fk("platform.id", ondelete="CASCADE")
    name: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_by: str = Field(sa_column=Column(String(200), nullable=False))
    last_used_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a `POST /v1/orders` with an `Idempotency-Key`: a retry with the
    same key and body gets it again instead of a second order."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("platform_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = _fk("platform.id", ondelete="CASCADE", index=False)
    key: str = Field(sa_column=Column(String(255), nullable=False))
    request_hash: str = Field(sa_column=Column(String(64), nullable=False))
    order_id: int | None = _fk("hw_order.id", ondelete="CASCADE", nullable=True, index=False)
    # The response's HTTP status: every order creation is answered 201 Created.
    status: int = Field(default=201, sa_column=Column(Integer, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))  # the response, JSON
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class Webhook(SQLModel, table=True):
    """A platform's endpoint for events, with its Standard Webhooks signing secret."""

    __tablename__ = "webhook"
    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = _fk("platform.id", ondelete="CASCADE")
    url: str = Field(sa_column=Column(Text, nullable=False))
    events: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of EventType
    secret: str = Field(sa_column=Column(String(100), nullable=False))  # whsec_...
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_by: str = Field(sa_column=Column(String(200), nullable=False))


class WebhookEvent(SQLModel, table=True):
    """The outbox: one row per change of an order, written in the change's own transaction.
    `payload` is the exact JSON body sent (`{"type", "timestamp", "data"}`)."""

    __tablename__ = "webhook_event"
    __table_args__ = (CheckConstraint(f"type IN ({sql_list(EventType)})", name="type"),)
    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = _fk("platform.id", ondelete="CASCADE")
    order_id: int | None = _fk("hw_order.id", ondelete="SET NULL", nullable=True)
    type: str = Field(sa_column=Column(String(40), nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WebhookDelivery(SQLModel, table=True):
    """One event for one webhook: attempts, the next one, and how the last one went."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "webhook_id"),
        CheckConstraint(f"status IN ({sql_list(DeliveryStatus)})", name="status"),
        # The deliverer's question: which pending deliveries are due?
        Index("ix_webhook_delivery_status_next_attempt_at", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = _fk("webhook_event.id", ondelete="CASCADE", index=False)
    webhook_id: int = _fk("webhook.id", ondelete="CASCADE")
    order_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    status: str = Field(sa_column=Column(String(20), nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_attempt_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    delivered_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
