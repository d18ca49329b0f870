"""Machine output: `--format json|csv` puts only data on stdout (talk goes to stderr) for list,
show, audit, devices, admins and report; output that is not a terminal carries no ANSI codes;
NO_COLOR is honoured on a terminal too; no password of a database URL is ever printed; and
without a terminal nothing waits for an answer.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_completion import hwctl_bin
from tests.conftest import ADMIN, Cli, make_order

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def colour_codes(text: str) -> list[str]:
    """SGR sequences that set a colour (foreground or background), not bold or italic."""
    found = []
    for match in SGR.finditer(text):
        params = [int(p) for p in match.group(1).split(";") if p]
        if any(30 <= p <= 48 or 90 <= p <= 107 for p in params):
            found.append(match.group(0))
    return found


@pytest.fixture
def history(seeded) -> dict[str, int]:  # noqa: ANN001
    """One order in each state a script may meet, with a name a spreadsheet would run."""
    return {
        "pending": make_order(seeded, ordered_at="2026-11-20T09:30:00Z"),
        "approved": make_order(seeded, status="approved"),
        "rejected": make_order(seeded, status="rejected"),
    }


MACHINE_COMMANDS = [
    ["list", "--status", "all"],
    ["audit"],
    ["devices"],
    ["admins", "list"],
    ["report", "pending"],
]


@pytest.mark.parametrize("command", MACHINE_COMMANDS, ids=lambda c: " ".join(c))
def test_json_output_is_only_json_on_stdout(cli: Cli, history, command: list[str]) -> None:  # noqa: ANN001
    result = cli(*command, "--format", "json")
    assert result.exit_code == 0, result.stderr
    json.loads(result.stdout)
    assert result.stderr == ""
    assert not ANSI.search(result.stdout)


@pytest.mark.parametrize("command", MACHINE_COMMANDS, ids=lambda c: " ".join(c))
def test_csv_output_is_only_csv_with_a_header_on_stdout(
    cli: Cli, history, command: list[str]
) -> None:  # noqa: ANN001
    result = cli(*command, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows and all(len(r) == len(rows[0]) for r in rows)
    assert result.stderr == ""


def test_show_json_is_only_the_order_on_stdout(cli: Cli, history) -> None:  # noqa: ANN001
    result = cli("show", str(history["pending"]), "--format", "json")
    assert json.loads(result.stdout)["id"] == history["pending"]
    assert result.stderr == ""


def test_an_empty_json_list_is_an_empty_array_and_silence(cli: Cli, seeded) -> None:  # noqa: ANN001
    result = cli("list", "--status", "fulfilled", "--format", "json")
    assert (result.exit_code, json.loads(result.stdout), result.stderr) == (0, [], "")


def test_an_error_with_json_requested_leaves_stdout_empty(cli: Cli, seeded) -> None:  # noqa: ANN001
    result = cli("show", "999", "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("hwctl: error: ")


# -- real processes: pipes and terminals ---------------------------------------------------------
def run(*args: str, stdin: int | None = subprocess.DEVNULL, **env: str):  # noqa: ANN201
    return subprocess.run(
        [str(hwctl_bin()), *args], capture_output=True, text=True, timeout=30, stdin=stdin,
        env={**os.environ, **env},
    )  # fmt: skip


def on_a_terminal(*args: str, **env: str) -> str:
    """stdin, stdout and stderr on a pseudo-terminal, as an admin at a shell would run it."""
    master, slave = pty.openpty()
    full_env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", **env}
    proc = subprocess.Popen([str(hwctl_bin()), *args], stdin=slave, stdout=slave, stderr=slave,
                            env=full_env, close_fds=True)  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=30)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


@sqlite_only
def test_piped_tables_help_and_errors_carry_no_ansi_codes(history, db_url: str) -> None:  # noqa: ANN001
    cases = [
        ["--db", db_url, "list"],
        ["--db", db_url, "report", "pending"],
        ["--help"],
        ["list", "--help"],
        ["--db", db_url, "show", "999"],
        ["list", "--status", "x"],
    ]
    for args in cases:
        result = run(*args)
        assert not ANSI.search(result.stdout + result.stderr), args


def test_help_on_a_terminal_is_plain_text_with_or_without_no_color() -> None:
    # Plain Click help (rich_markup_mode=None) keeps --help within the start-up budget.
    for env in ({}, {"NO_COLOR": "1"}):
        text = on_a_terminal("--help", **env)
        assert "Usage: hwctl" in text
        assert colour_codes(text) == [], env


@sqlite_only
def test_an_error_on_a_terminal_is_coloured_unless_no_color_or_a_dumb_terminal(
    history, db_url: str
) -> None:  # noqa: ANN001
    coloured = on_a_terminal("--db", db_url, "show", "999")
    assert "hwctl: \x1b[1;31merror:\x1b[0m order 999 does not exist" in coloured
    for env in ({"NO_COLOR": "1"}, {"TERM": "dumb"}):
        text = on_a_terminal("--db", db_url, "show", "999", **env)
        assert "hwctl: error: order 999 does not exist" in text, env
        assert colour_codes(text) == [], env


@sqlite_only
def test_no_color_on_a_terminal_leaves_tables_and_errors_without_colour(
    history, db_url: str
) -> None:  # noqa: ANN001
    for args in (["list"], ["show", str(history["pending"])], ["show", "999"], ["approve"]):
        text = on_a_terminal("--db", db_url, *args, NO_COLOR="1")
        assert colour_codes(text) == [], args


@sqlite_only
def test_json_on_a_terminal_is_still_plain_json(history, db_url: str) -> None:  # noqa: ANN001
    text = on_a_terminal("--db", db_url, "list", "--format", "json")
    assert [o["id"] for o in json.loads(text)] == [history["pending"]]


SECRET_URL = "postgresql+psycopg://hwctl:s3cret-pw@127.0.0.1:1/hwctl"


@pytest.mark.parametrize(
    "args",
    [["list", "--format", "json"], ["db", "path"], ["report", "pending"],
     ["report", "pending", "--warn", "3"], ["--debug", "list"]],
    ids=lambda a: " ".join(a),
)  # fmt: skip
def test_a_database_password_never_appears(args: list[str]) -> None:
    result = run("--db", SECRET_URL, *args)
    assert "s3cret" not in result.stdout + result.stderr
    assert "***" in result.stdout + result.stderr


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_the_password_is_masked_whichever_way_the_url_comes(how: str) -> None:
    args, env = (
        (["--db", SECRET_URL], {}) if how == "flag" else ([], {"HWCTL_DATABASE_URL": SECRET_URL})
    )
    result = run(*args, "report", "pending", "--warn", "1", **env)
    assert result.returncode == 3
    assert "s3cret" not in result.stdout + result.stderr


@sqlite_only
@pytest.mark.parametrize(
    ("args", "flag"),
    [(["approve", "{pending}"], "--yes"), (["cancel", "{pending}"], "--yes"),
     (["reject", "{pending}"], "--reason"), (["reject", "{pending}", "--reason", "dup"], "--yes"),
     (["review", "{pending}"], "--set")],
)  # fmt: skip
def test_without_a_terminal_nothing_waits_and_the_needed_flag_is_named(
    history,
    db_url: str,
    args: list[str],
    flag: str,  # noqa: ANN001
) -> None:
    argv = [a.format(**{k: str(v) for k, v in history.items()}) for a in args]
    result = run("--db", db_url, "--as", ADMIN, *argv)
    assert result.returncode == 2
    assert result.stdout == ""
    assert flag in result.stderr


def cron(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """As cron runs a job: no terminal, a bare environment (no LANG, TERM or venv on PATH)."""
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(home), "SHELL": "/bin/sh", **env}
    return subprocess.run(
        [str(hwctl_bin()), *args],
        capture_output=True,
        encoding="utf-8",
        timeout=30,
        stdin=subprocess.DEVNULL,
        env=bare,
    )


@sqlite_only
def test_a_cron_job_writes_the_textfile_silently(seeded, db_url: str, tmp_path: Path) -> None:  # noqa: ANN001
    make_order(seeded)
    target = tmp_path / "hwctl.prom"
    result = cron("report", "pending", "-f", "prometheus", "-o", str(target), "-q",
                  home=tmp_path, HWCTL_DATABASE_URL=db_url)  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert "hwctl_orders_pending_all 1" in target.read_text()


@sqlite_only
def test_a_cron_mail_report_prints_only_when_orders_wait(
    seeded, db_url: str, tmp_path: Path
) -> None:  # noqa: ANN001
    quiet = cron("report", "pending", "--quiet", home=tmp_path, HWCTL_DATABASE_URL=db_url)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    make_order(seeded, ordered_at="2026-11-20T09:30:00Z")
    mail = cron("report", "pending", "--quiet", home=tmp_path, HWCTL_DATABASE_URL=db_url)
    assert mail.returncode == 0
    assert mail.stdout.startswith("Pending orders: 1 · oldest 2026-11-20 09:30 UTC")
    assert not ANSI.search(mail.stdout)
