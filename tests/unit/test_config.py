"""Where the store is and who is acting (hwctl.config), with the config file on pyfakefs."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from hwctl.cli.identity import resolve_actor  # who acts is the CLI's to resolve
from hwctl.config import (
    StoreLocation,
    config_path,
    default_store_path,
    mask_password,
    resolve_store,
    to_url,
)
from hwctl.errors import InvalidInput, UsageError

PG = "postgresql+psycopg://hwctl@db.example/hwctl"


def write_config(fs, text: str) -> Path:  # noqa: ANN001
    path = config_path()
    fs.create_file(path, contents=text)
    return path


# -- the store -----------------------------------------------------------------------------------
def test_the_default_store_is_hwctl_db_in_the_user_data_dir(fs, isolated_env):
    # (isolated_env is a real Path, hwctl's are pyfakefs's: compare as text)
    location = resolve_store(None)
    expected = f"{isolated_env}/.local/share/hwctl/hwctl.db"
    assert str(default_store_path()) == expected
    assert location.url == f"sqlite:///{expected}"
    assert location.source == "default"
    assert location.is_default
    assert str(location.sqlite_path) == expected


def test_the_config_file_lives_in_the_platformdirs_user_config_dir(fs, isolated_env):
    assert str(config_path()) == f"{isolated_env}/.config/hwctl/config.toml"


def test_database_url_in_the_config_file_beats_the_default(fs):
    write_config(fs, f'database_url = "{PG}"\n')
    location = resolve_store(None)
    assert (location.url, location.source, location.is_default) == (PG, "config", False)


def test_the_environment_beats_the_config_file(fs, monkeypatch):
    write_config(fs, f'database_url = "{PG}"\n')
    monkeypatch.setenv("HWCTL_DATABASE_URL", "sqlite:////srv/hwctl/hwctl.db")
    location = resolve_store(None)
    assert (location.url, location.source) == (
        "sqlite:////srv/hwctl/hwctl.db",
        "HWCTL_DATABASE_URL",
    )


def test_the_db_flag_beats_the_environment_and_the_config_file(fs, monkeypatch):
    write_config(fs, f'database_url = "{PG}"\n')
    monkeypatch.setenv("HWCTL_DATABASE_URL", "sqlite:////srv/hwctl/hwctl.db")
    location = resolve_store("sqlite:////tmp/flag.db")
    assert (location.url, location.source) == ("sqlite:////tmp/flag.db", "--db")


def test_a_blank_environment_variable_is_ignored(fs, monkeypatch):
    monkeypatch.setenv("HWCTL_DATABASE_URL", "  ")
    assert resolve_store(None).source == "default"


def test_a_bare_path_becomes_an_absolute_sqlite_url(fs):
    fs.create_dir("/work/here")
    os.chdir("/work/here")
    assert to_url("stores/hwctl.db") == "sqlite:////work/here/stores/hwctl.db"
    assert to_url("/srv/hwctl/hwctl.db") == "sqlite:////srv/hwctl/hwctl.db"


def test_a_home_relative_path_is_expanded(fs, isolated_env):
    assert to_url("~/hwctl.db") == f"sqlite:///{isolated_env / 'hwctl.db'}"


def test_a_bare_path_from_the_config_file_becomes_a_sqlite_url(fs):
    write_config(fs, 'database_url = "/srv/hwctl/hwctl.db"\n')
    assert resolve_store(None).url == "sqlite:////srv/hwctl/hwctl.db"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://hwctl:pw@db/hwctl", "postgresql+psycopg://hwctl:pw@db/hwctl"),
        ("postgresql://hwctl@db/hwctl", "postgresql+psycopg://hwctl@db/hwctl"),
        (PG, PG),
        ("sqlite:////srv/hwctl/hwctl.db", "sqlite:////srv/hwctl/hwctl.db"),
    ],
)
def test_postgres_urls_get_the_psycopg_driver(given, expected):
    assert to_url(given) == expected


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_db_flag_is_a_usage_error_not_the_default(fs, value):
    with pytest.raises(UsageError, match="^--db is empty: "):
        resolve_store(value)


@pytest.mark.parametrize(
    ("url", "in_memory", "read_only", "path"),
    [
        ("sqlite://", True, False, None),
        ("sqlite:///:memory:", True, False, None),
        ("sqlite:///file::memory:?cache=shared", True, False, None),
        ("sqlite:////srv/hwctl.db?mode=memory", True, False, "/srv/hwctl.db"),
        ("sqlite:////srv/hwctl.db", False, False, "/srv/hwctl.db"),
        ("sqlite:////srv/hwctl.db?mode=ro", False, True, "/srv/hwctl.db"),
        ("sqlite:///file:/srv/hwctl.db?mode=ro&uri=true", False, True, "/srv/hwctl.db"),
        ("sqlite:////srv/hwctl.db?immutable=1", False, True, "/srv/hwctl.db"),
        (PG, False, False, None),
    ],
)
def test_a_location_knows_whether_it_is_in_memory_read_only_and_its_file(
    url, in_memory, read_only, path
):
    location = StoreLocation(url, "--db", False)
    assert (location.in_memory, location.read_only) == (in_memory, read_only)
    assert location.sqlite_path == (Path(path) if path else None)


def test_memory_is_sqlite_s_name_for_an_in_memory_store_not_a_file_name(fs):
    assert to_url(":memory:") == "sqlite:///:memory:"
    with pytest.raises(InvalidInput, match="names an in-memory SQLite store"):
        resolve_store(":memory:")


def test_without_home_there_is_no_default_store_and_no_config_file(fs, monkeypatch):
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(var, raising=False)
    assert config_path() is None
    with pytest.raises(UsageError, match="^HOME is not set, so there is no default store"):
        resolve_store(None)
    assert resolve_store("/srv/hwctl/hwctl.db").url == "sqlite:////srv/hwctl/hwctl.db"
    with pytest.raises(UsageError, match="^HOME is not set, so ~/hwctl.db names no folder"):
        to_url("~/hwctl.db")


@pytest.mark.parametrize(
    ("key", "hint"), [("databse_url", ", did you mean 'database_url'?"), ("colour", "")]
)
def test_an_unknown_config_key_is_refused_naming_the_file_and_the_key(fs, key, hint):
    path = write_config(fs, f'{key} = "x"\n')
    with pytest.raises(InvalidInput) as caught:
        resolve_store(None)
    assert str(caught.value) == (
        f"config file {path}: unknown key '{key}'{hint} (the keys hwctl knows: database_url, "
        "admin, identity)"
    )


def test_an_empty_store_location_is_refused():
    with pytest.raises(InvalidInput, match="the store location is empty"):
        to_url("   ")


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            "postgresql+psycopg://hwctl:s3cret@db:5432/hwctl",
            "postgresql+psycopg://hwctl:***@db:5432/hwctl",
        ),
        ("postgresql+psycopg://hwctl@db/hwctl", "postgresql+psycopg://hwctl@db/hwctl"),
        ("postgresql+psycopg://db:5432/hwctl", "postgresql+psycopg://db:5432/hwctl"),
        ("sqlite:////srv/hwctl.db", "sqlite:////srv/hwctl.db"),
        (
            "cannot use the store postgresql://a:b@h/x: connection failed",
            "cannot use the store postgresql://a:***@h/x: connection failed",
        ),
    ],
)
def test_mask_password_hides_only_the_password(url, masked):
    assert mask_password(url) == masked


def test_the_location_shows_its_url_with_the_password_masked(fs):
    location = resolve_store("postgres://hwctl:s3cret@db/hwctl")
    assert location.masked == "postgresql+psycopg://hwctl:***@db/hwctl"
    assert "s3cret" not in location.masked
    assert location.sqlite_path is None
    assert not location.is_sqlite


def test_a_malformed_config_file_is_one_clear_line(fs):
    path = write_config(fs, "database_url = \n")
    with pytest.raises(InvalidInput) as caught:
        resolve_store(None)
    message = str(caught.value)
    assert message.startswith(f"config file {path} is not valid TOML: ")
    assert "\n" not in message


def test_a_config_file_that_is_not_utf8_is_one_clear_line(fs):
    fs.create_file(config_path(), contents=b"database_url = '\xff'\n")
    with pytest.raises(InvalidInput, match="is not valid TOML"):
        resolve_store(None)


def test_a_database_url_that_is_not_a_string_is_refused(fs):
    write_config(fs, "database_url = 5\n")
    with pytest.raises(InvalidInput, match="'database_url' must be a non-empty string"):
        resolve_store(None)


def test_hwctl_config_points_at_another_config_file(fs, monkeypatch):
    fs.create_file("/etc/hwctl/config.toml", contents=f'database_url = "{PG}"\n')
    monkeypatch.setenv("HWCTL_CONFIG", "/etc/hwctl/config.toml")
    assert resolve_store(None).url == PG


# -- the acting super-admin ----------------------------------------------------------------------
def effective_user() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def test_the_actor_is_the_effective_os_account_not_user_or_logname(fs, monkeypatch):
    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    actor = resolve_actor(None)
    assert actor.name == effective_user()
    assert actor.name != "mallory"
    assert actor.source == "os"


def test_admin_in_the_config_file_beats_the_os_account(fs):
    write_config(fs, 'admin = "carol"\n')
    assert (resolve_actor(None).name, resolve_actor(None).source) == ("carol", "config")


def test_hwctl_admin_beats_the_config_file(fs, monkeypatch):
    write_config(fs, 'admin = "carol"\n')
    monkeypatch.setenv("HWCTL_ADMIN", "erin")
    assert (resolve_actor(None).name, resolve_actor(None).source) == ("erin", "HWCTL_ADMIN")


def test_the_as_flag_beats_everything(fs, monkeypatch):
    write_config(fs, 'admin = "carol"\n')
    monkeypatch.setenv("HWCTL_ADMIN", "erin")
    assert (resolve_actor(" dana ").name, resolve_actor("dana").source) == ("dana", "--as")


def test_a_blank_as_flag_is_refused():
    with pytest.raises(InvalidInput, match="--as needs a name"):
        resolve_actor("  ")


def test_a_blank_admin_in_the_config_file_is_refused(fs):
    write_config(fs, 'admin = " "\n')
    with pytest.raises(InvalidInput, match="'admin' must be a non-empty string"):
        resolve_actor(None)


# -- identity --------------------------------------------------------------------------------
def test_identity_is_default_unless_the_config_file_says_database(fs):
    from hwctl.cli.identity import resolve_identity

    assert resolve_identity() == "default"
    write_config(fs, 'identity = "database"\n')
    assert resolve_identity() == "database"


def test_an_identity_that_is_not_a_string_names_the_allowed_values(fs):
    from hwctl.cli.identity import resolve_identity

    write_config(fs, "identity = 1\n")
    with pytest.raises(InvalidInput, match="'identity' is 1; it must be \"default\" or "):
        resolve_identity()


def test_what_claims_a_name_is_the_first_of_as_hwctl_admin_and_admin(fs, monkeypatch):
    from hwctl.cli.identity import claimed_actor

    assert claimed_actor(None) is None
    path = write_config(fs, 'identity = "database"\nadmin = "carol"\n')
    assert claimed_actor(None) == f"admin in {path}"
    monkeypatch.setenv("HWCTL_ADMIN", "erin")
    assert claimed_actor(None) == "$HWCTL_ADMIN"
    assert claimed_actor("dana") == "--as"
