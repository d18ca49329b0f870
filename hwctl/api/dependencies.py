"""From a request to a use case's context: the bearer token (parsed on the event loop, no I/O),
then in the endpoint's own thread its platform principal and the context the use cases take.

One trip to the thread pool per request: `caller` is `async` and reads only the header, so
FastAPI runs it on the event loop, and the endpoint (a plain `def`, in the pool) looks the token
up first thing (`Caller.context`), before it decodes a body, so a caller without a valid token
always gets the 401 (scripts/bench_api.py, SQLite, 2 workers: GET 840 -> 1,079 req/s against a
sync dependency, which is a hop of its own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from hwctl.app import tokens
from hwctl.app.context import Context, Store, for_platform, system_clock

UNKNOWN_TOKEN = "the token is unknown or revoked"
NO_TOKEN = "this API needs an Authorization: Bearer <token> header"


class Unauthorised(Exception):
    """No valid bearer token: a 401 (`problems` answers it)."""

    def __init__(self, detail: str = UNKNOWN_TOKEN) -> None:
        self.detail = detail


@dataclass(frozen=True)
class Door:
    """What every request of one application shares: its store and its token lookups."""

    store: Store
    authenticator: tokens.Authenticator

    @classmethod
    def over(cls, store: Store) -> Door:
        return cls(store, tokens.Authenticator(store))


def door_of(request: Request) -> Door:
    """The application's `Door` (set by `create_app`)."""
    return request.app.state.door


def bearer_of(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@dataclass(frozen=True)
class Caller:
    """A request's bearer token, not yet looked up."""

    token: str
    door: Door

    def context(self) -> Context:
        """The request's context: the platform principal of its token, or Unauthorised. Called
        by the endpoint, in its thread."""
        found = self.door.authenticator.principal(self.token, system_clock())
        if found is None:
            raise Unauthorised(UNKNOWN_TOKEN)
        return for_platform(self.door.store, found)


async def caller(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Caller:
    """The request's bearer token (Unauthorised without one); async and without I/O, so it
    runs on the event loop and the token is looked up in the endpoint's thread."""
    token = bearer_of(authorization)
    if token is None:
        raise Unauthorised(NO_TOKEN)
    return Caller(token, door_of(request))


Bearer = Annotated[Caller, Depends(caller)]
