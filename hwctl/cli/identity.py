"""Who acts at the terminal: the CLI builds its principal, the application layer takes it.

The acting super-admin is `--as` > $HWCTL_ADMIN > `admin` in config.toml > the effective user's
OS account; or, with `identity = "database"` in config.toml, the store's PostgreSQL login
(session user) alone, and `--as`, $HWCTL_ADMIN and `admin` are refused. These are the command
line's, the environment's and the config file's words, so they are resolved here, by the door;
`hwctl.app.context` takes the store and the name (`for_super_admin`). The identity is resolved
only when a command asks for its context, so `--help`, completion and `db path` never connect.

No SQLAlchemy at import time: options.py imports this lazily.
"""

from __future__ import annotations

import os
import pwd
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hwctl.app.settings import config_path, config_str, load_config, resolve_store
from hwctl.errors import HwctlError, InvalidInput, UsageError

if TYPE_CHECKING:
    from hwctl.app.context import Context

ENV_ADMIN = "HWCTL_ADMIN"
# `identity`: who the acting super-admin is. "default": --as, $HWCTL_ADMIN, `admin`, the OS
# account, in that order. "database": the PostgreSQL login (session user) of the store, and
# nothing else can name one.
IDENTITIES = ("default", "database")
IDENTITY_DATABASE = "database"


def os_account() -> str:
    """The effective user's account name (not $USER or $LOGNAME, which anyone can set)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid{os.geteuid()}"


@dataclass(frozen=True)
class Actor:
    name: str
    source: str  # "--as", "HWCTL_ADMIN", "config", "os"


def resolve_identity() -> str:
    """`identity` in config.toml: "default" (the order of `resolve_actor`) unless set."""
    value = load_config().get("identity")
    if value is None:
        return "default"
    allowed = " or ".join(f'"{v}"' for v in IDENTITIES)
    if not isinstance(value, str) or value.strip() not in IDENTITIES:
        raise InvalidInput(
            f"config file {config_path()}: 'identity' is {value!r}; it must be {allowed}"
        )
    return value.strip()


def claimed_actor(flag: str | None = None) -> str | None:
    """What names an acting admin besides the database (--as, $HWCTL_ADMIN, `admin` in the
    config file: the first that is given, worded for a message), or None."""
    if flag is not None:
        return "--as"
    env = os.environ.get(ENV_ADMIN)
    if env and env.strip():
        return f"${ENV_ADMIN}"
    if load_config().get("admin") is not None:
        return f"admin in {config_path()}"
    return None


def resolve_actor(flag: str | None = None) -> Actor:
    if flag is not None:
        if not flag.strip():
            raise InvalidInput("--as needs a name")
        return Actor(flag.strip(), "--as")
    env = os.environ.get(ENV_ADMIN)
    if env and env.strip():
        if re.search("[\ud800-\udfff]", env):  # bytes that are not UTF-8, as --as refuses them
            raise UsageError(
                f"${ENV_ADMIN} is not valid UTF-8 text (check the terminal's encoding)"
            )
        return Actor(env.strip(), ENV_ADMIN)
    configured = config_str("admin")
    if configured:
        return Actor(configured, "config")
    return Actor(os_account(), "os")


def terminal_context(db: str | None, as_: str | None) -> Context:
    """The CLI's context: the store of `--db` (or its environment and config fallbacks), acted
    on by the super-admin of `--as` (or $HWCTL_ADMIN, the config, the OS account); with
    `identity = "database"` in the config, by the store's PostgreSQL login and nobody else."""
    from hwctl.app import context

    location = resolve_store(db)
    if resolve_identity() != IDENTITY_DATABASE:
        return context.for_super_admin(context.open_store(location), resolve_actor(as_).name)
    setting = f'identity = "{IDENTITY_DATABASE}" in {config_path()}'
    if location.is_sqlite:
        raise UsageError(
            f"{setting} makes the acting admin the store's PostgreSQL login, but the store "
            f"{location.masked} is SQLite, which has no database users: remove the setting, "
            "or use a PostgreSQL store"
        )
    store = context.open_store(location)
    claim = claimed_actor(as_)
    if claim is not None:
        try:
            login = f" ({context.store_login(store)})"
        except HwctlError:  # the store cannot say: the refusal stands without the name
            login = ""
        raise UsageError(
            f"{claim} cannot be used: {setting} makes the acting admin the store's PostgreSQL "
            f"login{login}, so no other name can be claimed; connect as that admin's role instead"
        )
    return context.for_super_admin(store, context.store_login(store))
