"""TAB completion: `hwctl completion SHELL` prints the checked-in scripts, and real bash, zsh and
fish complete commands, enumerated values and order ids from those files by calling back into
the installed hwctl (Typer's `_HWCTL_COMPLETE` protocol).

A missing shell skips its tests with a reason, except under CI=true, where it fails them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import make_order

ROOT = Path(__file__).resolve().parents[2]
FILES = {  # named as each shell loads them (and as the wheel installs them under share/)
    "bash": ROOT / "completions" / "bash" / "hwctl",
    "zsh": ROOT / "completions" / "zsh" / "_hwctl",
    "fish": ROOT / "completions" / "fish" / "hwctl.fish",
}
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


def hwctl_bin() -> Path:
    """The hwctl console script installed next to the running Python."""
    beside = Path(sys.executable).parent / "hwctl"
    found = beside if beside.exists() else shutil.which("hwctl")
    assert found, "hwctl is not installed next to this Python nor on PATH"
    return Path(found)


def need(shell: str) -> str:
    path = shutil.which(shell)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{shell} is not installed under CI=true: its completion tests must run")
        pytest.skip(f"{shell} is not installed (apt-get install {shell})")
    return path


def shell_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{hwctl_bin().parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


BASH_DRIVER = r"""
source "$1"
fn=$(complete -p hwctl | sed -E 's/.*-F ([^ ]+).*/\1/')
COMP_WORDS=("${@:2}")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
"$fn" hwctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""


def bash_complete(line: str, script: Path = FILES["bash"], **env: str) -> list[str]:
    """What bash offers for TAB at the end of `line`, through the completion script."""
    bash = need("bash")
    words = line.split(" ")
    run = subprocess.run(
        [bash, "--norc", "--noprofile", "-c", BASH_DRIVER, "bash", str(script), *words],
        capture_output=True, text=True, env=shell_env(**env), timeout=30,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return [w for w in run.stdout.splitlines() if w]


def fish_complete(line: str, *, source: Path | None = FILES["fish"], **env: str) -> list[str]:
    fish = need("fish")
    load = f"source {source}; " if source else ""
    run = subprocess.run(
        [fish, "-c", f'{load}complete -C "{line}"'],
        capture_output=True, text=True, env=shell_env(**env), timeout=30,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return [row.split("\t")[0] for row in run.stdout.splitlines()]


ZSH_DRIVER = r"""
zmodload zsh/zpty
zpty -b z zsh -f -i
zpty -w z "PS1='> '; $1; autoload -Uz compinit; compinit -u -D; $2;
  hwctl() { print -r -- \"RESULT:[\$*]\" }; echo READY"
zpty -r z line '*READY*'
zpty -w z "$3"$'\t'
zpty -r z out '*RESULT:\[*\]*'
print -r -- "${${out##*RESULT:\[}%%\]*}"
zpty -d z
"""


def zsh_complete(line: str, *, before: str = "", after: str = "") -> str:
    """The command line after one TAB in a real interactive zsh (driven through zpty). `hwctl`
    is a shell function there that prints its arguments, so Enter shows the completed line;
    the completion script still calls the installed hwctl through `env`."""
    zsh = need("zsh")
    run = subprocess.run(
        [zsh, "-f", "-c", ZSH_DRIVER, "zsh", before, after, line],
        capture_output=True, text=True, env=shell_env(), timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


# -- the scripts ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_command_prints_the_checked_in_script(shell: str) -> None:
    from hwctl.cli.app import app

    result = CliRunner().invoke(app, ["completion", shell])
    assert result.exit_code == 0
    assert result.stdout == FILES[shell].read_text()
    assert result.stderr == ""


def test_the_scripts_call_back_into_hwctl_with_its_completion_variable() -> None:
    for shell, path in FILES.items():
        text = path.read_text()
        assert f"_HWCTL_COMPLETE=complete_{shell}" in text, shell


def test_the_zsh_script_starts_with_compdef_on_line_one() -> None:
    assert FILES["zsh"].read_text().splitlines()[0] == "#compdef hwctl"


def test_an_unknown_shell_is_a_usage_error() -> None:
    from hwctl.cli.app import app

    result = CliRunner().invoke(app, ["completion", "tcsh"])
    assert result.exit_code == 2
    assert result.stdout == ""


# -- bash ----------------------------------------------------------------------------------------
def test_bash_completes_approve_from_ap() -> None:
    assert bash_complete("hwctl ap") == ["approve"]


@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("hwctl list --status ", ["pending", "approved", "fulfilled", "rejected", "cancelled",
                                  "all"]),
        ("hwctl list --format ", ["table", "json", "csv"]),
        ("hwctl report ", ["pending"]),
        ("hwctl report pending --format pr", ["prometheus"]),
        ("hwctl admins ", ["add", "remove", "list"]),
        ("hwctl db ", ["path", "upgrade", "backup"]),
        ("hwctl completion ", ["bash", "zsh", "fish"]),
        ("hwctl --d", ["--db", "--debug"]),
    ],
)  # fmt: skip
def test_bash_completes_subcommands_options_and_enumerated_values(
    line: str, offered: list[str]
) -> None:
    assert bash_complete(line) == offered


def test_bash_loads_the_file_from_the_bash_completion_user_folder(isolated_env: Path) -> None:
    loader = Path("/usr/share/bash-completion/bash_completion")
    if not loader.exists():
        pytest.skip("the bash-completion package is not installed")
    folder = isolated_env / ".local/share/bash-completion/completions"
    folder.mkdir(parents=True)
    shutil.copy(FILES["bash"], folder / "hwctl")
    run = subprocess.run(
        [need("bash"), "--norc", "--noprofile", "-c",
         f"source {loader}; _completion_loader hwctl; complete -p hwctl"],
        capture_output=True, text=True, env=shell_env(), timeout=30,
    )  # fmt: skip
    assert run.stdout.strip() == "complete -o default -F _hwctl_completion hwctl", run.stderr


@sqlite_only
def test_bash_completes_order_ids_of_pending_and_approved_orders(seeded, db_url: str) -> None:  # noqa: ANN001
    pending = make_order(seeded, ordered_at="2026-11-20T09:30:00Z")
    approved = make_order(seeded, status="approved", ordered_at="2026-11-21T09:30:00Z")
    make_order(seeded, status="rejected")
    make_order(seeded, status="cancelled")
    offered = bash_complete("hwctl approve ", HWCTL_DATABASE_URL=db_url)
    assert sorted(offered) == sorted([str(pending), str(approved)])


@sqlite_only
def test_order_ids_come_from_the_store_named_by_db_on_the_line(seeded, db_url: str) -> None:  # noqa: ANN001
    oid = make_order(seeded)
    path = db_url.removeprefix("sqlite:///")
    assert bash_complete(f"hwctl --db {path} show ") == [str(oid)]
    assert bash_complete(f"hwctl --db {path} show 9") == []


# -- order ids, directly ---------------------------------------------------------------------------
@sqlite_only
def test_open_order_ids_are_pending_and_approved_newest_first(seeded, db_url: str) -> None:  # noqa: ANN001
    from hwctl.cli.completion_ids import open_order_ids

    old = make_order(seeded, ordered_at="2026-11-01T00:00:00Z")
    new = make_order(seeded, status="approved", ordered_at="2026-11-02T00:00:00Z")
    make_order(seeded, status="rejected", ordered_at="2026-11-03T00:00:00Z")
    assert open_order_ids(db=db_url) == [str(new), str(old)]
    assert open_order_ids(db=db_url, limit=1) == [str(new)]


def test_open_order_ids_offer_nothing_rather_than_fail(tmp_path: Path) -> None:
    from hwctl.cli.completion_ids import open_order_ids

    (tmp_path / "garbage.db").write_bytes(b"not a database" * 100)
    assert open_order_ids(db=str(tmp_path / "missing.db")) == []
    assert not (tmp_path / "missing.db").exists()
    assert open_order_ids(db=str(tmp_path / "garbage.db")) == []
    assert open_order_ids(db="postgresql+psycopg://nobody@127.0.0.1:1/none") == []


# -- zsh -----------------------------------------------------------------------------------------
def test_the_zsh_script_parses() -> None:
    run = subprocess.run([need("zsh"), "-n", str(FILES["zsh"])], capture_output=True, text=True)
    assert (run.returncode, run.stderr) == (0, "")


def test_zsh_completes_on_the_first_tab_from_an_fpath_folder() -> None:
    line = zsh_complete("hwctl ap", before=f"fpath=({FILES['zsh'].parent} $fpath)")
    assert line == "approve"


def test_zsh_completes_from_the_sourced_script() -> None:
    line = zsh_complete("hwctl report pending --format pro", after=f"source {FILES['zsh']}")
    assert line == "report pending --format prometheus"


# -- fish ----------------------------------------------------------------------------------------
def test_fish_completes_approve_from_ap() -> None:
    assert fish_complete("hwctl ap") == ["approve"]


def test_fish_completes_enumerated_values() -> None:
    assert sorted(fish_complete("hwctl list --format ")) == ["csv", "json", "table"]
    assert fish_complete("hwctl report pending --format pro") == ["prometheus"]


def test_fish_loads_the_file_from_its_user_completions_folder(isolated_env: Path) -> None:
    folder = isolated_env / ".config/fish/completions"
    folder.mkdir(parents=True)
    shutil.copy(FILES["fish"], folder / "hwctl.fish")
    assert fish_complete("hwctl ap", source=None) == ["approve"]
