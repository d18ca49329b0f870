"""API tokens: one per platform client. A super-admin creates one (shown once, only its
SHA-256 kept), lists them, revokes one; each audited. A door turns a platform's token into its
platform principal here (`authenticate`, or `Authenticator` which remembers it where the store
checks the token again in each transaction), so a revocation takes effect on the next request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import col, select

from hwctl.app import audit
from hwctl.app.context import Context, authorise
from hwctl.app.queries import with_platform
from hwctl.app.views import iso
from hwctl.domain.access import Principal, Use
from hwctl.domain.status import decision_text
from hwctl.errors import InvalidInput, NotFound
from hwctl.store.engine import Store
from hwctl.store.models import ApiToken, Platform
from hwctl.vocabulary import AuditAction

PREFIX = "hwp_"
# last_used_at is written at most this often per token: a busy client must not turn every GET
# into a write (SQLite has one writer at a time).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenView:
    id: int
    platform: str
    name: str | None
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "platform": self.platform,
            "name": self.name,
            "created": iso(self.created_at),
            "created_by": self.created_by,
            "last_used": iso(self.last_used_at),
            "revoked": iso(self.revoked_at),
        }


@dataclass(frozen=True)
class NewToken:
    """A token just created: `token` is shown once and never again."""

    id: int
    token: str
    platform: str
    name: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "token": self.token, "platform": self.platform, "name": self.name}


def _view(row: ApiToken, platform: str) -> TokenView:
    return TokenView(
        id=row.id or 0,
        platform=platform,
        name=row.name,
        created_at=row.created_at,
        created_by=row.created_by,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def create(ctx: Context, platform: str, name: str | None = None) -> NewToken:
    """A new token for `platform`: `hwp_` and 256 random bits (URL-safe base64)."""
    name = decision_text("name", name)
    with ctx.store.session(write=True) as session:
        authorise(ctx, session, Use.TOKENS)
        pid = session.exec(select(Platform.id).where(Platform.name == platform)).first()
        if pid is None:
            raise NotFound(f"unknown platform {platform!r}", platform=platform)
        token = PREFIX + secrets.token_urlsafe(32)
        row = ApiToken(
            platform_id=pid,
            name=name,
            token_hash=hash_token(token),
            created_at=ctx.now(),
            created_by=ctx.actor,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            ctx,
            action=AuditAction.TOKEN_CREATE,
            details={"token": row.id, "platform": platform, "name": name},
        )
        return NewToken(row.id or 0, token, platform, name)


def list_tokens(ctx: Context, platform: str | None = None) -> list[TokenView]:
    with ctx.store.session() as session:
        authorise(ctx, session, Use.TOKENS)
        query = select(ApiToken, Platform.name).join(
            Platform, col(Platform.id) == ApiToken.platform_id
        )
        if platform is not None:
            query = query.where(Platform.name == platform)
        rows = session.exec(query.order_by(col(ApiToken.id))).all()
        return [_view(row, name) for row, name in rows]


def revoke(ctx: Context, token_id: int) -> TokenView:
    """Revoke a token; the next request with it is refused. Revoking it again changes
    nothing (and is not audited again)."""
    with ctx.store.session(write=True) as session:
        authorise(ctx, session, Use.TOKENS)
        row, platform = with_platform(session, ApiToken, token_id, "token")
        if row.revoked_at is None:
            row.revoked_at = ctx.now()
            session.add(row)
            audit.record(
                session,
                ctx,
                action=AuditAction.TOKEN_REVOKE,
                details={"token": token_id, "platform": platform, "name": row.name},
            )
        return _view(row, platform)


@cache
def _by_hash():
    """The lookup of every request (built once: building it costs more than running it)."""
    return (
        select(ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at, Platform.name, Platform.id)
        .join(Platform, col(Platform.id) == ApiToken.platform_id)
        .where(col(ApiToken.token_hash) == bindparam("digest"))
    )


def authenticate(store: Store, token: str | None, now: datetime) -> Principal | None:
    """The platform principal of a token (its platform's name and id), or None when it
    is missing, unknown or revoked. Notes when it was last used (to the minute)."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    found = store.first_row(_by_hash(), {"digest": digest})
    if found is None:
        return None
    token_id, revoked_at, last_used_at, platform, platform_id = found
    if revoked_at is not None:
        return None
    if last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION:
        with store.session(write=True) as session:
            session.execute(
                update(ApiToken)
                .where(col(ApiToken.id) == token_id)
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            )
    return Principal.platform(platform, token_id, platform_id)


class Authenticator:
    """A server's token lookups. Where the store checks a platform's token again in every
    transaction it runs for it (PostgreSQL, `Store.rechecks_tokens`: in the round trip that
    begins the transaction, a revoked token a TokenRevoked), a token found is remembered for
    LAST_USED_RESOLUTION, then looked up again (which notes when it was last used): a request
    then costs no lookup of its own, and a revocation still takes effect on the next request.
    Elsewhere (SQLite) every request looks its token up."""

    SIZE = 4096  # tokens remembered at most: a server's clients, with room to spare

    def __init__(self, store: Store) -> None:
        self.store = store
        # SHA-256 of the token -> (its principal, when it was looked up)
        self._known: dict[str, tuple[Principal, datetime]] = {}

    def principal(self, token: str | None, now: datetime) -> Principal | None:
        """The platform principal of a token, or None (missing, unknown or revoked)."""
        if not self.store.rechecks_tokens or not token:
            return authenticate(self.store, token, now)
        digest = hash_token(token)
        known = self._known.get(digest)
        if known is not None and now - known[1] < LAST_USED_RESOLUTION:
            return known[0]
        found = authenticate(self.store, token, now)
        if found is None:
            self._known.pop(digest, None)
        else:
            if len(self._known) >= self.SIZE:
                self._known.clear()
            self._known[digest] = (found, now)
        return found

    def look_up(self, token: str | None, now: datetime) -> Principal | None:
        """`principal`, looked up now whether or not it is remembered."""
        self.forget(token)
        return self.principal(token, now)

    def remembers(self, token: str | None) -> bool:
        """Whether `principal` would answer for this token without looking it up."""
        return token is not None and hash_token(token) in self._known

    def forget(self, token: str | None) -> None:
        """A token the store found revoked: looked up on its next request."""
        if token is not None:
            self._known.pop(hash_token(token), None)


def parse_token_id(text: str) -> int:
    """A token id as typed (`3`); anything else is invalid input naming it."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise InvalidInput(f"not a token id: {text!r}", field="token")
    return int(text)
