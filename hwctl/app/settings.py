"""Where things live, as a door names them: the store's location and its resolution (`--db` >
$HWCTL_DATABASE_URL > `database_url` in the config file > the default file), the config file,
and passwords masked in what is shown. Re-exported from `hwctl.config` (beside the layers, which
the store imports too), so that a door imports the application layer only.

Cheap to import (no SQLAlchemy): `--help`, TAB completion and `hwctl db path` use it.
"""

from __future__ import annotations

from hwctl.config import (
    ENV_CONFIG,
    ENV_DATABASE_URL,
    StoreLocation,
    config_path,
    config_str,
    load_config,
    mask_password,
    resolve_store,
)

__all__ = [
    "ENV_CONFIG",
    "ENV_DATABASE_URL",
    "StoreLocation",
    "config_path",
    "config_str",
    "load_config",
    "mask_password",
    "resolve_store",
]
