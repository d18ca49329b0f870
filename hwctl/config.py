"""Where things live and who is acting: the config file, the store location, drafts, the actor.

Resolution orders (each documented in the README and the man page):
- store: --db > $HWCTL_DATABASE_URL > `database_url` in config.toml > hwctl.db in the data dir
- actor: --as > $HWCTL_ADMIN > `admin` in config.toml > the effective user's OS account

No SQLAlchemy here: `hwctl db path`, `--help` and completion stay fast.
"""

from __future__ import annotations

import os
import pwd
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from hwctl.errors import InvalidInput

APP_NAME = "hwctl"
ENV_DATABASE_URL = "HWCTL_DATABASE_URL"
ENV_ADMIN = "HWCTL_ADMIN"
ENV_CONFIG = "HWCTL_CONFIG"


def _dirs():
    from platformdirs import PlatformDirs

    return PlatformDirs(APP_NAME, appauthor=False)


def config_path() -> Path:
    """`config.toml` in the user config dir, or $HWCTL_CONFIG when set."""
    override = os.environ.get(ENV_CONFIG)
    if override:
        return Path(override)
    return Path(_dirs().user_config_dir) / "config.toml"


def data_dir() -> Path:
    return Path(_dirs().user_data_dir)


def state_dir() -> Path:
    """Where fulfilment drafts are kept."""
    return Path(_dirs().user_state_dir)


def default_store_path() -> Path:
    return data_dir() / "hwctl.db"


def load_config() -> dict[str, object]:
    """The parsed config file, or {} when there is none. A malformed file is one clear line."""
    path = config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if os.environ.get(ENV_CONFIG):  # named explicitly: a typo must not fall back silently
            raise InvalidInput(f"${ENV_CONFIG} names {path}, which does not exist") from None
        return {}
    except OSError as exc:
        raise InvalidInput(f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"config file {path} is not valid TOML: {exc}") from exc
    return data


def _config_str(key: str) -> str | None:
    value = load_config().get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"config file {config_path()}: '{key}' must be a non-empty string")
    return value.strip()


@dataclass(frozen=True)
class StoreLocation:
    url: str  # a SQLAlchemy URL
    source: str  # "--db", "HWCTL_DATABASE_URL", "config", "default"
    is_default: bool

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def masked(self) -> str:
        return mask_password(self.url)

    @property
    def sqlite_path(self) -> Path | None:
        """The file of a SQLite store (None for PostgreSQL or in-memory)."""
        if not self.is_sqlite:
            return None
        rest = self.url.split(":///", 1)[1] if ":///" in self.url else ""
        rest = rest.split("?", 1)[0]
        rest = rest.removeprefix("file:")
        if not rest or rest == ":memory:":
            return None
        return Path(rest)


_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def to_url(value: str) -> str:
    """A SQLAlchemy URL as given, or a bare file path turned into a SQLite URL."""
    value = value.strip()
    if not value:
        raise InvalidInput("the store location is empty")
    if _URL_RE.match(value):
        if value.startswith(("postgres://", "postgresql://")):
            # psycopg 3 is the driver we ship in the [postgres] extra.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value
    path = Path(value).expanduser()
    return f"sqlite:///{path.resolve()}"


def resolve_store(flag: str | None = None) -> StoreLocation:
    if flag:
        return StoreLocation(to_url(flag), "--db", False)
    env = os.environ.get(ENV_DATABASE_URL)
    if env and env.strip():
        return StoreLocation(to_url(env), ENV_DATABASE_URL, False)
    configured = _config_str("database_url")
    if configured:
        return StoreLocation(to_url(configured), "config", False)
    return StoreLocation(f"sqlite:///{default_store_path()}", "default", True)


_PASSWORD_RE = re.compile(r"(?P<head>://[^/?#@:]*:)(?P<pw>[^/?#@]*)(?P<tail>@)")


# libpq and SQLAlchemy also take the password as a query parameter (`?password=…`).
_QUERY_PASSWORD_RE = re.compile(
    r"(?i)(?P<head>[?&;](?:ssl)?password=)(?P<pw>(?:[^&#\s'\":]|:(?!\s|$))*)"
)


def mask_password(text: str) -> str:
    """Replace the password of any URL inside `text` with *** (in `user:pass@` and in
    `?password=`)."""
    text = _PASSWORD_RE.sub(lambda m: f"{m['head']}***{m['tail']}", text)
    return _QUERY_PASSWORD_RE.sub(lambda m: f"{m['head']}***", text)


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


def resolve_actor(flag: str | None = None) -> Actor:
    if flag is not None:
        if not flag.strip():
            raise InvalidInput("--as needs a name")
        return Actor(flag.strip(), "--as")
    env = os.environ.get(ENV_ADMIN)
    if env and env.strip():
        return Actor(env.strip(), ENV_ADMIN)
    configured = _config_str("admin")
    if configured:
        return Actor(configured, "config")
    return Actor(os_account(), "os")
