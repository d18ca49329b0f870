"""Who may do what to which order: the principal and the one authorisation rule. Pure.

A principal is a super-admin (by name) or a platform (by name, acting through one of its API
tokens, and by id when the token's lookup gave it). Super-admins may do everything a
super-admin may do, once registered. A platform may only submit, read and cancel orders of its
own platform; another platform's order does not exist as far as it can tell ("not found",
never "forbidden"), so a platform cannot learn which order ids others hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from hwctl.errors import NotAuthorised, NotFound

PrincipalKind = Literal["super_admin", "platform"]


class Use(StrEnum):
    """What a principal asks to do."""

    READ = "read"  # list, show, devices
    SUBMIT = "submit"
    EDIT = "edit"
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    FULFILL = "fulfill"
    AUDIT = "audit"
    REPORT = "report"
    IMPORT = "import"
    ADMINS = "admins"
    TOKENS = "tokens"  # API tokens of platforms
    WEBHOOKS = "webhooks"  # platforms' webhook endpoints and their deliveries


PLATFORM_USES = frozenset({Use.READ, Use.SUBMIT, Use.CANCEL})


@dataclass(frozen=True)
class Principal:
    """Who is acting. `name` is the super-admin's name or the platform's name; `platform_id`
    the platform's row, when known (an order is then matched by id, with no name to look up)."""

    kind: PrincipalKind
    name: str
    token_id: int | None = None  # the API token a platform acts through
    platform_id: int | None = None

    @classmethod
    def super_admin(cls, name: str) -> Principal:
        return cls("super_admin", name)

    @classmethod
    def platform(
        cls, name: str, token_id: int | None = None, platform_id: int | None = None
    ) -> Principal:
        return cls("platform", name, token_id, platform_id)

    @property
    def is_super_admin(self) -> bool:
        return self.kind == "super_admin"

    @property
    def actor(self) -> str:
        """The audit log's actor: the admin's name, or `platform:NAME` (with `#token`)."""
        if self.is_super_admin:
            return self.name
        token = f"#{self.token_id}" if self.token_id is not None else ""
        return f"platform:{self.name}{token}"


# What a super-admin needs a registered name for: every change. Reading the store (list, show,
# devices, the audit log, reports) needs only access to the store itself.
READS = frozenset({Use.READ, Use.AUDIT, Use.REPORT})


def authorise(
    principal: Principal,
    use: Use,
    *,
    registered: bool,
    admins_exist: bool = True,
    order_id: int | None = None,
    order_platform: str | None = None,
    order_platform_id: int | None = None,
) -> None:
    """Refuse unless `principal` may `use` the order (of `order_platform`, by name, or of
    `order_platform_id` when the principal knows its platform's id), or the whole store when no
    order is named. `registered`: whether a super-admin's name is registered; `admins_exist`:
    whether anyone is (the refusal says so). Raises NotAuthorised, or NotFound for a platform
    asking about another platform's order."""
    if principal.is_super_admin:
        if use in READS or registered:
            return
        raise NotAuthorised(
            f"{principal.name!r} is not a super-admin",
            principal=principal.name,
            admins_exist=admins_exist,
        )
    if use not in PLATFORM_USES:
        raise NotAuthorised(
            f"platform {principal.name!r} may not {use.value}", principal=principal.name
        )
    if order_id is None:
        return
    if principal.platform_id is not None and order_platform_id is not None:
        own = order_platform_id == principal.platform_id
    else:
        own = order_platform is not None and order_platform == principal.name
    if not own:
        raise NotFound(f"order {order_id} does not exist", order=order_id)
