"""The words hwctl's data is made of, spelled once: order statuses, the actions on orders and in
the audit log, device kinds and principal kinds. The domain rules, the store's CHECK
constraints, the command-line options and TAB completion all take them from here.

Stdlib only and cheap to import: `--help` and completion load it.
"""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    FULFILLED = "fulfilled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Action(StrEnum):
    """Actions on an order; the same words appear in the audit log."""

    EDIT = "edit"
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    FULFILL = "fulfill"


class AuditAction(StrEnum):
    """Every `action` an audit entry can have: the order actions, and the store's own."""

    SUBMIT = "submit"
    EDIT = "edit"
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    FULFILL = "fulfill"
    ADMIN_ADD = "admin_add"
    ADMIN_REMOVE = "admin_remove"
    IMPORT = "import"
    TOKEN_CREATE = "token_create"
    TOKEN_REVOKE = "token_revoke"
    WEBHOOK_ADD = "webhook_add"
    WEBHOOK_REMOVE = "webhook_remove"
    WEBHOOK_REDELIVER = "webhook_redeliver"


class DeviceKind(StrEnum):
    DESKPHONE = "deskphone"
    DECT_BASE = "dect_base"
    DECT_HANDSET = "dect_handset"


class PrincipalKind(StrEnum):
    """Who acted: a super-admin (by name) or a platform (through one of its API tokens)."""

    SUPER_ADMIN = "super_admin"
    PLATFORM = "platform"


class RejectionCode(StrEnum):
    """Why an order was rejected, for a platform's form to act on (offer another model when
    `out_of_stock`); the super-admin's own words stay in `rejection_reason`."""

    DUPLICATE = "duplicate"
    OUT_OF_STOCK = "out_of_stock"
    NOT_IN_CATALOG = "not_in_catalog"
    NEEDS_CUSTOMER_CONFIRMATION = "needs_customer_confirmation"
    OTHER = "other"


class EventType(StrEnum):
    """What platforms hear about (webhooks): every change of one of their orders."""

    ORDER_CREATED = "order.created"
    ORDER_EDITED = "order.edited"  # a super-admin changed the lines
    ORDER_APPROVED = "order.approved"
    ORDER_REJECTED = "order.rejected"
    ORDER_FULFILLED = "order.fulfilled"
    ORDER_CANCELLED = "order.cancelled"


class DeliveryStatus(StrEnum):
    """Where one event stands with one webhook."""

    PENDING = "pending"  # due now or at next_attempt_at (retries back off)
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # every retry failed (a day and more); `webhooks redeliver` tries again


# Orders that can still change: what `hwctl approve <TAB>` and friends offer.
OPEN_STATUSES = (OrderStatus.PENDING, OrderStatus.APPROVED)


def sql_list(words: type[StrEnum] | tuple[StrEnum, ...]) -> str:
    """`'pending', 'approved', ...`: the words as a SQL IN list (they hold no quotes)."""
    return ", ".join(f"'{w.value}'" for w in words)
