"""Where things live: the config file, the store's location, the per-user folders (drafts).

Beside the layers, like `hwctl.reading`: the store imports `StoreLocation` (an engine is built
from one) and `mask_password` (its fault messages hide passwords), so this cannot live in a door
or in `app/`; the application layer reaches it for the store both doors serve
(`app.context.serving`), and the doors through `hwctl.app.settings`. Who acts is not decided
here: that is each door's business (the CLI's `--as`, `$HWCTL_ADMIN`, `admin` and `identity`
are resolved in `hwctl.cli.identity`; the API's principal comes from a request's token).

Resolution order of the store (documented in the README and the man page):
--db > $HWCTL_DATABASE_URL > `database_url` in config.toml > hwctl.db in the data dir.

No SQLAlchemy here: `hwctl db path`, `--help` and completion stay fast.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from hwctl.errors import InvalidInput, UsageError

APP_NAME = "hwctl"
ENV_DATABASE_URL = "HWCTL_DATABASE_URL"
ENV_CONFIG = "HWCTL_CONFIG"


# The most a config file may hold: three short keys need well under a KiB; a bound on what
# `HWCTL_CONFIG=/dev/zero`-like mistakes could make hwctl read.
CONFIG_MAX = 256 << 10
# `admin` and `identity` are read by the CLI (`hwctl.cli.identity`): who the acting admin is.
CONFIG_KEYS = ("database_url", "admin", "identity")
NO_HOME_STORE = (
    "HOME is not set, so there is no default store: set HOME, or name the store with --db or "
    f"${ENV_DATABASE_URL}"
)
NO_HOME_DRAFTS = (
    "HOME is not set, so there is no folder for fulfilment drafts: set HOME (or XDG_STATE_HOME)"
)


def _dirs():
    from platformdirs import PlatformDirs

    return PlatformDirs(APP_NAME, appauthor=False)


def _absolute(value: str | None) -> bool:
    return bool(value) and os.path.isabs(value)  # type: ignore[arg-type]


def _user_dir(kind: str) -> Path | None:
    """platformdirs' user dir of `kind` (config, data, state), or None when there is no home to
    put it in: no absolute $XDG_<KIND>_HOME and no absolute $HOME (cron, `env -u HOME`). Without
    HOME, platformdirs would fall back to the passwd entry (`/nonexistent` for system users) or
    fail; hwctl does not guess."""
    if not (
        _absolute(os.environ.get(f"XDG_{kind.upper()}_HOME")) or _absolute(os.environ.get("HOME"))
    ):
        return None
    try:
        return Path(getattr(_dirs(), f"user_{kind}_dir"))
    except RuntimeError:  # platformdirs: no home directory it can determine
        return None


def config_path() -> Path | None:
    """`config.toml` in the user config dir, or $HWCTL_CONFIG when set; None without a HOME."""
    override = os.environ.get(ENV_CONFIG)
    if override:
        return Path(override)
    folder = _user_dir("config")
    return None if folder is None else folder / "config.toml"


def data_dir() -> Path:
    folder = _user_dir("data")
    if folder is None:
        raise UsageError(NO_HOME_STORE)
    return folder


def state_dir() -> Path:
    """Where fulfilment drafts are kept."""
    folder = _user_dir("state")
    if folder is None:
        raise UsageError(NO_HOME_DRAFTS)
    return folder


def default_store_path() -> Path:
    return data_dir() / "hwctl.db"


def load_config() -> dict[str, object]:
    """The parsed config file, or {} when there is none. A malformed file, a key hwctl does
    not know (a typo would otherwise be ignored silently), anything but a regular file, or a
    file larger than CONFIG_MAX, is one clear line."""
    path = config_path()
    if path is None:  # no HOME: there is no per-user config file
        return {}
    from hwctl.reading import Unreadable, read_regular

    try:
        raw = read_regular(path, limit=CONFIG_MAX)
    except Unreadable as exc:
        if exc.missing and not os.environ.get(ENV_CONFIG):
            return {}
        if exc.missing:  # named explicitly: a typo must not fall back silently
            raise InvalidInput(f"${ENV_CONFIG} names {path}, which does not exist") from None
        reason = f"it {exc.reason}" if exc.reason.startswith("is ") else exc.reason
        raise InvalidInput(f"cannot read the config file {path}: {reason}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"config file {path} is not valid TOML: {exc}") from exc
    for key in data:
        if key not in CONFIG_KEYS:
            import difflib

            close = difflib.get_close_matches(key, CONFIG_KEYS, n=1)
            hint = f", did you mean '{close[0]}'?" if close else ""
            raise InvalidInput(
                f"config file {path}: unknown key '{key}'{hint} (the keys hwctl knows: "
                f"{', '.join(CONFIG_KEYS)})"
            )
    return data


def config_str(key: str) -> str | None:
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
        if rest.startswith("file:"):  # a SQLite URI's name, which SQLite percent-decodes
            rest = unquote(rest.removeprefix("file:"))
        if not rest or rest == ":memory:":
            return None
        return Path(rest)

    @property
    def sqlite_query(self) -> dict[str, str]:
        """The query of a SQLite URL (`?mode=ro&uri=true`), keys lowercased."""
        if not self.is_sqlite or "?" not in self.url:
            return {}
        return {k.lower(): v for k, v in parse_qsl(self.url.split("?", 1)[1])}

    @property
    def in_memory(self) -> bool:
        """A SQLite store that lives in memory only: gone when hwctl exits."""
        if not self.is_sqlite:
            return False
        rest = self.url.split(":///", 1)[1] if ":///" in self.url else ""
        name = rest.split("?", 1)[0].removeprefix("file:")
        return name in ("", ":memory:") or self.sqlite_query.get("mode") == "memory"

    @property
    def read_only(self) -> bool:
        """A SQLite store opened read-only (`?mode=ro` or `?immutable=1`)."""
        query = self.sqlite_query
        return query.get("mode") == "ro" or query.get("immutable", "0") not in ("0", "false")


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
    if value == ":memory:":  # SQLite's name for an in-memory database, not a file name
        return "sqlite:///:memory:"
    if (value == "~" or value.startswith("~/")) and not _absolute(os.environ.get("HOME")):
        raise UsageError(f"HOME is not set, so {value} names no folder: give an absolute path")
    path = Path(value).expanduser()
    return f"sqlite:///{path.resolve()}"


def _location(value: str, source: str, named: str, instead: str) -> StoreLocation:
    """The store `value` from `source`, refused when it cannot be what was meant."""
    if not value.strip():
        raise UsageError(f"{named} is empty: name the store (a path or a URL), or {instead}")
    location = StoreLocation(to_url(value), source, False)
    if location.in_memory:
        raise InvalidInput(
            f"{named} names an in-memory SQLite store, which would vanish when hwctl exits: "
            "name a file instead (a path, or sqlite:////path/to/hwctl.db)"
        )
    return location


def resolve_store(flag: str | None = None) -> StoreLocation:
    if flag is not None:
        return _location(flag, "--db", "--db", "leave --db out")
    env = os.environ.get(ENV_DATABASE_URL)
    if env and env.strip():  # set but blank counts as unset, as for most tools' variables
        return _location(env, ENV_DATABASE_URL, f"${ENV_DATABASE_URL}", "unset it")
    configured = config_str("database_url")
    if configured:
        return _location(configured, "config", f"database_url in {config_path()}", "remove it")
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
